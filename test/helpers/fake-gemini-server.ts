// The HTTP side of the fake Gemini upstream: routing, auth, scripted behaviours, streaming and
// abort recording. The public API and its documentation are in fake-gemini.ts.
import type { ServerResponse } from 'node:http';
import { DEFAULT_CHUNK_DELAY_MS, DEFAULT_MODELS, FAKE_GEMINI_API_KEY, type CutEnding, type FakeBehaviour, type ReplyScript } from './fake-gemini-script.js';
import { apiKeyInvalidError, googleError, invalidJsonError, modelNotFoundError, unregisteredCallerError, type GoogleErrorBody } from './fake-gemini-wire.js';
import { countTokensAnswer, embeddingAnswer, generation, type Answer, type Generation } from './fake-gemini-answers.js';
import { FakeUpstreamServer, sendJson, type Exchange as BaseExchange, type IncomingFields } from './fake-server.js';
import type { FakeGemini, FakeGeminiOptions, RecordedRequest } from './fake-gemini.js';

type Exchange = BaseExchange<RecordedRequest>;

interface Cut {
  afterPieces: number;
  then: CutEnding;
  /** Sent as the last event before the ending: a stream that fails mid-answer. */
  error?: GoogleErrorBody;
}

const MODEL_PATH = /^\/(v1beta|v1)\/models\/([^/:]+):([A-Za-z]+)$/;
const JSON_TYPE = 'application/json; charset=UTF-8';

export class FakeGeminiServer extends FakeUpstreamServer<RecordedRequest, FakeBehaviour, ReplyScript> implements FakeGemini {
  readonly apiKey: string;

  constructor(private readonly options: FakeGeminiOptions) {
    super({ name: 'Gemini', reply: options.reply ?? {}, chunkDelayMs: options.chunkDelayMs ?? DEFAULT_CHUNK_DELAY_MS });
    this.apiKey = options.apiKey ?? FAKE_GEMINI_API_KEY;
  }

  protected record({ method, path, query, headers, rawBody }: IncomingFields): RecordedRequest {
    return { method, path, query, headers, body: undefined, rawBody, status: undefined, chunksSent: 0, sent: '', aborted: false, closed: false };
  }

  protected crashed(res: ServerResponse): void {
    sendJson(res, 500, googleError(500, 'INTERNAL', 'fake upstream crashed'), this.headers({ startedAt: Date.now() }, JSON_TYPE));
  }

  protected async handle(ex: Exchange): Promise<void> {
    const { req, url, record } = ex;
    const { rawBody } = record;
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

    const behaviour = this.takeBehaviour((candidate) => candidate.method === undefined || candidate.method === method) ?? { kind: 'reply' };
    if (behaviour.kind === 'hang') return;
    if (behaviour.kind === 'error') {
      const { code, status, message, details, headers } = behaviour;
      return this.send(ex, code, googleError(code, status, message, details), headers);
    }
    const cut = cutOf(behaviour);
    const script = await this.replyScript(behaviour, ['kind', 'method', 'afterPieces', 'then', 'error']);

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
    const chunks = cut ? planned.chunks.filter((chunk) => chunk.textPiece).slice(0, cut.afterPieces) : planned.chunks;
    const sent = (frame: string): void => {
      record.chunksSent += 1;
      record.sent += frame;
    };
    if (!(await this.writeFrames(res, chunks.map((chunk) => sseFrame(chunk.body)), this.chunkDelay(script), sent))) return;
    // The error event follows the last chunk at once, without the pause between chunks.
    if (cut?.error && !(await this.writeFrames(res, [sseFrame(cut.error)], 0, sent))) return;
    if (cut) return this.endCut(res, cut.then);
    res.end();
  }

  private answer(ex: Exchange, answer: Answer, script: ReplyScript, cut?: Cut): void {
    if (!answer.ok) return this.send(ex, answer.error.error.code, answer.error);
    if (!cut) return this.send(ex, 200, answer.body, script.headers);
    ex.record.sent = this.sendHalf(ex, { ...this.headers(ex, JSON_TYPE), ...script.headers }, answer.body, cut.then);
  }

  private send(ex: Exchange, status: number, body: unknown, extra?: Record<string, string>): void {
    ex.record.status = status;
    ex.record.sent = sendJson(ex.res, status, body, { ...this.headers(ex, JSON_TYPE), ...extra });
  }

  /** Google's front end answers an unknown path with an HTML page, not JSON. */
  private notFoundPage(ex: Exchange): void {
    ex.record.status = 404;
    const html = '<!DOCTYPE html>\n<html lang=en><title>Error 404 (Not Found)!!1</title><p><b>404.</b> That’s an error.</p></html>';
    ex.res.writeHead(404, { 'content-type': 'text/html; charset=UTF-8', 'content-length': Buffer.byteLength(html) });
    ex.res.end(html);
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

function cutOf(behaviour: FakeBehaviour): Cut | undefined {
  if (behaviour.kind === 'cut') return { afterPieces: behaviour.afterPieces, then: behaviour.then };
  if (behaviour.kind !== 'stream-error') return undefined;
  const { code, status, message, details } = behaviour.error;
  return { afterPieces: behaviour.afterPieces, then: 'end', error: googleError(code, status, message, details) };
}

/** Google frames every stream event with CRLF line endings. */
function sseFrame(body: unknown): string {
  return `data: ${JSON.stringify(body)}\r\n\r\n`;
}
