import path from 'node:path';
import { z } from 'zod';
import { parseCredentialsKey } from '../shared/upstream-credentials.js';
import { envBoolean, envPort, logLevel, nodeEnv, parseEnv, parseEnvOrThrow } from '../shared/env.js';

const positiveMs = z.coerce.number().int().positive();
const credentialsKey = z.string().refine((v) => parseCredentialsKey(v) !== null, 'must be 32 bytes: 64 hex characters or base64');

const schema = z
  .object({
    NODE_ENV: nodeEnv,
    LOG_LEVEL: logLevel,
    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
    DATA_DIR: z.string().min(1).default('./.data'),
    DATA_PLANE_HOST: z.string().min(1).default('127.0.0.1'),
    DATA_PLANE_PORT: envPort.default(8080),
    TRUST_PROXY: envBoolean.default(false),
    API_KEY_PEPPER: z.string().min(32, 'must be at least 32 characters').optional(),
    OPENAI_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
    OPENAI_API_KEY: z.string().min(1).optional(),
    ANTHROPIC_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
    ANTHROPIC_API_KEY: z.string().min(1).optional(),
    GEMINI_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
    GEMINI_API_KEY: z.string().min(1).optional(),
    UPSTREAM_CONNECT_TIMEOUT_MS: positiveMs.default(10_000),
    UPSTREAM_FIRST_BYTE_TIMEOUT_MS: positiveMs.default(600_000),
    UPSTREAM_IDLE_TIMEOUT_MS: positiveMs.default(120_000),
    UPSTREAM_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(3),
    UPSTREAM_RETRY_DEADLINE_MS: positiveMs.default(30_000),
    UPSTREAM_RETRY_BASE_DELAY_MS: z.coerce.number().int().nonnegative().default(250),
    UPSTREAM_CREDENTIAL_COOLDOWN_MS: z.coerce.number().int().nonnegative().default(5_000),
    UPSTREAM_CREDENTIALS_KEY: credentialsKey.optional(),
    MAX_REQUEST_BODY_BYTES: z.coerce.number().int().positive().default(16 * 1024 * 1024),
    KEY_CACHE_TTL_SECONDS: z.coerce.number().int().positive().default(60),
    CATALOGUE_TTL_SECONDS: z.coerce.number().int().positive().default(60),
    KEY_NEGATIVE_CACHE_SECONDS: z.coerce.number().int().nonnegative().default(5),
    USAGE_SPOOL_DIR: z.string().min(1).optional(),
  })
  .refine((c) => c.NODE_ENV !== 'production' || c.API_KEY_PEPPER, {
    message: 'is required in production (both planes must share it)',
    path: ['API_KEY_PEPPER'],
  })
  .refine((c) => c.NODE_ENV !== 'production' || c.UPSTREAM_CREDENTIALS_KEY, {
    message: 'is required in production (both planes must share it)',
    path: ['UPSTREAM_CREDENTIALS_KEY'],
  })
  .transform((c) => ({
    env: c.NODE_ENV,
    logLevel: c.LOG_LEVEL,
    databaseUrl: c.DATABASE_URL,
    dataDir: path.resolve(c.DATA_DIR),
    apiKeyPepper: c.API_KEY_PEPPER,
    http: { host: c.DATA_PLANE_HOST, port: c.DATA_PLANE_PORT, trustProxy: c.TRUST_PROXY },
    /**
     * The OpenAI upstream. Neither variable set means "none configured": `npm start`
     * then serves the built-in simulated provider instead.
     */
    openai:
      c.OPENAI_BASE_URL || c.OPENAI_API_KEY
        ? { baseUrl: (c.OPENAI_BASE_URL ?? 'https://api.openai.com/v1').replace(/\/+$/, ''), apiKey: c.OPENAI_API_KEY }
        : null,
    /**
     * The Anthropic upstream: an origin without `/v1`, as the Anthropic SDKs' `baseURL` is.
     * Neither variable set means "none configured": the Anthropic routes then answer 503.
     */
    anthropic:
      c.ANTHROPIC_BASE_URL || c.ANTHROPIC_API_KEY
        ? { baseUrl: (c.ANTHROPIC_BASE_URL ?? 'https://api.anthropic.com').replace(/\/+$/, ''), apiKey: c.ANTHROPIC_API_KEY }
        : null,
    /**
     * The Gemini upstream: an origin without the API version, which each request path
     * carries (`/v1beta/…`, `/v1/…`). Neither variable set means "none configured": the
     * Gemini routes then answer 503.
     */
    gemini:
      c.GEMINI_BASE_URL || c.GEMINI_API_KEY
        ? { baseUrl: (c.GEMINI_BASE_URL ?? 'https://generativelanguage.googleapis.com').replace(/\/+$/, ''), apiKey: c.GEMINI_API_KEY }
        : null,
    /** Retries before the first byte reaches the client (see callUpstream). */
    retry: {
      maxAttempts: c.UPSTREAM_MAX_ATTEMPTS,
      deadlineMs: c.UPSTREAM_RETRY_DEADLINE_MS,
      baseDelayMs: c.UPSTREAM_RETRY_BASE_DELAY_MS,
      cooldownMs: c.UPSTREAM_CREDENTIAL_COOLDOWN_MS,
    },
    /** Decrypts the admin-managed upstream credentials; generated into the data folder when unset (not in production). */
    upstreamCredentialsKey: c.UPSTREAM_CREDENTIALS_KEY,
    timeouts: {
      connectMs: c.UPSTREAM_CONNECT_TIMEOUT_MS,
      firstByteMs: c.UPSTREAM_FIRST_BYTE_TIMEOUT_MS,
      idleMs: c.UPSTREAM_IDLE_TIMEOUT_MS,
    },
    maxRequestBodyBytes: c.MAX_REQUEST_BODY_BYTES,
    keyCache: { ttlMs: c.KEY_CACHE_TTL_SECONDS * 1000, negativeTtlMs: c.KEY_NEGATIVE_CACHE_SECONDS * 1000 },
    /** The catalogue is reloaded on every change (NOTIFY); the TTL is the backstop. */
    catalogue: { ttlMs: c.CATALOGUE_TTL_SECONDS * 1000 },
    /** Where usage events wait while the database is unreachable; one folder per instance. */
    usageSpoolDir: path.resolve(c.USAGE_SPOOL_DIR ?? path.join(c.DATA_DIR, 'spool')),
  }));

export type DataPlaneConfig = z.infer<typeof schema>;

/** Reads the data-plane config from the environment; reports every bad variable and exits 1. */
export function loadDataPlaneConfig(env: NodeJS.ProcessEnv = process.env): Readonly<DataPlaneConfig> {
  return parseEnv(schema, env, 'data-plane');
}

/** Builds a config from an explicit env map (tests), throwing on invalid values. */
export function dataPlaneConfigFrom(env: NodeJS.ProcessEnv): Readonly<DataPlaneConfig> {
  return parseEnvOrThrow(schema, env);
}
