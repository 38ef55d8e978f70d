import { promoteToAdmin } from '../../../control-plane/modules/account/admin-bootstrap.js';
import { CATALOGUE_CHANNEL } from '../../../shared/key-events.js';
import type { TestControlPlane } from '../../helpers/control-plane.js';
import { signUpAndLogIn, type GraphQLClient } from '../../helpers/graphql-client.js';

export const MONEY = 'amount currency';
export const PRICE_FIELDS = `id effectiveFrom inputPerMillion { ${MONEY} } cachedInputPerMillion { ${MONEY} } cacheWritePerMillion { ${MONEY} }
  cacheWrite1hPerMillion { ${MONEY} }   outputPerMillion { ${MONEY} } reasoningPerMillion { ${MONEY} } createdAt`;
export const MODEL_FIELDS = `id name provider upstreamModel capabilities enabled createdAt updatedAt currentPrice { ${PRICE_FIELDS} }`;

export const MODELS = `query($first: Int, $after: String, $includeDisabled: Boolean! = false) {
  models(first: $first, after: $after, includeDisabled: $includeDisabled) { nodes { ${MODEL_FIELDS} } pageInfo { hasNextPage endCursor } } }`;
export const MODEL_CREATE = `mutation($input: ModelCreateInput!) {
  modelCreate(input: $input) { model { ${MODEL_FIELDS} } userErrors { field code message } } }`;
export const MODEL_UPDATE = `mutation($input: ModelUpdateInput!) {
  modelUpdate(input: $input) { model { ${MODEL_FIELDS} } userErrors { field code message } } }`;
export const MODEL_PRICE_SET = `mutation($input: ModelPriceSetInput!) {
  modelPriceSet(input: $input) { price { ${PRICE_FIELDS} model { name } } model { name currentPrice { id } } userErrors { field code message } } }`;
export const PRICE_HISTORY = `query($id: ID!) { node(id: $id) { ... on Model { name priceHistory(first: 100) { nodes { ${PRICE_FIELDS} } } } } }`;

export type ModelNode = {
  id: string;
  name: string;
  provider: string;
  upstreamModel: string;
  capabilities: string[];
  enabled: boolean;
  currentPrice: Record<string, unknown> & { id: string; inputPerMillion: { amount: string } };
};

/** A logged-in client; an admin when `admin` is set. */
export async function loggedIn(cp: TestControlPlane, admin = false): Promise<GraphQLClient> {
  const client = cp.client();
  const user = await signUpAndLogIn(client);
  if (admin) await promoteToAdmin(cp.db.fork(), user.username);
  return client;
}

/** Every model the client sees, through as many pages as it takes. */
export async function allModels(client: GraphQLClient, includeDisabled = false): Promise<ModelNode[]> {
  const found: ModelNode[] = [];
  let after: string | null = null;
  for (;;) {
    const page: { nodes: ModelNode[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } = (
      await client.data(MODELS, { first: 100, after, includeDisabled })
    ).models;
    found.push(...page.nodes);
    if (!page.pageInfo.hasNextPage) return found;
    after = page.pageInfo.endCursor;
  }
}

/** The model of this name among those an admin sees. */
export async function modelNamed(admin: GraphQLClient, name: string): Promise<ModelNode> {
  const model = (await allModels(admin, true)).find((m) => m.name === name);
  if (!model) throw new Error(`no model ${name}`);
  return model;
}

/** Collects the payloads of catalogue NOTIFYs on the control-plane's database. */
export async function catalogueNotifications(cp: TestControlPlane): Promise<{ payloads: string[]; close(): Promise<void> }> {
  const sql = cp.sqlClient();
  const payloads: string[] = [];
  const unlisten = await sql.listen(CATALOGUE_CHANNEL, (payload) => payloads.push(payload));
  return {
    payloads,
    async close() {
      await unlisten();
      await sql.close();
    },
  };
}

export { eventually } from '../../helpers/eventually.js';
