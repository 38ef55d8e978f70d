/**
 * The NOTIFY channel on which the control-plane announces that an API key changed
 * (created, revoked, rotated, or its account suspended, unsuspended or deleted); the
 * payload is the key's public id. Every data-plane instance LISTENs and drops that key
 * from its cache.
 */
export const API_KEY_CHANNEL = 'tokenbyte_api_key';

/**
 * The NOTIFY channel on which the control-plane announces that the model catalogue
 * changed (a model created or updated, a price version added, the seed applied); the
 * payload is the model's public name, for the log only. Every data-plane instance
 * LISTENs and reloads its whole catalogue, which is small.
 */
export const CATALOGUE_CHANNEL = 'tokenbyte_catalogue';

/**
 * The NOTIFY channel on which the control-plane announces that an upstream provider
 * credential changed (created, updated or deleted by an admin); the payload is the
 * provider's name (`openai`, `anthropic` or `gemini`). Every data-plane instance
 * LISTENs and reloads its credentials.
 */
export const UPSTREAM_CREDENTIAL_CHANNEL = 'tokenbyte_upstream_credential';
