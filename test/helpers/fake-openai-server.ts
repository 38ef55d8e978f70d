// The HTTP side of the fake OpenAI upstream: routing, auth, scripted behaviours, streaming and
// abort recording. The public API and its documentation are in fake-openai.ts.
import type { ServerResponse } from 'node:http';
import {
  DEFAULT_CHUNK_DELAY_MS,
  DEFAULT_COMPLETION_TEXT,
  DEFAULT_MODELS,
  FAKE_UPSTREAM_API_KEY,
  type CutEnding,
  type FakeBehaviour,
  type FakeModel,
  type ReplyScript,
} from './fake-openai-script.js';
import {
  buildUsage,
  chatCompletionBody,
  chatCompletionChunks,
  completionId,
  countEmbeddingTokens,
  countPromptTokens,
  embeddingInputs,
  encodeEmbeddingBase64,
  errorBody,
  fakeEmbedding,
  formatResetDuration,
  incorrectApiKeyError,
  invalidJsonError,
  invalidUrlError,
  isRecord,
  missingApiKeyError,
  modelNotFoundError,
  requestId,
  servedTier,
  splitIntoPieces,
  systemFingerprint,
  validateChatRequest,
  validateEmbeddingsRequest,
  validateResponsesRequest,
  type CompletionPlan,
  type OpenAIErrorBody,
} from './fake-openai-wire.js';
import {
  buildResponsesUsage,
  countResponsesInputTokens,
  responseBody,
  responseEventFrame,
  responseObjectId,
  responseStreamEvents,
  type ResponsePlan,
} from './fake-openai-responses.js';
import {
  FakeResponseStore,
  cannotCancelError,
  contextTokens,
  inputItemsPage,
  itemNotFoundError,
  previousResponseNotFoundError,
  responseNotFoundError,
  storedRouteOf,
  type StoredRoute,
} from './fake-openai-stored.js';
import { FakeUpstreamServer, sendJson, write, type Exchange as BaseExchange, type IncomingFields } from './fake-server.js';
import type { FakeOpenAI, FakeOpenAIOptions, RecordedRequest } from './fake-openai.js';

interface Exchange extends BaseExchange<RecordedRequest> {
  requestId: string;
}

interface Cut {
  afterPieces: number;
  then: CutEnding;
}

export class FakeOpenAIServer extends FakeUpstreamServer<RecordedRequest, FakeBehaviour, ReplyScript> implements FakeOpenAI {
  readonly apiKey: string;
  /** This fake's organisation's stored responses. */
  private readonly store = new FakeResponseStore();
  private requestsUsed = 0;
  private tokensUsed = 0;

  constructor(private readonly options: FakeOpenAIOptions) {
    super({ name: 'OpenAI', basePath: '/v1', reply: options.reply ?? {}, chunkDelayMs: options.chunkDelayMs ?? DEFAULT_CHUNK_DELAY_MS });
    this.apiKey = options.apiKey ?? FAKE_UPSTREAM_API_KEY;
  }

  hasStoredResponse(id: string): boolean {
    return this.store.get(id) !== undefined;
  }

  hasStoredItem(id: string): boolean {
    return this.store.hasItem(id);
  }

  protected record({ method, path, query, headers, rawBody }: IncomingFields): RecordedRequest {
    return { method, path, query, headers, body: undefined, rawBody, status: undefined, chunksSent: 0, aborted: false, closed: false };
  }

  protected crashed(res: ServerResponse): void {
    sendJson(res, 500, errorBody('fake upstream crashed', 'server_error'), {});
  }

