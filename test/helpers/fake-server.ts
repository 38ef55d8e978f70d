// The plumbing the fake upstreams (fake-openai.ts, fake-anthropic.ts, fake-gemini.ts) share: the
// HTTP server and its crash guard, the queue of scripted behaviours and the default reply, the
// recording of every request with abort detection, waiting on those records, and the writes
// every wire format is made of. Each provider's subclass answers a recorded exchange in its own
// wire format; nothing provider-specific belongs here.
import { EventEmitter } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** How a cut response ends: clean end of body, socket destroyed, or left open forever. */
export type CutEnding = 'end' | 'destroy' | 'stall';

/** The fields of a provider's RecordedRequest that the plumbing keeps up to date. */
export interface RecordedExchange {
  method: string;
  path: string;
  status: number | undefined;
  aborted: boolean;
  closed: boolean;
}

/** What a provider's RecordedRequest is made from (documented there). */
export type IncomingFields = Pick<RecordedExchange, 'method' | 'path'> & {
  query: Record<string, string>;
  headers: Record<string, string>;
  rawBody: string;
};

/** A recorded request and the response that answers it. */
export interface Exchange<R> {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  record: R;
  /** When the request arrived, before its body was read. */
  startedAt: number;
}

/** The reply-script fields the plumbing itself honours. */
export interface ReplyTiming {
  /** Pause between stream frames. */
  chunkDelayMs?: number;
  /** Pause before the response headers are sent. */
  latencyMs?: number;
}

export interface FakeServerSetup<S> {
  /** The provider, as timeout messages name it: `fake ${name}: timed out …`. */
  name: string;
  /** Appended to the origin to make `url`, e.g. `/v1`; default none. */
  basePath?: string;
  /** The default reply until setReply replaces it. */
  reply: S;
  /** The pause between stream frames when the reply script sets none. */
  chunkDelayMs: number;
}

export abstract class FakeUpstreamServer<R extends RecordedExchange, B extends { kind: string }, S extends ReplyTiming> {
  url = '';
  origin = '';
  readonly requests: R[] = [];
  private readonly server = createServer({ noDelay: true }, (req, res) => {
    this.intake(req, res).catch(() => {
      // A bug in the fake must surface as a failed response, not as an unhandled rejection.
      if (res.headersSent) res.destroy();
      else this.crashed(res);
    });
  });
  private readonly events = new EventEmitter().setMaxListeners(0);
  private readonly queue: B[] = [];
  private readonly endedByServer = new WeakSet<ServerResponse>();
  private defaultReply: S;
  private closing = false;

  protected constructor(private readonly setup: FakeServerSetup<S>) {
    this.defaultReply = setup.reply;
  }

  /** The provider's record of a request, its counters at zero. */
  protected abstract record(fields: IncomingFields): R;
  /** Answers a recorded request in the provider's wire format. */
  protected abstract handle(ex: Exchange<R>): Promise<void>;
  /** Answers 500 in the provider's wire format when answering threw before the headers went out. */
  protected abstract crashed(res: ServerResponse): void;

  get pendingBehaviours(): number {
    return this.queue.length;
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = this.server.address() as AddressInfo;
    this.origin = `http://127.0.0.1:${port}`;
    this.url = `${this.origin}${this.setup.basePath ?? ''}`;
  }

  enqueue(...behaviours: B[]): void {
    this.queue.push(...behaviours);
  }

  setReply(script: S): void {
    this.defaultReply = script;
  }

  async waitForRequests(count: number, timeoutMs = 5_000): Promise<R[]> {
    await this.waitUntil(() => this.requests.length >= count, timeoutMs, `${count} requests`);
    return this.requests;
  }

  async settled(request: R, timeoutMs = 5_000): Promise<R> {
    await this.waitUntil(() => request.closed, timeoutMs, `${request.method} ${request.path} to close`);
    return request;
  }

  reset(): void {
    this.requests.length = 0;
    this.queue.length = 0;
  }

