import { z } from 'zod';

/**
 * Parses `env` with one zod schema and either returns a frozen config or reports
 * every invalid variable at once (so an operator fixes them in one go) and exits 1.
 */
export function parseEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv, name: string): Readonly<z.infer<S>> {
  const result = schema.safeParse(env);
  if (result.success) return Object.freeze(result.data);
  const lines = result.error.issues.map((issue) => `  ${issue.path.join('.') || '(env)'}: ${issue.message}`);
  // The logger is configured from this very config, so stderr is the only channel here.
  process.stderr.write(`${name}: invalid configuration\n${lines.join('\n')}\n`);
  process.exit(1);
}

/** Like {@link parseEnv} but throws instead of exiting, for tests and embedding. */
export function parseEnvOrThrow<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv): Readonly<z.infer<S>> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`invalid configuration: ${lines.join('; ')}`);
  }
  return Object.freeze(result.data);
}

/** An env flag: accepts true/false/1/0/yes/no (case-insensitive). */
export const envBoolean = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.enum(['true', 'false', '1', '0', 'yes', 'no']))
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** A TCP port from env (0 lets the OS choose, which tests use). */
export const envPort = z.coerce.number().int().min(0).max(65535);

/** A positive whole number of seconds from env. */
export const envSeconds = z.coerce.number().int().positive();

export const nodeEnv = z.enum(['development', 'production', 'test']).default('development');
export const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info');
