import { createHash, randomBytes } from 'node:crypto';
import type { ControlPlaneConfig } from '../../config.js';
import type { Em } from '../../db/orm.js';
import type { Account } from '../account/account.entity.js';
import type { RequestMeta } from '../security-event/security-event.service.js';
import { Session } from './session.entity.js';

// Writing lastSeenAt on every request would turn each read into a write; a minute's
// precision is plenty for a 30-minute idle timeout.
const LAST_SEEN_PRECISION_MS = 60_000;

/** SHA-256 is right here: the token is 256 random bits, so there is nothing to brute-force. */
export function hashSessionToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface SessionService {
  /** Starts a session; returns the raw token (for the cookie only) and the stored row. */
  create(em: Em, account: Account, meta: RequestMeta): { token: string; session: Session };
  /** Resolves a cookie token to a live session, enforcing revocation and both timeouts. */
  authenticate(em: Em, token: string): Promise<Session | null>;
  revoke(session: Session): void;
  /** Ends every live session of the account except `keep`; returns how many ended. */
  revokeOthers(em: Em, account: Account, keep: Session | null): Promise<number>;
}

export function createSessionService(config: ControlPlaneConfig['session'], now: () => Date = () => new Date()): SessionService {
  return {
    create(em, account, meta) {
      const token = randomBytes(32).toString('base64url');
      const at = now();
      const session = em.create(Session, {
        account,
        tokenHash: hashSessionToken(token),
        createdAt: at,
        lastSeenAt: at,
        expiresAt: new Date(at.getTime() + config.absoluteTimeoutMs),
        ip: meta.ip,
        userAgent: meta.userAgent?.slice(0, 512) ?? null,
      });
      em.persist(session);
      return { token, session };
    },

    async authenticate(em, token) {
      if (token.length === 0 || token.length > 128) return null;
      const session = await em.findOne(Session, { tokenHash: hashSessionToken(token) }, { populate: ['account'] });
      if (!session || session.revokedAt) return null;
      // Suspension and deletion end sessions at once; this also refuses one that a login
      // racing with them created.
      if (session.account.suspendedAt || session.account.deletionRequestedAt) return null;
      const at = now();
      const idleFor = at.getTime() - session.lastSeenAt.getTime();
      if (session.expiresAt <= at || idleFor >= config.idleTimeoutMs) return null;
      if (idleFor >= LAST_SEEN_PRECISION_MS) {
        session.lastSeenAt = at;
        await em.flush();
      }
      return session;
    },

    revoke(session) {
      session.revokedAt ??= now();
    },

    async revokeOthers(em, account, keep) {
      const live = await em.find(Session, { account, revokedAt: null, expiresAt: { $gt: now() } });
      let ended = 0;
      for (const session of live) {
        if (session.id === keep?.id) continue;
        session.revokedAt = now();
        ended++;
      }
      return ended;
    },
  };
}
