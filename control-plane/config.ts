import path from 'node:path';
import { z } from 'zod';
import { envBoolean, envPort, envSeconds, logLevel, nodeEnv, parseEnv, parseEnvOrThrow } from '../shared/env.js';

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
  })
  .refine((c) => c.NODE_ENV !== 'production' || c.API_KEY_PEPPER, {
    message: 'is required in production (both planes must share it)',
    path: ['API_KEY_PEPPER'],
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
