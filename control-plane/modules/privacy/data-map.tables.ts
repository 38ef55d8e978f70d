import { DeletionAction, Treatment, type ColumnSpec, type TableLocation } from './data-map.types.js';

/*
 * Every table that holds personal data, column by column. A test compares these with
 * the database: a table that references an account (directly or through another
 * table) and is missing here, or a column nobody classified, fails it.
 */

const data = (description: string): ColumnSpec => ({ treatment: Treatment.SHOWN, personal: false, description });
const personal = (description: string): ColumnSpec => ({ treatment: Treatment.SHOWN, personal: true, description });
const secret = (description: string): ColumnSpec => ({ treatment: Treatment.SECRET, personal: true, description });
const copy = (description: string, isPersonal = true): ColumnSpec => ({ treatment: Treatment.COPY, personal: isPersonal, description });
const internal = (description: string): ColumnSpec => ({ treatment: Treatment.INTERNAL, personal: false, description });
const owner = (description = 'The account the record belongs to.'): ColumnSpec => ({ treatment: Treatment.OWNER, personal: true, description });

const DELETE = { action: DeletionAction.DELETE } as const;
const IP = 'The IP address the request came from.';
const USER_AGENT = 'The user agent (browser or client software and version) that sent the request.';

export const accountTable: TableLocation = {
  kind: 'TABLE',
  table: 'account',
  owner: { columns: ['id'] },
  orderKey: ['id'],
  columns: {
    id: data('The account id (a UUID).'),
    username: personal('The username, as typed at sign-up or the last change.'),
    username_canonical: copy('The username in lower case, which makes it unique regardless of case.'),
    email: personal('The email address.'),
    email_canonical: copy('The email address in lower case, which makes it unique regardless of case.'),
    password_hash: secret('The argon2id hash of the password (the password itself is never stored).'),
    role: data('USER or ADMIN.'),
    created_at: data('When the account was created.'),
    updated_at: data('When the account row last changed.'),
    processing_restricted_at: data('Since when processing of the data is restricted at the owner\'s request (empty: not restricted).'),
    processing_restriction_lift_at: data('When an administrator\'s lift of the restriction takes effect (empty: none announced).'),
    suspended_at: data('Since when an administrator has suspended the account (empty: not suspended).'),
    suspension_reason: personal('Why an administrator suspended the account.'),
    deletion_requested_at: data('When the owner asked for the account to be deleted (empty: not asked).'),
  },
  deletion: DELETE,
};

export const emailChangeTable: TableLocation = {
  kind: 'TABLE',
  table: 'email_change',
  owner: { columns: ['account_id'] },
  orderKey: ['id'],
  columns: {
    id: data('The id of the change request.'),
    account_id: owner(),
    new_email: personal('The new email address, not yet verified.'),
    new_email_canonical: copy('The new address in lower case.'),
    token_hash: secret('SHA-256 of the one-time code mailed to the new address.'),
    created_at: data('When the change was asked for.'),
    expires_at: data('When the one-time code stops working.'),
  },
  deletion: DELETE,
};

export const sessionTable: TableLocation = {
  kind: 'TABLE',
  table: 'session',
  owner: { columns: ['account_id'] },
  orderKey: ['id'],
  columns: {
    id: data('The session id.'),
    account_id: owner(),
    token_hash: secret('SHA-256 of the session token (the token lives only in the browser\'s cookie).'),
    created_at: data('When the session started (the login).'),
    last_seen_at: data('When the session was last used, to the minute.'),
    expires_at: data('When the session ends at the latest.'),
    revoked_at: data('When the session was ended (logout, password change, revocation).'),
    ip: personal('The IP address the login came from.'),
    user_agent: personal('The user agent (browser or client software and version) of the login.'),
  },
  deletion: DELETE,
};

export const securityEventTable: TableLocation = {
  kind: 'TABLE',
  table: 'security_event',
  owner: { columns: ['account_id'] },
  orderKey: ['id'],
  columns: {
    id: data('The event id.'),
    account_id: owner(),
    type: data('What happened (SIGN_UP, LOGIN_SUCCESS, LOGIN_FAILURE, PASSWORD_CHANGE, API_KEY_CREATE, EMAIL_CHANGE, …).'),
    created_at: data('When it happened.'),
    ip: personal(IP),
    user_agent: personal(USER_AGENT),
  },
  deletion: DELETE,
};

export const loginFailureTable: TableLocation = {
  kind: 'TABLE',
  table: 'login_failure',
  owner: null,
  orderKey: ['id'],
  columns: {
    id: data('The id of the failed attempt.'),
    login_hash: secret('SHA-256 of the username or email as typed (the same whether or not such an account exists).'),
    ip: personal(IP),
    created_at: data('When the attempt failed.'),
  },
  deletion: { action: DeletionAction.NOT_LINKED },
};

