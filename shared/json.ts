/** Whether a parsed JSON value is an object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses JSON text (or UTF-8 bytes) that must be an object; null for anything else, malformed included. */
export function parseJsonObject(json: string | Uint8Array): Record<string, unknown> | null {
  let value: unknown;
  try {
    value = JSON.parse(typeof json === 'string' ? json : Buffer.from(json.buffer, json.byteOffset, json.byteLength).toString('utf8'));
  } catch {
    return null;
  }
  return isRecord(value) ? value : null;
}