  protected async handle(exchange: BaseExchange<RecordedRequest>): Promise<void> {
    const { req, url, record } = exchange;
    const { method, rawBody } = record;
    let body: unknown = {};
    if (rawBody.trim() !== '') {
      try {
        body = record.body = JSON.parse(rawBody) as unknown;
      } catch {
        body = undefined;
      }
    }
    const ex: Exchange = { ...exchange, requestId: requestId() };

    const stored = storedRouteOf(method, url.pathname);
    const route = stored ? 'stored' : routeOf(method, url.pathname);
    if (route === undefined) return this.send(ex, 404, invalidUrlError(method, url.pathname), false);
    const authError = this.checkAuth(req.headers.authorization);
    if (authError) return this.send(ex, 401, authError, false);
    this.requestsUsed += 1;
    if (!isRecord(body)) return this.send(ex, 400, invalidJsonError());

    const behaviour = this.takeBehaviour((candidate) => candidate.path === undefined || candidate.path === url.pathname) ?? { kind: 'reply' };
    if (behaviour.kind === 'hang') return;
    if (behaviour.kind === 'error') {
      const { status, message, type, param = null, code = null, headers } = behaviour;
      return this.send(ex, status, errorBody(message, type, param, code), true, headers);
    }
    const cut = behaviour.kind === 'cut' ? { afterPieces: behaviour.afterPieces, then: behaviour.then } : undefined;
    const script = await this.replyScript(behaviour, ['kind', 'path', 'afterPieces', 'then']);

    if (route === 'chat') return this.chat(ex, body, script, cut);
    if (route === 'embeddings') return this.embeddings(ex, body, script, cut);
    if (route === 'responses') return this.responses(ex, body, script, cut);
    if (stored) return this.stored(ex, stored, script);
    const models = this.options.models ?? DEFAULT_MODELS;
    if (route === 'models') return this.sendOk(ex, { object: 'list', data: models.map(modelObject) }, script, cut);
    const id = decodeURIComponent(url.pathname.slice('/v1/models/'.length));
    const model = models.find((candidate) => candidate.id === id);
    if (model) return this.sendOk(ex, modelObject(model), script, cut);
    return this.send(ex, 404, modelNotFoundError(id));
  }

  private async chat(ex: Exchange, body: Record<string, unknown>, script: ReplyScript, cut?: Cut): Promise<void> {
    const invalid = validateChatRequest(body);
    if (invalid) return this.send(ex, 400, invalid);
    let pieces =
      typeof script.content === 'object' ? [...script.content] : splitIntoPieces(script.content ?? DEFAULT_COMPLETION_TEXT);
    let finishReason = script.finishReason ?? 'stop';
    const maxTokens = positiveInt(body['max_completion_tokens']) ?? positiveInt(body['max_tokens']);
    if (maxTokens !== undefined && pieces.length > maxTokens) {
      pieces = pieces.slice(0, maxTokens);
      finishReason = 'length';
    }
    const choiceCount = positiveInt(body['n']) ?? 1;
    const plan: CompletionPlan = {
      id: completionId(),
      created: Math.floor(Date.now() / 1000),
      model: script.model ?? String(body['model']),
      serviceTier: servedTier(body['service_tier']),
      systemFingerprint: systemFingerprint(),
      pieces,
      finishReason,
      choiceCount,
      usage: buildUsage(countPromptTokens(body['messages']), pieces.length * choiceCount, script.usage),
    };
    this.tokensUsed += plan.usage.total_tokens;
    if (body['stream'] !== true) return this.sendOk(ex, chatCompletionBody(plan), script, cut);

    const streamOptions = isRecord(body['stream_options']) ? body['stream_options'] : {};
    const chunks = chatCompletionChunks(
      plan,
      {
        includeUsage: streamOptions['include_usage'] === true,
        includeObfuscation: streamOptions['include_obfuscation'] !== false,
      },
      cut?.afterPieces,
    );
    const frames = chunks.map((chunk) => `data: ${JSON.stringify(chunk)}\n\n`);
    return this.writeStream(ex, script, frames, cut, 'data: [DONE]\n\n');
  }

