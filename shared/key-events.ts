/**
 * The NOTIFY channel on which the control-plane announces that an API key changed
 * (created, revoked, rotated); the payload is the key's public id. Every data-plane
 * instance LISTENs and drops that key from its cache.
 */
export const API_KEY_CHANNEL = 'tokenbyte_api_key';