export const apiKeyTable: TableLocation = {
  kind: 'TABLE',
  table: 'api_key',
  owner: { columns: ['account_id'] },
  orderKey: ['id'],
  columns: {
    id: data('The key\'s id; usage records name it in api_key_id.'),
    account_id: owner(),
    name: personal('The name given to the key.'),
    key_id: data('The public id embedded in the key (after `tbk_`).'),
    secret_hash: secret('HMAC-SHA256 of the key (the key itself is never stored).'),
    previous_secret_hash: secret('After a rotation with a grace period: the HMAC of the previous key.'),
    previous_valid_until: data('Until when the previous key still worked after a rotation.'),
    display_prefix: data('The start of the key (`tbk_` and its public id), safe to show.'),
    last_four: data('The last four characters of the key.'),
    allowed_models: data('The models the key may call (empty: every model).'),
    expires_at: data('When the key stops working, if it expires.'),
    revoked_at: data('When the key was revoked.'),
    last_used_at: data('When the key was last used, to about a minute.'),
    created_at: data('When the key was created.'),
  },
  deletion: DELETE,
};

export const usageEventTable: TableLocation = {
  kind: 'TABLE',
  table: 'usage_event',
  owner: { columns: ['account_id'] },
  orderKey: ['created_at', 'request_id'],
  columns: {
    request_id: data('The request id the caller received in the x-tokenbyte-request-id header.'),
    created_at: data('When the call arrived.'),
    account_id: owner(),
    api_key_id: data('The id of the API key that made the call (see api-keys.json).'),
    provider: data('The upstream provider that served the call.'),
    model: data('The public model name that was called.'),
    input_tokens: data('Input tokens, cached reads and cache writes included.'),
    cached_input_tokens: data('Input tokens read from the provider\'s prompt cache.'),
    cache_write_tokens: data('Input tokens written to the provider\'s prompt cache.'),
    cache_write_1h_tokens: data('The part of the cache writes written to a one-hour cache.'),
    output_tokens: data('Output tokens, reasoning included.'),
    reasoning_tokens: data('Output tokens spent on reasoning.'),
    usage_estimated: data('True when the provider reported no usage and the counts are an estimate.'),
    status: data('How the call ended: SUCCESS, UPSTREAM_ERROR, TIMEOUT, CLIENT_ABORT or REJECTED.'),
    http_status: data('The HTTP status the caller received.'),
    latency_ms: data('Milliseconds until the answer was complete.'),
    ttft_ms: data('Milliseconds until the first byte of the answer (empty: none arrived).'),
    price_version_id: data('The catalogue price version the call was costed with.'),
    cost_picousd: data('The cost of the call in pico-USD (10^-12 US dollars).'),
    client_ip: personal('The IP address the call came from.'),
    user_agent: personal('The user agent of the software that made the call.'),
  },
  deletion: { action: DeletionAction.PSEUDONYMISE, clears: ['account_id', 'api_key_id', 'client_ip', 'user_agent'] },
};

export const notificationTable: TableLocation = {
  kind: 'TABLE',
  table: 'notification',
  owner: { columns: ['account_id'] },
  orderKey: ['id'],
  columns: {
    id: data('The notification id.'),
    account_id: owner(),
    topic: data('What it is about (LOGIN_NEW_DEVICE, PASSWORD_CHANGED, API_KEY_CREATED, DATA_EXPORT_READY, …).'),
    essential: data('Whether it is essential (security, privacy rights, service); only non-essential ones stop under a restriction of processing.'),
    title: personal('The title.'),
    body: personal('The text, which may name an IP address, a device or an email address.'),
    created_at: data('When it was sent.'),
    read_at: data('When it was marked as read.'),
  },
  deletion: DELETE,
};

export const emailOutboxTable: TableLocation = {
  kind: 'TABLE',
  table: 'email_outbox',
  owner: { columns: ['account_id'] },
  orderKey: ['id'],
  columns: {
    id: data('The email id.'),
    account_id: owner(),
    to_address: personal('The address it was sent (or is to be sent) to.'),
    subject: personal('The subject.'),
    body: personal('The text; one-time verification codes are removed from the copy shown here.'),
    status: data('PENDING (waiting for delivery), SENT or FAILED.'),
    attempts: data('How many delivery attempts were made.'),
    last_error: personal('The mail server\'s answer to the last failed attempt.'),
    created_at: data('When it was queued.'),
    next_attempt_at: data('When the next delivery attempt is due.'),
    sent_at: data('When the mail server accepted it.'),
  },
  deletion: DELETE,
};

