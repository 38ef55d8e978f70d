import type { GraphQLClient } from './graphql-client.js';

export const API_KEY_FIELDS = `id name displayPrefix lastFour allowedModels status createdAt expiresAt revokedAt lastUsedAt previousSecretValidUntil`;

export const API_KEY_CREATE = `mutation($input: ApiKeyCreateInput!) {
  apiKeyCreate(input: $input) { apiKey { ${API_KEY_FIELDS} } secret userErrors { field code message } } }`;
export const API_KEY_REVOKE = `mutation($id: ID!) { apiKeyRevoke(id: $id) { apiKey { ${API_KEY_FIELDS} } userErrors { field code message } } }`;
export const API_KEY_ROTATE = `mutation($id: ID!, $grace: Int) {
  apiKeyRotate(id: $id, gracePeriod: $grace) { apiKey { ${API_KEY_FIELDS} } secret userErrors { field code message } } }`;
export const MY_KEYS = `query($revoked: Boolean) { me { apiKeys(first: 100, includeRevoked: $revoked) { nodes { ${API_KEY_FIELDS} } } } }`;

/** Creates a key as the logged-in client; returns its global id and secret. */
export async function createKey(client: GraphQLClient, input: Record<string, unknown> = {}): Promise<{ id: string; secret: string }> {
  const { apiKeyCreate } = await client.data(API_KEY_CREATE, { input: { name: 'test key', ...input } });
  if (apiKeyCreate.userErrors.length > 0) throw new Error(JSON.stringify(apiKeyCreate.userErrors));
  return { id: apiKeyCreate.apiKey.id, secret: apiKeyCreate.secret };
}