  /** Streams SSE frames `chunkDelayMs` apart; then the trailer, or the cut's ending. */
  private async writeStream(ex: Exchange, script: ReplyScript, frames: string[], cut: Cut | undefined, trailer?: string): Promise<void> {
    const { res, record } = ex;
    record.status = 200;
    res.writeHead(200, { ...this.headers(ex, 'text/event-stream; charset=utf-8', true), ...script.headers });
    res.flushHeaders();
    if (!(await this.writeFrames(res, frames, this.chunkDelay(script), () => (record.chunksSent += 1)))) return;
    if (cut) return this.endCut(res, cut.then);
    if (trailer === undefined) res.end();
    else if (await write(res, trailer)) res.end();
  }

  private async responses(ex: Exchange, body: Record<string, unknown>, script: ReplyScript, cut?: Cut): Promise<void> {
    const invalid = validateResponsesRequest(body);
    if (invalid) return this.send(ex, 400, invalid);
    const previousId = body['previous_response_id'];
    const previous = typeof previousId === 'string' ? this.store.get(previousId) : undefined;
    if (typeof previousId === 'string' && previous === undefined) return this.send(ex, 404, previousResponseNotFoundError(previousId));
    const resolved = this.store.resolveInput(body['input']);
    if (!resolved.ok) return this.send(ex, 404, itemNotFoundError(resolved.id, body['store'] === false));
    const { input } = resolved;
    let pieces =
      typeof script.content === 'object' ? [...script.content] : splitIntoPieces(script.content ?? DEFAULT_COMPLETION_TEXT);
    let status: ResponsePlan['status'] = script.fail ? 'failed' : 'completed';
    const maxTokens = positiveInt(body['max_output_tokens']);
    if (maxTokens !== undefined && pieces.length > maxTokens) {
      pieces = pieces.slice(0, maxTokens);
      status = 'incomplete';
    }
    const plan: ResponsePlan = {
      id: responseObjectId('resp'),
      messageId: responseObjectId('msg'),
      ...(script.reasoning ? { reasoning: { id: responseObjectId('rs'), summary: [...(script.reasoning.summary ?? [])] } } : {}),
      createdAt: Math.floor(Date.now() / 1000),
      model: script.model ?? String(body['model']),
      pieces,
      status,
      ...(script.fail ? { failure: script.fail } : {}),
      usage: buildResponsesUsage(countResponsesInputTokens({ ...body, input }) + (previous ? contextTokens(previous) : 0), pieces.length, script.usage),
      request: body,
    };
    this.tokensUsed += plan.usage.total_tokens;
    if (body['store'] !== false) this.store.save(plan, input);
    if (body['stream'] !== true) return this.sendOk(ex, responseBody(plan, true), script, cut);
    const frames = responseStreamEvents(plan, cut?.afterPieces).map(responseEventFrame);
    // The Responses API ends its streams with the terminal event: there is no [DONE].
    return this.writeStream(ex, script, frames, cut);
  }

  /** A stored response: retrieved (as JSON, or replayed as a stream after `starting_after`), listed, cancelled or deleted. */
  private async stored(ex: Exchange, route: StoredRoute, script: ReplyScript): Promise<void> {
    const stored = this.store.get(route.id);
    if (stored === undefined) return this.send(ex, 404, responseNotFoundError(route.id));
    const { query } = ex.record;
    if (route.action === 'cancel') return this.send(ex, 400, cannotCancelError());
    if (route.action === 'input_items') return this.sendOk(ex, inputItemsPage(stored, query), script);
    if (route.action === 'delete') {
      this.store.delete(route.id);
      return this.sendOk(ex, { id: route.id, object: 'response', deleted: true }, script);
    }
    if (query['stream'] !== 'true') return this.sendOk(ex, FakeResponseStore.body(stored), script);
    const after = Number(query['starting_after'] ?? -1);
    const frames = responseStreamEvents(stored.plan)
      .filter((event) => Number(event['sequence_number']) > after)
      .map(responseEventFrame);
    return this.writeStream(ex, script, frames, undefined);
  }

