import { generateApiKey, hashApiKey } from '../../../shared/api-key.js';
import { API_KEY_CHANNEL } from '../../../shared/key-events.js';
import type { Em } from '../../db/orm.js';
import { Role, type Account } from '../account/account.entity.js';
import { where, type Problem, type Result } from '../account/account.service.js';
import { NotificationTopic } from '../notification/notification.entity.js';
import { notify } from '../notification/notify.js';
import { SecurityEventType } from '../security-event/security-event.entity.js';
import { recordSecurityEvent, type RequestMeta } from '../security-event/security-event.service.js';
import { ApiKey } from './api-key.entity.js';

export const MAX_ACTIVE_KEYS_PER_ACCOUNT = 100;
export const MAX_GRACE_PERIOD_SECONDS = 7 * 24 * 3600;
const MAX_ALLOWED_MODELS = 100;

export interface ApiKeyCreateInput {
  name: string;
  allowedModels?: string[] | null;
  expiresAt?: Date | null;
}

/** A key together with the only copy of its secret the world will ever see. */
export interface IssuedKey {
  apiKey: ApiKey;
  secret: string;
}

const notFound: Problem = { field: ['id'], code: 'NOT_FOUND', message: 'No such API key.' };

export function createApiKeyService(deps: { pepper: Buffer; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());
  const hash = (key: string) => hashApiKey(key, deps.pepper).toString('hex');

  /** Tells every data-plane instance to forget its cached copy of this key. */
  async function announce(em: Em, keyId: string): Promise<void> {
    await em.getConnection().execute('select pg_notify(?, ?)', [API_KEY_CHANNEL, keyId]);
  }

  /** The key if the viewer may manage it: their own, or anyone's for an admin. */
  async function findManageable(em: Em, viewer: Account, id: string): Promise<ApiKey | null> {
    const key = await em.findOne(ApiKey, { id }, { populate: ['account'] });
    if (!key || (key.account.id !== viewer.id && viewer.role !== Role.ADMIN)) return null;
    return key;
  }

  return {
    async create(em: Em, owner: Account, input: ApiKeyCreateInput, meta: RequestMeta): Promise<Result<IssuedKey>> {
      const problems = validate(input, now());
      const active = await em.count(ApiKey, { account: owner, revokedAt: null });
      if (active >= MAX_ACTIVE_KEYS_PER_ACCOUNT) {
        problems.push({ field: null, code: 'LIMIT_REACHED', message: `An account can have at most ${MAX_ACTIVE_KEYS_PER_ACCOUNT} active keys.` });
      }
      if (problems.length > 0) return { ok: false, problems };
      const generated = generateApiKey();
      const apiKey = em.create(ApiKey, {
        account: owner,
        name: input.name.trim(),
        keyId: generated.keyId,
        secretHash: hash(generated.key),
        displayPrefix: generated.displayPrefix,
        lastFour: generated.lastFour,
        allowedModels: normalizeModels(input.allowedModels),
        expiresAt: input.expiresAt ?? null,
      });
      recordSecurityEvent(em, owner, SecurityEventType.API_KEY_CREATE, meta);
      notify(em, owner, {
        topic: NotificationTopic.API_KEY_CREATED,
        title: 'A new API key was created',
        body: `The API key "${apiKey.name}" (${apiKey.displayPrefix}…) was created${where(meta)}. If this was not you, revoke it and change your password.`,
      });
      await em.flush();
      // A data-plane may have cached this key id as unknown (negative cache).
      await announce(em, apiKey.keyId);
      return { ok: true, value: { apiKey, secret: generated.key } };
    },

    async revoke(em: Em, viewer: Account, id: string, meta: RequestMeta): Promise<Result<ApiKey>> {
      const key = await findManageable(em, viewer, id);
      if (!key) return { ok: false, problems: [notFound] };
      if (!key.revokedAt) {
        key.revokedAt = now();
        // An admin's address is not the owner's business; the owner learns that it happened.
        const own = key.account.id === viewer.id;
        recordSecurityEvent(em, key.account, SecurityEventType.API_KEY_REVOKE, own ? meta : { ip: null, userAgent: null });
        notify(em, key.account, {
          topic: NotificationTopic.API_KEY_REVOKED,
          title: 'An API key was revoked',
          body: `The API key "${key.name}" (${key.displayPrefix}…) was revoked${own ? where(meta) : ' by a TokenByte administrator'}. Requests with it are now refused.`,
        });
        await em.flush();
      }
      await announce(em, key.keyId);
      return { ok: true, value: key };
    },

    /** A new secret for the same key; the old one keeps working for `gracePeriodSeconds`. */
    async rotate(em: Em, viewer: Account, id: string, gracePeriodSeconds: number, meta: RequestMeta): Promise<Result<IssuedKey>> {
      const key = await findManageable(em, viewer, id);
      if (!key || key.account.id !== viewer.id) return { ok: false, problems: [notFound] };
      if (key.revokedAt) return { ok: false, problems: [{ field: ['id'], code: 'REVOKED', message: 'A revoked key cannot be rotated.' }] };
      if (!Number.isInteger(gracePeriodSeconds) || gracePeriodSeconds < 0 || gracePeriodSeconds > MAX_GRACE_PERIOD_SECONDS) {
        return {
          ok: false,
          problems: [{ field: ['gracePeriod'], code: 'INVALID', message: `The grace period is 0–${MAX_GRACE_PERIOD_SECONDS} seconds.` }],
        };
      }
      const generated = generateApiKey(key.keyId);
      key.previousSecretHash = gracePeriodSeconds > 0 ? key.secretHash : null;
      key.previousValidUntil = gracePeriodSeconds > 0 ? new Date(now().getTime() + gracePeriodSeconds * 1000) : null;
      key.secretHash = hash(generated.key);
      key.lastFour = generated.lastFour;
      recordSecurityEvent(em, key.account, SecurityEventType.API_KEY_ROTATE, meta);
      await em.flush();
      await announce(em, key.keyId);
      return { ok: true, value: { apiKey: key, secret: generated.key } };
    },
  };
}

export type ApiKeyService = ReturnType<typeof createApiKeyService>;

function validate(input: ApiKeyCreateInput, at: Date): Problem[] {
  const problems: Problem[] = [];
  const name = input.name.trim();
  if (name.length < 1 || name.length > 100) problems.push({ field: ['input', 'name'], code: 'INVALID', message: 'The name is 1–100 characters.' });
  const models = input.allowedModels;
  if (models && (models.length === 0 || models.length > MAX_ALLOWED_MODELS || models.some((m) => m.trim().length < 1 || m.length > 128))) {
    problems.push({
      field: ['input', 'allowedModels'],
      code: 'INVALID',
      message: `List 1–${MAX_ALLOWED_MODELS} model names (1–128 characters each), or leave it out to allow every model.`,
    });
  }
  if (input.expiresAt && input.expiresAt <= at) {
    problems.push({ field: ['input', 'expiresAt'], code: 'INVALID', message: 'The expiry must be in the future.' });
  }
  return problems;
}

function normalizeModels(models: string[] | null | undefined): string[] | null {
  return models ? [...new Set(models.map((m) => m.trim()))].sort() : null;
}