  async close(): Promise<void> {
    this.closing = true;
    // Hanging and stalled exchanges would otherwise keep server.close() waiting forever.
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Takes the first queued behaviour that `matches` the request, if any. */
  protected takeBehaviour(matches: (behaviour: B) => boolean): B | undefined {
    const index = this.queue.findIndex(matches);
    return index === -1 ? undefined : this.queue.splice(index, 1)[0];
  }

  /**
   * The default reply overlaid with the behaviour's reply fields, all but its `controlKeys`
   * (kind, path, cut parameters…); resolves after the script's latency.
   */
  protected async replyScript(behaviour: B, controlKeys: readonly string[]): Promise<S> {
    const fields: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(behaviour)) {
      // Unset fields must not shadow the default reply's.
      if (value !== undefined && !controlKeys.includes(key)) fields[key] = value;
    }
    const script = { ...this.defaultReply, ...fields } as S;
    if (script.latencyMs) await sleep(script.latencyMs);
    return script;
  }

  protected chunkDelay(script: S): number {
    return script.chunkDelayMs ?? this.setup.chunkDelayMs;
  }

  /**
   * Writes stream frames `delayMs` apart, each awaited on its own so that a buffering proxy
   * shows; `sent` counts each frame once it is handed to the socket. False when the client left.
   */
  protected async writeFrames(res: ServerResponse, frames: readonly string[], delayMs: number, sent: (frame: string) => void): Promise<boolean> {
    for (const [index, frame] of frames.entries()) {
      if (index > 0 && delayMs > 0) await sleep(delayMs);
      if (!(await write(res, frame))) return false;
      sent(frame);
      this.events.emit('change');
    }
    return true;
  }

  /** A 200 whose JSON body stops halfway, then ends as the cut says; returns the half sent. */
  protected sendHalf(ex: Exchange<R>, headers: Record<string, string>, body: unknown, then: CutEnding): string {
    const text = JSON.stringify(body);
    const half = text.slice(0, Math.floor(text.length / 2));
    ex.record.status = 200;
    ex.res.writeHead(200, headers);
    ex.res.write(half);
    this.endCut(ex.res, then);
    return half;
  }

  protected endCut(res: ServerResponse, then: CutEnding): void {
    if (then === 'end') res.end();
    if (then === 'destroy') {
      this.endedByServer.add(res);
      res.destroy();
    }
  }

  private async intake(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const startedAt = Date.now();
    let rawBody: string;
    try {
      const parts: Buffer[] = [];
      for await (const part of req) parts.push(part as Buffer);
      rawBody = Buffer.concat(parts).toString('utf8');
    } catch {
      return; // The client left while sending its body; there is nobody to answer.
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const record = this.record({
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: flattenHeaders(req.headers),
      rawBody,
    });
    // Writing to a response whose client left errors; the 'close' handler records that instead.
    res.on('error', () => undefined);
    // Not req.on('close'): since Node 16 that fires once the request body is read, not on disconnect.
    res.on('close', () => {
      record.closed = true;
      record.aborted = !res.writableFinished && !this.endedByServer.has(res) && !this.closing;
      this.events.emit('change');
    });
    this.requests.push(record);
    this.events.emit('change');
    await this.handle({ req, res, url, record, startedAt });
  }

  private waitUntil(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      if (done()) return resolve();
      const onChange = (): void => {
        if (!done()) return;
        clearTimeout(timer);
        this.events.off('change', onChange);
        resolve();
      };
      const timer = setTimeout(() => {
        this.events.off('change', onChange);
        reject(new Error(`fake ${this.setup.name}: timed out after ${timeoutMs}ms waiting for ${what}`));
      }, timeoutMs);
      this.events.on('change', onChange);
    });
  }
}

/** Answers with a JSON body and its content-length; returns the body's text. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): string {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', ...headers, 'content-length': Buffer.byteLength(text) });
  res.end(text);
  return text;
}

/** Resolves false instead of throwing when the client is already gone. */
export function write(res: ServerResponse, text: string): Promise<boolean> {
  return new Promise((resolve) => {
    if (res.destroyed || res.writableEnded) return resolve(false);
    res.write(text, (error) => resolve(!error));
  });
}

function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}