  private embeddings(ex: Exchange, body: Record<string, unknown>, script: ReplyScript, cut?: Cut): void {
    const invalid = validateEmbeddingsRequest(body);
    if (invalid) return this.send(ex, 400, invalid);
    const model = String(body['model']);
    const base64 = body['encoding_format'] === 'base64';
    const dimensions =
      positiveInt(body['dimensions']) ?? this.options.embeddingDimensions ?? (model.endsWith('-large') ? 3072 : 1536);
    const data = embeddingInputs(body['input']).map((input, index) => {
      const vector = fakeEmbedding(input, dimensions);
      return { object: 'embedding', index, embedding: base64 ? encodeEmbeddingBase64(vector) : vector };
    });
    const tokens = script.usage?.prompt_tokens ?? countEmbeddingTokens(body['input']);
    this.tokensUsed += tokens;
    const usage = { prompt_tokens: tokens, total_tokens: tokens };
    this.sendOk(ex, { object: 'list', data, model: script.model ?? model, usage }, script, cut);
  }

  private checkAuth(authorization: string | undefined): OpenAIErrorBody | undefined {
    const key = /^Bearer\s+(\S.*)$/i.exec(authorization ?? '')?.[1]?.trim();
    if (key === undefined) return missingApiKeyError();
    return key === this.apiKey ? undefined : incorrectApiKeyError(key);
  }

  private sendOk(ex: Exchange, body: unknown, script: ReplyScript, cut?: Cut): void {
    if (!cut) return this.send(ex, 200, body, true, script.headers);
    this.sendHalf(ex, { ...this.headers(ex, 'application/json', true), ...script.headers }, body, cut.then);
  }

  /** Unauthenticated answers (401, 404 for unknown paths) carry no rate-limit headers. */
  private send(ex: Exchange, status: number, body: unknown, authenticated = true, extra?: Record<string, string>): void {
    ex.record.status = status;
    sendJson(ex.res, status, body, { ...this.headers(ex, 'application/json', authenticated), ...extra });
  }

  /** The real API's response headers; the rate-limit window is approximated by counters that never refill. */
  private headers(ex: Exchange, contentType: string, authenticated: boolean): Record<string, string> {
    const base = {
      'content-type': contentType,
      'openai-version': '2020-10-01',
      'openai-processing-ms': String(Date.now() - ex.startedAt),
      'x-request-id': ex.requestId,
    };
    if (!authenticated) return base;
    const requestLimit = this.options.rateLimits?.requests ?? 10_000;
    const tokenLimit = this.options.rateLimits?.tokens ?? 200_000;
    return {
      ...base,
      'openai-organization': 'user-fake',
      'openai-project': 'proj_fake',
      'x-ratelimit-limit-requests': String(requestLimit),
      'x-ratelimit-limit-tokens': String(tokenLimit),
      'x-ratelimit-remaining-requests': String(Math.max(0, requestLimit - this.requestsUsed)),
      'x-ratelimit-remaining-tokens': String(Math.max(0, tokenLimit - this.tokensUsed)),
      'x-ratelimit-reset-requests': formatResetDuration((60_000 * this.requestsUsed) / requestLimit),
      'x-ratelimit-reset-tokens': formatResetDuration((60_000 * this.tokensUsed) / tokenLimit),
    };
  }
}

type Route = 'chat' | 'embeddings' | 'responses' | 'models' | 'model' | 'stored';

function routeOf(method: string, path: string): Route | undefined {
  if (method === 'POST' && path === '/v1/chat/completions') return 'chat';
  if (method === 'POST' && path === '/v1/embeddings') return 'embeddings';
  if (method === 'POST' && path === '/v1/responses') return 'responses';
  if (method === 'GET' && path === '/v1/models') return 'models';
  if (method === 'GET' && /^\/v1\/models\/[^/]+$/.test(path)) return 'model';
  return undefined;
}

function modelObject(model: FakeModel): Record<string, unknown> {
  return { id: model.id, object: 'model', created: model.created, owned_by: model.owned_by };
}

function positiveInt(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}
