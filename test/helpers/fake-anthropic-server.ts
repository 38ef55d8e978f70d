// The HTTP side of the fake Anthropic upstream: routing, auth, scripted behaviours, streaming and
// abort recording. The public API and its documentation are in fake-anthropic.ts.
import type { ServerResponse } from 'node:http';
import { DEFAULT_CHUNK_DELAY_MS, DEFAULT_REPLY_TEXT, FAKE_ANTHROPIC_API_KEY, type FakeBehaviour, type ReplyScript } from './fake-anthropic-script.js';
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
import { FakeUpstreamServer, sendJson, type Exchange as BaseExchange, type IncomingFields } from './fake-server.js';
import type { FakeAnthropic, FakeAnthropicOptions, RecordedRequest } from './fake-anthropic.js';

interface Exchange extends BaseExchange<RecordedRequest> {
  requestId: string;
}

const ORGANIZATION_ID = '5f1e2d3c-0000-4000-8000-00000000fake';

export class FakeAnthropicServer extends FakeUpstreamServer<RecordedRequest, FakeBehaviour, ReplyScript> implements FakeAnthropic {
  readonly apiKey: string;
  private requestsUsed = 0;

  constructor(options: FakeAnthropicOptions) {
    super({ name: 'Anthropic', reply: options.reply ?? {}, chunkDelayMs: options.chunkDelayMs ?? DEFAULT_CHUNK_DELAY_MS });
    this.apiKey = options.apiKey ?? FAKE_ANTHROPIC_API_KEY;
  }

  protected record({ method, path, headers, rawBody }: IncomingFields): RecordedRequest {
    return { method, path, headers, body: undefined, rawBody, status: undefined, eventsSent: 0, aborted: false, closed: false };
  }

  protected crashed(res: ServerResponse): void {
    sendJson(res, 500, errorBody('api_error', 'fake upstream crashed'), {});
  }

  protected async handle(exchange: BaseExchange<RecordedRequest>): Promise<void> {
    const { req, res, url, record } = exchange;
    let body: unknown;
    try {
      body = record.body = JSON.parse(record.rawBody) as unknown;
    } catch {
      body = undefined;
    }
    const ex: Exchange = { ...exchange, requestId: requestId() };

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

    const behaviour = this.takeBehaviour((candidate) => candidate.path === undefined || candidate.path === url.pathname) ?? { kind: 'reply' };
    if (behaviour.kind === 'hang') return;
    if (behaviour.kind === 'error') return this.send(ex, behaviour.status, errorBody(behaviour.type, behaviour.message), true, behaviour.headers);
    const script = await this.replyScript(behaviour, ['kind', 'path', 'afterDeltas', 'then', 'type', 'message']);
    if (route === 'count') return this.send(ex, 200, { input_tokens: countInputTokens(body) }, true, script.headers);

    const plan = planMessage(body, script);
    const cut = behaviour.kind === 'cut' ? behaviour : undefined;
    if (body['stream'] !== true) {
      if (!cut) return this.send(ex, 200, messageBody(plan), true, script.headers);
      this.sendHalf(ex, { ...this.headers(ex, 'application/json', true), ...script.headers }, messageBody(plan), cut.then);
      return;
    }
    const options: StreamOptions = { legacyDeltaUsage: script.legacyDeltaUsage, startUsage: script.startUsage };
    if (cut) options.cutAfterDeltas = cut.afterDeltas;
    if (behaviour.kind === 'stream-error') options.errorAfterDeltas = { deltas: behaviour.afterDeltas, type: behaviour.type, message: behaviour.message };
    await this.stream(ex, streamEvents(plan, options), this.chunkDelay(script));
    if (cut) this.endCut(res, cut.then);
    else res.end();
  }

  private async stream(ex: Exchange, events: readonly string[], delayMs: number): Promise<void> {
    const { res, record } = ex;
    record.status = 200;
    res.writeHead(200, { ...this.headers(ex, 'text/event-stream; charset=utf-8', true), 'cache-control': 'no-cache' });
    res.flushHeaders();
    await this.writeFrames(res, events, delayMs, () => (record.eventsSent += 1));
  }

  /** Unauthenticated answers carry no rate-limit headers. */
  private send(ex: Exchange, status: number, body: unknown, authenticated = true, extra?: Record<string, string>): void {
    ex.record.status = status;
    // An error body repeats the request-id header, as the API's do.
    if (isRecord(body) && body['type'] === 'error') body['request_id'] = ex.requestId;
    sendJson(ex.res, status, body, { ...this.headers(ex, 'application/json', authenticated), ...extra });
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
