// The HTTP side of the fake Gemini upstream: routing, auth, scripted behaviours, streaming and
// abort recording. The public API and its documentation are in fake-gemini.ts.
import { EventEmitter } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_CHUNK_DELAY_MS, DEFAULT_MODELS, FAKE_GEMINI_API_KEY, type CutEnding, type FakeBehaviour, type ReplyScript } from './fake-gemini-script.js';
import { apiKeyInvalidError, googleError, invalidJsonError, modelNotFoundError, unregisteredCallerError, type GoogleErrorBody } from './fake-gemini-wire.js';
import { countTokensAnswer, embeddingAnswer, generation, type Answer, type Generation } from './fake-gemini-answers.js';
import type { FakeGemini, FakeGeminiOptions, RecordedRequest } from './fake-gemini.js';

interface Exchange {
  res: ServerResponse;
  record: RecordedRequest;
  startedAt: number;
}

interface Cut {
  afterPieces: number;
  then: CutEnding;
  /** Sent as the last event before the ending: a stream that fails mid-answer. */
  error?: GoogleErrorBody;
}

const MODEL_PATH = /^\/(v1beta|v1)\/models\/([^/:]+):([A-Za-z]+)$/;

export class FakeGeminiServer implements FakeGemini {
  url = '';
  readonly apiKey: string;
  readonly requests: RecordedRequest[] = [];
  private readonly server = createServer({ noDelay: true }, (req, res) => {
    this.handle(req, res).catch(() => {
      // A bug in the fake must surface as a failed response, not as an unhandled rejection.
      if (res.headersSent) res.destroy();
      else this.sendJson(res, 500, googleError(500, 'INTERNAL', 'fake upstream crashed'), Date.now());
    });
  });
  private readonly events = new EventEmitter().setMaxListeners(0);
  private readonly queue: FakeBehaviour[] = [];
  private readonly endedByServer = new WeakSet<ServerResponse>();
  private defaultReply: ReplyScript;
  private closing = false;

  constructor(private readonly options: FakeGeminiOptions) {
    this.apiKey = options.apiKey ?? FAKE_GEMINI_API_KEY;
    this.defaultReply = options.reply ?? {};
  }

