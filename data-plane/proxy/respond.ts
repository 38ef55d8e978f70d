import { once } from 'node:events';
import { IncomingMessage, ServerResponse, type OutgoingHttpHeaders } from 'node:http';
import { fromNodeHandler, type H3Event } from 'h3';

/**
 * Runs `handle` with the Node request and response of an h3 event, for routes that write
 * the response themselves. Writing to the Node response directly lets the proxy send
 * headers the moment the upstream's arrive, write every upstream chunk as it comes with
 * real backpressure, and know exactly when the last byte left (`finish`) or the client
 * went away (`close` before `finish`), which is when the usage event is due.
 * `fromNodeHandler` is h3's own escape hatch for this: it resolves to h3's "handled"
 * marker, so h3 and srvx add nothing to a response that is already complete.
 */
export function withNodeResponse(event: H3Event, handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>): unknown {
  return fromNodeHandler((req, res) => {
    if (!(req instanceof IncomingMessage) || !(res instanceof ServerResponse)) {
      throw new Error('the data-plane proxy runs on an HTTP/1 Node server');
    }
    return handle(req, res);
  })(event);
}

/** Resolves true once the whole response was handed to the OS, false if the client left first. */
export function responseEnded(res: ServerResponse): Promise<boolean> {
  if (res.writableFinished) return Promise.resolve(true);
  if (res.destroyed) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onFinish = (): void => {
      res.off('close', onClose);
      resolve(true);
    };
    const onClose = (): void => {
      res.off('finish', onFinish);
      resolve(res.writableFinished);
    };
    res.once('finish', onFinish).once('close', onClose);
  });
}

/** Sends a complete body with its length; resolves as {@link responseEnded}. */
export function sendBytes(res: ServerResponse, status: number, headers: OutgoingHttpHeaders, body: Uint8Array): Promise<boolean> {
  if (res.destroyed) return Promise.resolve(false);
  res.writeHead(status, { ...headers, 'content-length': body.byteLength });
  res.end(body);
  return responseEnded(res);
}

/** Sends a JSON body. */
export function sendJson(res: ServerResponse, status: number, headers: OutgoingHttpHeaders, body: unknown): Promise<boolean> {
  return sendBytes(res, status, { ...headers, 'content-type': 'application/json' }, Buffer.from(JSON.stringify(body)));
}

/**
 * Writes one chunk; when the socket buffer is full, waits for it to drain (or for the
 * client to leave, which rejects through `signal`). Synchronous in the common case, so a
 * stream costs no extra promise per chunk.
 */
export function writeChunk(res: ServerResponse, chunk: Uint8Array, signal: AbortSignal): Promise<unknown> | undefined {
  if (chunk.byteLength === 0 || res.write(chunk)) return undefined;
  return once(res, 'drain', { signal });
}
