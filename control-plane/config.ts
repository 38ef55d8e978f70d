import path from 'node:path';
import { z } from 'zod';
import { envBoolean, envPort, envSeconds, logLevel, nodeEnv, parseEnv, parseEnvOrThrow } from '../shared/env.js';
import { parseCredentialsKey } from '../shared/upstream-credentials.js';

const schema = z
  .object({
    NODE_ENV: nodeEnv,
    LOG_LEVEL: logLevel,
    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
    DATA_DIR: z.string().min(1).default('./.data'),
    CONTROL_PLANE_HOST: z.string().min(1).default('127.0.0.1'),
    CONTROL_PLANE_PORT: envPort.default(4000),
    SESSION_IDLE_TIMEOUT_SECONDS: envSeconds.default(30 * 60),
    SESSION_ABSOLUTE_TIMEOUT_SECONDS: envSeconds.default(12 * 60 * 60),
    COOKIE_SECURE: envBoolean.optional(),
    GRAPHQL_INTROSPECTION: envBoolean.optional(),
    TRUST_PROXY: envBoolean.default(false),
    LOGIN_MAX_FAILURES_PER_LOGIN: z.coerce.number().int().positive().default(5),
    LOGIN_MAX_FAILURES_PER_IP: z.coerce.number().int().positive().default(20),
    LOGIN_THROTTLE_WINDOW_SECONDS: envSeconds.default(15 * 60),
    BOOTSTRAP_ADMIN_LOGIN: z.string().min(1).optional(),
    API_KEY_PEPPER: z.string().min(32, 'must be at least 32 characters').optional(),
    // The message never repeats the value: it is a secret.
    UPSTREAM_CREDENTIALS_KEY: z
      .string()
      .refine((v) => parseCredentialsKey(v) !== null, 'must be 64 hex characters or the base64 of 32 bytes (for example `openssl rand -hex 32`)')
      .optional(),
    // Policy §5: usage logs and access logs are kept "for up to 12 months"; never longer.
    RETENTION_MONTHS: z.coerce.number().int().min(1).max(12, 'must be at most 12 (the privacy policy promises 12 months)').default(12),
    // The privacy policy promises a purge "within 30 days of account deletion"; 0 purges at the next run.
    ACCOUNT_PURGE_AFTER_DAYS: z.coerce.number().int().min(0).max(30, 'must be at most 30 (the privacy policy promises 30 days)').default(30),
    PROCESSING_RESTRICTION_LIFT_NOTICE_DAYS: z.coerce.number().int().min(1).max(90).default(7),
    // Email delivery (migration 0005): without SMTP_URL, emails are kept in the outbox.
    SMTP_URL: z.url({ protocol: /^smtps?$/, error: 'must be smtp://[user:pass@]host[:port] or smtps://…' }).optional(),
    SMTP_FROM: z
      .string()
      .trim()
      .regex(/^(?:[^<>@]*<[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+>|[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+)$/, 'must be an address or "Name <address>"')
      .optional(),
    SMTP_REQUIRE_TLS: envBoolean.optional(),
    EMAIL_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
    // How long a data export's archive can be downloaded before it is deleted (migration 0006).
    DATA_EXPORT_EXPIRY_SECONDS: envSeconds.default(7 * 24 * 3600),
  })
  .refine((c) => !c.SMTP_URL === !c.SMTP_FROM, {
    message: 'SMTP_URL and SMTP_FROM go together: set both to send email, or neither to keep it in the outbox',
    path: ['SMTP_FROM'],
  })
  .refine((c) => c.NODE_ENV !== 'production' || c.API_KEY_PEPPER, {
    message: 'is required in production (both planes must share it)',
    path: ['API_KEY_PEPPER'],
  })
  .refine((c) => c.NODE_ENV !== 'production' || c.UPSTREAM_CREDENTIALS_KEY, {
    message: 'is required in production (it encrypts the provider credentials; every plane must share it)',
    path: ['UPSTREAM_CREDENTIALS_KEY'],
  })
  .refine((c) => c.SESSION_IDLE_TIMEOUT_SECONDS <= c.SESSION_ABSOLUTE_TIMEOUT_SECONDS, {
    message: 'must not exceed SESSION_ABSOLUTE_TIMEOUT_SECONDS',
    path: ['SESSION_IDLE_TIMEOUT_SECONDS'],
  })
  .transform((c) => {
    const production = c.NODE_ENV === 'production';
    return {
      env: c.NODE_ENV,
      production,
      logLevel: c.LOG_LEVEL,
      database: c.DATABASE_URL
        ? ({ kind: 'postgres', url: c.DATABASE_URL } as const)
        : ({ kind: 'pglite', dataDir: path.resolve(c.DATA_DIR, 'pglite') } as const),
      dataDir: path.resolve(c.DATA_DIR),
      http: { host: c.CONTROL_PLANE_HOST, port: c.CONTROL_PLANE_PORT, trustProxy: c.TRUST_PROXY },
      session: {
        idleTimeoutMs: c.SESSION_IDLE_TIMEOUT_SECONDS * 1000,
        absoluteTimeoutMs: c.SESSION_ABSOLUTE_TIMEOUT_SECONDS * 1000,
        // Secure (and so the __Host- prefix) needs TLS: on by default in production,
        // where TokenByte sits behind a TLS-terminating proxy.
        secureCookie: c.COOKIE_SECURE ?? production,
      },
      graphql: { introspection: c.GRAPHQL_INTROSPECTION ?? !production, exposeErrorDetails: c.NODE_ENV === 'development' },
      loginThrottle: {
        maxFailuresPerLogin: c.LOGIN_MAX_FAILURES_PER_LOGIN,
        maxFailuresPerIp: c.LOGIN_MAX_FAILURES_PER_IP,
        windowMs: c.LOGIN_THROTTLE_WINDOW_SECONDS * 1000,
      },
      bootstrapAdminLogin: c.BOOTSTRAP_ADMIN_LOGIN,
      apiKeyPepper: c.API_KEY_PEPPER,
      /** Encrypts the upstream provider credentials; resolved with resolveCredentialsKey (generated into DATA_DIR when unset). Never log it. */
      upstreamCredentialsKey: c.UPSTREAM_CREDENTIALS_KEY,
      retention: {
        /** Usage records, security events, sessions and audit entries older than this many months are removed (at most 12). */
        months: c.RETENTION_MONTHS,
      },
      accountRights: {
        /** How long after a deletion request the account is purged (at most 30 days). */
        purgeAfterMs: c.ACCOUNT_PURGE_AFTER_DAYS * 86_400_000,
        /** How long an account owner is told in advance before an admin's lift of their restriction applies. */
        restrictionLiftNoticeMs: c.PROCESSING_RESTRICTION_LIFT_NOTICE_DAYS * 86_400_000,
      },
      email: {
        /** Null: no SMTP server; emails stay PENDING in the outbox. The URL may carry credentials: never log it. */
        smtp: c.SMTP_URL && c.SMTP_FROM ? { url: c.SMTP_URL, from: c.SMTP_FROM, requireTls: c.SMTP_REQUIRE_TLS ?? production } : null,
        /** Failed attempts before an email is given up (FAILED). */
        maxAttempts: c.EMAIL_MAX_ATTEMPTS,
      },
      privacy: {
        /** How long a built export archive lives; then the expire-exports job deletes it. */
        exportExpiryMs: c.DATA_EXPORT_EXPIRY_SECONDS * 1000,
      },
    };
  });

export type ControlPlaneConfig = z.infer<typeof schema>;
export type DatabaseConfig = ControlPlaneConfig['database'];

/** Reads the control-plane config from the environment; reports every bad variable and exits 1. */
export function loadControlPlaneConfig(env: NodeJS.ProcessEnv = process.env): Readonly<ControlPlaneConfig> {
  return parseEnv(schema, env, 'control-plane');
}

/** Builds a config from an explicit env map (tests), throwing on invalid values. */
export function controlPlaneConfigFrom(env: NodeJS.ProcessEnv): Readonly<ControlPlaneConfig> {
  return parseEnvOrThrow(schema, env);
}
