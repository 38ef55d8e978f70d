import { Writable } from 'node:stream';
import { UPSTREAM_CREDENTIAL_CHANNEL } from '../../../shared/key-events.js';
import { createLogger, type Logger } from '../../../shared/logger.js';
import type { TestControlPlane } from '../../helpers/control-plane.js';
import type { GraphQLClient } from '../../helpers/graphql-client.js';

export const CREDENTIAL_FIELDS = 'id provider name baseUrl secretLastFour weight enabled createdAt updatedAt';
const USER_ERRORS = 'userErrors { field code message }';

export const CREDENTIALS = `query($provider: UpstreamProvider, $first: Int, $after: String) {
  upstreamCredentials(provider: $provider, first: $first, after: $after) { nodes { ${CREDENTIAL_FIELDS} } pageInfo { hasNextPage endCursor } } }`;
export const CREDENTIAL_CREATE = `mutation($input: UpstreamCredentialCreateInput!) {
  upstreamCredentialCreate(input: $input) { upstreamCredential { ${CREDENTIAL_FIELDS} } ${USER_ERRORS} } }`;
export const CREDENTIAL_UPDATE = `mutation($input: UpstreamCredentialUpdateInput!) {
  upstreamCredentialUpdate(input: $input) { upstreamCredential { ${CREDENTIAL_FIELDS} } ${USER_ERRORS} } }`;
export const CREDENTIAL_DELETE = `mutation($input: UpstreamCredentialDeleteInput!) {
  upstreamCredentialDelete(input: $input) { deletedId ${USER_ERRORS} } }`;
export const CREDENTIAL_NODE = `query($id: ID!) { node(id: $id) { id ... on UpstreamCredential { ${CREDENTIAL_FIELDS} } } }`;
export const AUDIT_LOG = `query($filter: AdminAuditFilter) {
  auditLog(first: 100, filter: $filter) { nodes { action adminUsername targetType targetId details ip userAgent createdAt } } }`;

export interface CredentialNode {
  id: string;
  provider: string;
  name: string;
  baseUrl: string | null;
  secretLastFour: string;
  weight: number;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
}

let counter = 0;

/** A provider secret unique to this test run, shaped like a real key. */
export function newSecret(prefix = 'sk-proj'): string {
  counter += 1;
  return `${prefix}-${counter}-${crypto.randomUUID().replaceAll('-', '')}`;
}

/** A logger whose every line is kept, to prove what never reaches a log. */
export function capturingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { logger: createLogger({ level: 'trace', name: 'test', destination }), lines };
}

/** Creates a credential as an admin and fails on any error. */
export async function createCredential(admin: GraphQLClient, input: Record<string, unknown>): Promise<CredentialNode> {
  const { upstreamCredentialCreate } = await admin.data(CREDENTIAL_CREATE, { input });
  if (upstreamCredentialCreate.userErrors.length > 0) throw new Error(JSON.stringify(upstreamCredentialCreate.userErrors));
  return upstreamCredentialCreate.upstreamCredential;
}

/** The stored row of a credential, read straight from the database. */
export async function credentialRow(cp: TestControlPlane, dbId: string): Promise<Record<string, unknown> | undefined> {
  const rows = await cp.db.fork().getConnection().execute<Record<string, unknown>[]>('select * from upstream_credential where id = ?', [dbId]);
  return rows[0];
}

/** Collects the payloads of upstream-credential NOTIFYs on the control-plane's database. */
export async function credentialNotifications(cp: TestControlPlane): Promise<{ payloads: string[]; close(): Promise<void> }> {
  const sql = cp.sqlClient();
  const payloads: string[] = [];
  const unlisten = await sql.listen(UPSTREAM_CREDENTIAL_CHANNEL, (payload) => payloads.push(payload));
  return {
    payloads,
    async close() {
      await unlisten();
      await sql.close();
    },
  };
}

/** The database id inside a global id. */
export function dbIdOf(globalId: string): string {
  return Buffer.from(globalId, 'base64url').toString('utf8').split(':')[1]!;
}
