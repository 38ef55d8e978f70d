import { createHash } from 'node:crypto';
import type { ControlPlaneConfig } from '../../config.js';
import type { Em } from '../../db/orm.js';
import { LoginFailure } from './security-event.entity.js';

export interface LoginThrottle {
  /** True when this login or this IP has used up its failures for the window. */
  isThrottled(em: Em, login: string, ip: string): Promise<boolean>;
  recordFailure(em: Em, login: string, ip: string): void;
  /** A successful login clears that login's failures (not the IP's). */
  clear(em: Em, login: string): Promise<void>;
}

function loginHash(login: string): string {
  return createHash('sha256').update(login.trim().toLowerCase()).digest('hex');
}

/**
 * Counts recent failures in the database, so the limit holds across every
 * control-plane instance without another moving part.
 */
export function createLoginThrottle(config: ControlPlaneConfig['loginThrottle'], now: () => Date = () => new Date()): LoginThrottle {
  const since = () => new Date(now().getTime() - config.windowMs);
  return {
    async isThrottled(em, login, ip) {
      const [byLogin, byIp] = await Promise.all([
        em.count(LoginFailure, { loginHash: loginHash(login), createdAt: { $gt: since() } }),
        em.count(LoginFailure, { ip, createdAt: { $gt: since() } }),
      ]);
      return byLogin >= config.maxFailuresPerLogin || byIp >= config.maxFailuresPerIp;
    },
    recordFailure(em, login, ip) {
      em.persist(em.create(LoginFailure, { loginHash: loginHash(login), ip, createdAt: now() }));
    },
    async clear(em, login) {
      await em.nativeDelete(LoginFailure, { loginHash: loginHash(login) });
    },
  };
}

/** Drops failures older than the window; they no longer count for anything. */
export async function pruneLoginFailures(em: Em, windowMs: number, now = new Date()): Promise<number> {
  return em.nativeDelete(LoginFailure, { createdAt: { $lt: new Date(now.getTime() - windowMs) } });
}