  get pendingBehaviours(): number {
    return this.queue.length;
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  enqueue(...behaviours: FakeBehaviour[]): void {
    this.queue.push(...behaviours);
  }

  setReply(script: ReplyScript): void {
    this.defaultReply = script;
  }

  async waitForRequests(count: number, timeoutMs = 5_000): Promise<RecordedRequest[]> {
    await this.waitUntil(() => this.requests.length >= count, timeoutMs, `${count} requests`);
    return this.requests;
  }

  async settled(request: RecordedRequest, timeoutMs = 5_000): Promise<RecordedRequest> {
    await this.waitUntil(() => request.closed, timeoutMs, `${request.path} to close`);
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
        reject(new Error(`fake Gemini: timed out after ${timeoutMs}ms waiting for ${what}`));
      }, timeoutMs);
      this.events.on('change', onChange);
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
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
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: flattenHeaders(req.headers),
      body: undefined,
      rawBody,
      status: undefined,
      chunksSent: 0,
      sent: '',
      aborted: false,
      closed: false,
    };
    const ex: Exchange = { res, record, startedAt };
    // Writing to a response whose client left errors; the 'close' handler records that instead.
    res.on('error', () => undefined);
    res.on('close', () => {
      record.closed = true;
      record.aborted = !res.writableFinished && !this.endedByServer.has(res) && !this.closing;
      this.events.emit('change');
    });
    this.requests.push(record);
    this.events.emit('change');

    const route = MODEL_PATH.exec(url.pathname);
    if (req.method !== 'POST' || !route) return this.notFoundPage(ex);
    const [, apiVersion = '', model = '', method = ''] = route;
    // Google takes the key from the header or from `?key=`; the header wins.
    const key = req.headers['x-goog-api-key'] ?? url.searchParams.get('key') ?? undefined;
    if (key === undefined) return this.send(ex, 403, unregisteredCallerError());
    if (key !== this.apiKey) return this.send(ex, 400, apiKeyInvalidError());
    const models = this.options.models ?? DEFAULT_MODELS;
    if (!models[model]?.includes(method)) return this.send(ex, 404, modelNotFoundError(model, apiVersion, method));
    let body: unknown;
    try {
      body = record.body = JSON.parse(rawBody === '' ? '{}' : rawBody) as unknown;
    } catch {
      return this.send(ex, 400, invalidJsonError('Unexpected token.'));
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return this.send(ex, 400, invalidJsonError('Root element must be a message.'));
    }

    const behaviour = this.takeBehaviour(method) ?? { kind: 'reply' };
    if (behaviour.kind === 'hang') return;
    if (behaviour.kind === 'error') {
      const { code, status, message, details, headers } = behaviour;
      return this.send(ex, code, googleError(code, status, message, details), headers);
    }
    const script: ReplyScript = { ...this.defaultReply, ...replyFields(behaviour) };
    const cut = cutOf(behaviour);
    if (script.latencyMs) await sleep(script.latencyMs);

    const fields = body as Record<string, unknown>;
    if (method === 'countTokens') return this.answer(ex, countTokensAnswer(fields, script), script, cut);
    if (method === 'embedContent' || method === 'batchEmbedContents') {
      return this.answer(ex, embeddingAnswer(method, model, fields, script), script, cut);
    }
    const planned = generation(fields, model, script);
    if (!planned.ok) return this.answer(ex, planned, script, cut);
    if (method === 'generateContent') return this.answer(ex, { ok: true, body: planned.whole }, script, cut);
    if (url.searchParams.get('alt') !== 'sse') return this.answer(ex, { ok: true, body: planned.chunks.map((chunk) => chunk.body) }, script, cut);
    return this.stream(ex, planned, script, cut);
  }

  private async stream(ex: Exchange, planned: Extract<Generation, { ok: true }>, script: ReplyScript, cut?: Cut): Promise<void> {
    const { res, record } = ex;
    record.status = 200;
    res.writeHead(200, { ...this.headers(ex, 'text/event-stream'), 'content-disposition': 'attachment', ...script.headers });
    res.flushHeaders();
    const delayMs = script.chunkDelayMs ?? this.options.chunkDelayMs ?? DEFAULT_CHUNK_DELAY_MS;
    const chunks = cut ? planned.chunks.filter((chunk) => chunk.textPiece).slice(0, cut.afterPieces) : planned.chunks;
    for (const [index, chunk] of chunks.entries()) {
      if (index > 0 && delayMs > 0) await sleep(delayMs);
      // Google frames every event with CRLF line endings; one awaited write per chunk puts each on the wire on its own.
      const frame = `data: ${JSON.stringify(chunk.body)}\r\n\r\n`;
      if (!(await write(res, frame))) return;
      record.chunksSent += 1;
      record.sent += frame;
      this.events.emit('change');
    }
    if (cut?.error) {
      const frame = `data: ${JSON.stringify(cut.error)}\r\n\r\n`;
      if (!(await write(res, frame))) return;
      record.chunksSent += 1;
      record.sent += frame;
      this.events.emit('change');
    }
    if (cut) return this.endCut(res, cut.then);
    res.end();
  }

  private answer(ex: Exchange, answer: Answer, script: ReplyScript, cut?: Cut): void {
    if (!answer.ok) return this.send(ex, answer.error.error.code, answer.error);
    if (!cut) return this.send(ex, 200, answer.body, script.headers);
    const text = JSON.stringify(answer.body);
    ex.record.status = 200;
    ex.record.sent = text.slice(0, Math.floor(text.length / 2));
    ex.res.writeHead(200, { ...this.headers(ex, 'application/json; charset=UTF-8'), ...script.headers });
    ex.res.write(ex.record.sent);
    this.endCut(ex.res, cut.then);
  }

  private takeBehaviour(method: string): FakeBehaviour | undefined {
    const index = this.queue.findIndex((behaviour) => behaviour.method === undefined || behaviour.method === method);
    return index === -1 ? undefined : this.queue.splice(index, 1)[0];
  }

  private send(ex: Exchange, status: number, body: unknown, extra?: Record<string, string>): void {
    ex.record.status = status;
    ex.record.sent = this.sendJson(ex.res, status, body, ex.startedAt, extra);
  }

  private sendJson(res: ServerResponse, status: number, body: unknown, startedAt: number, extra?: Record<string, string>): string {
    const text = JSON.stringify(body);
    res.writeHead(status, { ...this.headers({ startedAt }, 'application/json; charset=UTF-8'), ...extra, 'content-length': Buffer.byteLength(text) });
    res.end(text);
    return text;
  }

  /** Google's front end answers an unknown path with an HTML page, not JSON. */
  private notFoundPage(ex: Exchange): void {
    ex.record.status = 404;
    const html = '<!DOCTYPE html>\n<html lang=en><title>Error 404 (Not Found)!!1</title><p><b>404.</b> That’s an error.</p></html>';
    ex.res.writeHead(404, { 'content-type': 'text/html; charset=UTF-8', 'content-length': Buffer.byteLength(html) });
    ex.res.end(html);
  }

  private endCut(res: ServerResponse, then: CutEnding): void {
    if (then === 'end') res.end();
    if (then === 'destroy') {
      this.endedByServer.add(res);
      res.destroy();
    }
  }

  /** The real API's response headers, including those a gateway must not pass on (alt-svc, server). */
  private headers(ex: { startedAt: number }, contentType: string): Record<string, string> {
    return {
      'content-type': contentType,
      vary: 'Origin, X-Origin, Referer',
      server: 'scaffolding on HTTPServer2',
      'x-xss-protection': '0',
      'x-frame-options': 'SAMEORIGIN',
      'x-content-type-options': 'nosniff',
      'server-timing': `gfet4t7; dur=${Date.now() - ex.startedAt}`,
      'alt-svc': 'h3=":443"; ma=2592000,h3-29=":443"; ma=2592000',
    };
  }
}

function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

function cutOf(behaviour: FakeBehaviour): Cut | undefined {
  if (behaviour.kind === 'cut') return { afterPieces: behaviour.afterPieces, then: behaviour.then };
  if (behaviour.kind !== 'stream-error') return undefined;
  const { code, status, message, details } = behaviour.error;
  return { afterPieces: behaviour.afterPieces, then: 'end', error: googleError(code, status, message, details) };
}

/** The behaviour's ReplyScript fields that are set, so unset ones do not shadow the default reply. */
function replyFields(behaviour: FakeBehaviour): ReplyScript {
  const script: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(behaviour)) {
    if (value !== undefined && !['kind', 'method', 'afterPieces', 'then', 'error'].includes(key)) script[key] = value;
  }
  return script as ReplyScript;
}

/** Resolves false instead of throwing when the client is already gone. */
function write(res: ServerResponse, text: string): Promise<boolean> {
  return new Promise((resolve) => {
    if (res.destroyed || res.writableEnded) return resolve(false);
    res.write(text, (error) => resolve(!error));
  });
}
