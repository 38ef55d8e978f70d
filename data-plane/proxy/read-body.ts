import type { IncomingMessage } from 'node:http';

export type BodyRead = { kind: 'ok'; bytes: Buffer } | { kind: 'too_large' } | { kind: 'aborted' };

/**
 * Reads a request body of at most `maxBytes`. A declared `content-length` over the limit
 * is refused before reading anything; a chunked body is counted as it arrives and refused
 * as soon as it crosses the limit, so an oversized upload never sits in memory.
 *
 * Listeners rather than `for await`: leaving a for-await early destroys the request, and
 * with it the socket the 413 must still be written to.
 */
export function readRequestBody(req: IncomingMessage, maxBytes: number): Promise<BodyRead> {
  const declared = Number(req.headers['content-length']);
  if (declared > maxBytes) return Promise.resolve({ kind: 'too_large' });
  if (req.complete && req.readableEnded) return Promise.resolve({ kind: 'ok', bytes: Buffer.alloc(0) });
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let total = 0;
    const done = (result: BodyRead): void => {
      req.off('data', onData).off('end', onEnd).off('error', onAbort).off('close', onClose);
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      total += chunk.length;
      if (total > maxBytes) {
        // Stop reading; the 413 is sent with `connection: close`, which discards the rest.
        req.pause();
        done({ kind: 'too_large' });
        return;
      }
      parts.push(chunk);
    };
    const onEnd = (): void => done({ kind: 'ok', bytes: parts.length === 1 && parts[0] ? parts[0] : Buffer.concat(parts, total) });
    const onAbort = (): void => done({ kind: 'aborted' });
    const onClose = (): void => {
      if (!req.complete) onAbort();
    };
    req.on('data', onData).once('end', onEnd).once('error', onAbort).once('close', onClose);
  });
}
