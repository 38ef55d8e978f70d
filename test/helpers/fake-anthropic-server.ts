// The HTTP side of the fake Anthropic upstream: routing, auth, scripted behaviours, streaming and
// abort recording. The public API and its documentation are in fake-anthropic.ts.
import { EventEmitter } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_CHUNK_DELAY_MS, DEFAULT_REPLY_TEXT, FAKE_ANTHROPIC_API_KEY, type CutEnding, type FakeBehaviour, type ReplyScript } from './fake-anthropic-script.js';
import {
  buildUsage,
  countInputTokens,
  countOutputTokens,
  errorBody,
  messageBody,
  messageId,
  requestId,
  splitIntoPieces,
  streamEvents,
  toolUseId,
  validateMessagesRequest,
  type MessagePlan,
  type StreamOptions,
} from './fake-anthropic-wire.js';
import type { FakeAnthropic, FakeAnthropicOptions, RecordedRequest } from './fake-anthropic.js';

interface Exchange {
  res: ServerResponse;
  record: RecordedRequest;
  requestId: string;
}

const ORGANIZATION_ID = '5f1e2d3c-0000-4000-8000-00000000fake';

export class FakeAnthropicServer implements FakeAnthropic {
  url = '';
  readonly apiKey: string;
  readonly requests: RecordedRequest[] = [];
  private readonly server = createServer({ noDelay: true }, (req, res) => {
    this.handle(req, res).catch(() => {
      // A bug in the fake must surface as a failed response, not as an unhandled rejection.
      if (res.headersSent) res.destroy();
      else sendJson(res, 500, errorBody('api_error', 'fake upstream crashed'), {});
    });
  });
  private readonly events = new EventEmitter().setMaxListeners(0);
  private readonly queue: FakeBehaviour[] = [];
  private readonly endedByServer = new WeakSet<ServerResponse>();
  private defaultReply: ReplyScript;
  private requestsUsed = 0;
  private closing = false;

  constructor(private readonly options: FakeAnthropicOptions) {
    this.apiKey = options.apiKey ?? FAKE_ANTHROPIC_API_KEY;
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
        reject(new Error(`fake Anthropic: timed out after ${timeoutMs}ms waiting for ${what}`));
      }, timeoutMs);
      this.events.on('change', onChange);
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
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
      headers: flattenHeaders(req.headers),
      body: undefined,
      rawBody,
      status: undefined,
      eventsSent: 0,
      aborted: false,
      closed: false,
    };
    let body: unknown;
    try {
      body = record.body = JSON.parse(rawBody) as unknown;
    } catch {
      body = undefined;
    }
    const ex: Exchange = { res, record, requestId: requestId() };
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

    const route = routeOf(record.method, url.pathname);
    if (route === undefined) return this.send(ex, 404, errorBody('not_found_error', 'Not found'), false);
    // The API's own wording for a missing and a wrong key; it never echoes the key.
    const key = req.headers['x-api-key'];
    if (key === undefined) return this.send(ex, 401, errorBody('authentication_error', 'x-api-key header is required'), false);
    if (key !== this.apiKey) return this.send(ex, 401, errorBody('authentication_error', 'invalid x-api-key'), false);
    if (req.headers['anthropic-version'] === undefined) {
      return this.send(ex, 400, errorBody('invalid_request_error', 'anthropic-version: header is required'), false);
    }
    this.requestsUsed += 1;
    if (!isRecord(body)) return this.send(ex, 400, errorBody('invalid_request_error', 'There was an issue with the request body: invalid JSON'));
    const invalid = validateMessagesRequest(body, route === 'count');
    if (invalid) return this.send(ex, invalid.error.type === 'not_found_error' ? 404 : 400, invalid);

    const behaviour = this.takeBehaviour(url.pathname) ?? { kind: 'reply' };
    if (behaviour.kind === 'hang') return;
    if (behaviour.kind === 'error') return this.send(ex, behaviour.status, errorBody(behaviour.type, behaviour.message), true, behaviour.headers);
    const script: ReplyScript = { ...this.defaultReply, ...replyFields(behaviour) };
    if (script.latencyMs) await sleep(script.latencyMs);
    if (route === 'count') return this.send(ex, 200, { input_tokens: countInputTokens(body) }, true, script.headers);

    const plan = planMessage(body, script);
    const cut = behaviour.kind === 'cut' ? behaviour : undefined;
    if (body['stream'] !== true) {
      if (!cut) return this.send(ex, 200, messageBody(plan), true, script.headers);
      const text = JSON.stringify(messageBody(plan));
      ex.record.status = 200;
      res.writeHead(200, { ...this.headers(ex, 'application/json', true), ...script.headers });
      res.write(text.slice(0, Math.floor(text.length / 2)));
      return this.endCut(res, cut.then);
    }
    const options: StreamOptions = { legacyDeltaUsage: script.legacyDeltaUsage, startUsage: script.startUsage };
    if (cut) options.cutAfterDeltas = cut.afterDeltas;
    if (behaviour.kind === 'stream-error') options.errorAfterDeltas = { deltas: behaviour.afterDeltas, type: behaviour.type, message: behaviour.message };
    await this.stream(ex, streamEvents(plan, options), script.chunkDelayMs ?? this.options.chunkDelayMs ?? DEFAULT_CHUNK_DELAY_MS);
    if (cut) this.endCut(res, cut.then);
    else res.end();
  }

  private async stream(ex: Exchange, events: readonly string[], delayMs: number): Promise<void> {
    const { res, record } = ex;
    record.status = 200;
    res.writeHead(200, { ...this.headers(ex, 'text/event-stream; charset=utf-8', true), 'cache-control': 'no-cache' });
    res.flushHeaders();
    for (const [index, event] of events.entries()) {
      if (index > 0 && delayMs > 0) await sleep(delayMs);
      // One awaited write per event puts each on the wire on its own, so a buffering proxy shows.
      if (!(await write(res, event))) return;
      record.eventsSent += 1;
      this.events.emit('change');
    }
  }

  private takeBehaviour(path: string): FakeBehaviour | undefined {
    const index = this.queue.findIndex((behaviour) => behaviour.path === undefined || behaviour.path === path);
    return index === -1 ? undefined : this.queue.splice(index, 1)[0];
  }

  /** Unauthenticated answers carry no rate-limit headers. */
  private send(ex: Exchange, status: number, body: unknown, authenticated = true, extra?: Record<string, string>): void {
    ex.record.status = status;
    // An error body repeats the request-id header, as the API's do.
    if (isRecord(body) && body['type'] === 'error') body['request_id'] = ex.requestId;
    sendJson(ex.res, status, body, { ...this.headers(ex, 'application/json', authenticated), ...extra });
  }

  private endCut(res: ServerResponse, then: CutEnding): void {
    if (then === 'end') res.end();
    if (then === 'destroy') {
      this.endedByServer.add(res);
      res.destroy();
    }
  }

  /** The real API's response headers; the rate-limit window is approximated by a counter that never refills. */
  private headers(ex: Exchange, contentType: string, authenticated: boolean): Record<string, string> {
    const base = { 'content-type': contentType, 'request-id': ex.requestId, 'x-robots-tag': 'none', via: '1.1 google', 'cf-ray': '9a0b1c2d3e4f5a6b-FRA' };
    if (!authenticated) return base;
    const reset = new Date(Date.now() + 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
    return {
      ...base,
      'anthropic-organization-id': ORGANIZATION_ID,
      'anthropic-ratelimit-requests-limit': '4000',
      'anthropic-ratelimit-requests-remaining': String(Math.max(0, 4000 - this.requestsUsed)),
      'anthropic-ratelimit-requests-reset': reset,
      'anthropic-ratelimit-input-tokens-limit': '2000000',
      'anthropic-ratelimit-input-tokens-remaining': '2000000',
      'anthropic-ratelimit-input-tokens-reset': reset,
      'anthropic-ratelimit-output-tokens-limit': '400000',
      'anthropic-ratelimit-output-tokens-remaining': '400000',
      'anthropic-ratelimit-output-tokens-reset': reset,
    };
  }
}

