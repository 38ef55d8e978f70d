import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Paths that must never reach a log line. Prompts and completions are never logged
 * at all; these cover the secrets that can ride along in headers and inputs.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers["x-goog-api-key"]',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.currentPassword',
  '*.newPassword',
  '*.secret',
  '*.token',
  'variables',
  // The ORM's driver errors carry the failed statement with its values written in
  // (hashes, sealed credentials, personal data); the message, code and stack remain.
  'err.query',
  'err.params',
];

/** Creates the process logger: JSON lines on stdout (or `destination`), secrets redacted. */
export function createLogger(options: { level: string; name: string; destination?: pino.DestinationStream }): Logger {
  return pino(
    {
      name: options.name,
      level: options.level,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      base: { service: options.name },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination,
  );
}
