import { z } from 'zod';
import { envBoolean, envPort, logLevel, nodeEnv, parseEnv, parseEnvOrThrow } from '../shared/env.js';

const schema = z
  .object({
    NODE_ENV: nodeEnv,
    LOG_LEVEL: logLevel,
    DATA_PLANE_HOST: z.string().min(1).default('127.0.0.1'),
    DATA_PLANE_PORT: envPort.default(8080),
    TRUST_PROXY: envBoolean.default(false),
  })
  .transform((c) => ({
    env: c.NODE_ENV,
    logLevel: c.LOG_LEVEL,
    http: { host: c.DATA_PLANE_HOST, port: c.DATA_PLANE_PORT, trustProxy: c.TRUST_PROXY },
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
