/** What the proxy knows about the caller once its API key is accepted. */
export interface AuthenticatedKey {
  /** The api_key row id (a UUID), recorded on usage events. */
  apiKeyId: string;
  accountId: string;
  /** The key's public id (inside the key itself), safe to log. */
  keyId: string;
  /** Public model names this key may call; null means every model. */
  allowedModels: readonly string[] | null;
}

/** Resolves a raw API key to its owner, or null when it must be refused (401). */
export interface KeyAuthenticator {
  authenticate(rawKey: string): Promise<AuthenticatedKey | null>;
}