type Route = 'messages' | 'count';

function routeOf(method: string, path: string): Route | undefined {
  if (method === 'POST' && path === '/v1/messages') return 'messages';
  if (method === 'POST' && path === '/v1/messages/count_tokens') return 'count';
  return undefined;
}

/** The Message a reply script produces for `body`, honouring max_tokens as the API does. */
function planMessage(body: Record<string, unknown>, script: ReplyScript): MessagePlan {
  let pieces = typeof script.text === 'object' ? [...script.text] : splitIntoPieces(script.text ?? DEFAULT_REPLY_TEXT);
  const toolCalls = (script.toolCalls ?? []).map((call) => ({ id: call.id ?? toolUseId(), name: call.name, input: call.input }));
  let stopReason = script.stopReason ?? (toolCalls.length > 0 ? 'tool_use' : 'end_turn');
  const maxTokens = body['max_tokens'];
  if (typeof maxTokens === 'number' && pieces.length > maxTokens) {
    pieces = pieces.slice(0, maxTokens);
    stopReason = 'max_tokens';
  }
  return {
    id: messageId(),
    model: script.model ?? String(body['model']),
    pieces,
    toolCalls,
    stopReason,
    usage: buildUsage(countInputTokens(body), countOutputTokens(pieces, toolCalls), script.usage),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

/** The behaviour's ReplyScript fields that are set, so unset ones do not shadow the default reply. */
function replyFields(behaviour: FakeBehaviour): ReplyScript {
  const script: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(behaviour)) {
    if (value !== undefined && !['kind', 'path', 'afterDeltas', 'then', 'type', 'message'].includes(key)) script[key] = value;
  }
  return script as ReplyScript;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', ...headers, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Resolves false instead of throwing when the client is already gone. */
function write(res: ServerResponse, text: string): Promise<boolean> {
  return new Promise((resolve) => {
    if (res.destroyed || res.writableEnded) return resolve(false);
    res.write(text, (error) => resolve(!error));
  });
}