export const dataExportTable: TableLocation = {
  kind: 'TABLE',
  table: 'data_export',
  owner: { columns: ['account_id'] },
  orderKey: ['id'],
  columns: {
    id: data('The export id.'),
    account_id: owner(),
    status: data('PENDING, BUILDING, READY, FAILED or EXPIRED.'),
    created_at: data('When the export was requested.'),
    started_at: data('When the last build attempt started.'),
    attempts: data('How many build attempts were made.'),
    completed_at: data('When the archive was ready.'),
    expires_at: data('When the archive is (or was) deleted.'),
    size_bytes: data('The size of the archive in bytes.'),
    sha256: data('The SHA-256 of the archive, to check a download.'),
  },
  deletion: DELETE,
};

export const dataExportArchiveTable: TableLocation = {
  kind: 'TABLE',
  table: 'data_export_archive',
  owner: { column: 'data_export_id', parent: { table: 'data_export', key: 'id', owner: 'account_id' } },
  orderKey: ['data_export_id'],
  columns: {
    data_export_id: owner('The export the archive belongs to.'),
    content: copy('The zip archive: a copy of the data shown in the other files, not repeated in a later export.'),
    created_at: copy('When the archive was stored (the export\'s completed_at).', false),
  },
  deletion: DELETE,
};

export const dataExportLinkTable: TableLocation = {
  kind: 'TABLE',
  table: 'data_export_link',
  owner: { column: 'data_export_id', parent: { table: 'data_export', key: 'id', owner: 'account_id' } },
  orderKey: ['id'],
  columns: {
    id: data('The link id.'),
    data_export_id: data('The export the link downloads (see data_export.id).'),
    token_hash: secret('SHA-256 of the link\'s token (the token is only in the link).'),
    created_at: data('When the link was handed out.'),
    expires_at: data('When the link stops working.'),
  },
  deletion: DELETE,
};

export const priceVersionTable: TableLocation = {
  kind: 'TABLE',
  table: 'price_version',
  owner: { columns: ['created_by_id'] },
  orderKey: ['id'],
  columns: {
    id: data('The price version id.'),
    model_id: data('The catalogue model it prices.'),
    effective_from: data('From when the prices apply.'),
    input_micro_usd_per_m: data('Price of input tokens, micro-USD per million.'),
    cached_input_micro_usd_per_m: data('Price of cached input tokens, micro-USD per million.'),
    cache_write_micro_usd_per_m: data('Price of cache-write tokens, micro-USD per million.'),
    cache_write_1h_micro_usd_per_m: data('Price of one-hour cache-write tokens, micro-USD per million.'),
    output_micro_usd_per_m: data('Price of output tokens, micro-USD per million.'),
    reasoning_micro_usd_per_m: data('Price of reasoning tokens, micro-USD per million.'),
    created_at: data('When the version was created.'),
    created_by_id: owner('The administrator who created the version.'),
  },
  deletion: { action: DeletionAction.PSEUDONYMISE, clears: ['created_by_id'] },
};

export const policyViewTable: TableLocation = {
  kind: 'TABLE',
  table: 'policy_view',
  owner: { columns: ['account_id'] },
  orderKey: ['id'],
  columns: {
    id: data('The id of the record.'),
    account_id: owner(),
    policy_version_id: data('The privacy policy version seen (see the policy versions of the API).'),
    seen_at: data('When it was first shown or announced to you.'),
    accepted_at: data('When you accepted it (at sign-up; empty: seen only).'),
  },
  deletion: DELETE,
};

export const policyVersionTable: TableLocation = {
  kind: 'TABLE',
  table: 'policy_version',
  owner: { columns: ['published_by_id'] },
  orderKey: ['id'],
  columns: {
    id: data('The policy version id.'),
    version: data('The version label.'),
    summary: data('The summary of the changes.'),
    body: data('The full text of the policy.'),
    url: data('Where the text is published.'),
    published_at: data('When it was published.'),
    published_by_id: owner('The administrator who published it.'),
    announced_through_account_id: internal('How far the announcement to every account has come (an account id used as a cursor).'),
    announced_count: data('To how many accounts it has been announced.'),
    announcement_completed_at: data('When every account had been told.'),
  },
  deletion: { action: DeletionAction.PSEUDONYMISE, clears: ['published_by_id'] },
};

export const adminAuditTable: TableLocation = {
  kind: 'TABLE',
  table: 'admin_audit',
  owner: { columns: ['admin_id'] },
  orderKey: ['id'],
  columns: {
    id: data('The id of the entry.'),
    admin_id: owner('The administrator who acted.'),
    admin_username: personal('The administrator\'s username at the time.'),
    action: data('What was done (the GraphQL operation, e.g. accountSuspend).'),
    target_type: data('The kind of thing it was done to (e.g. Account), if one thing.'),
    target_id: data('The id of that thing.'),
    details: personal('The arguments and facts of the action (never a secret); may name the account acted on.'),
    created_at: data('When it was done.'),
    ip: personal('The IP address the administrator acted from.'),
    user_agent: personal('The user agent the administrator acted with.'),
  },
  deletion: { action: DeletionAction.KEEP },
};
