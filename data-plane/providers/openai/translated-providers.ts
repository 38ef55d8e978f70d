import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { CallOutcome, TokenCounts } from '../../proxy/call.js';
import type { GatewayError } from '../../proxy/errors.js';
import type { StreamStage } from '../../proxy/stream.js';
import { anthropicClientHeaders, anthropicUpstreamHeaders } from '../anthropic/headers.js';
import { createAnthropicStreamUsageTap } from '../anthropic/stream-usage.js';
import { anthropicErrorToOpenAI } from '../anthropic/translate/error.js';
import { chatToMessagesRequest } from '../anthropic/translate/request.js';
import { messageToChatCompletion } from '../anthropic/translate/response.js';
import { createChatStreamTranslator } from '../anthropic/translate/stream.js';
import type { AnthropicMessage } from '../anthropic/translate/types.js';
import { ANTHROPIC_PROVIDER } from '../anthropic/upstream.js';
import { estimateTokens as estimateAnthropicTokens, tokensFromAnthropicUsage, usageOfMessage } from '../anthropic/usage.js';
import { streamTokens as geminiStreamTokens } from '../gemini/answer.js';
import { geminiRequestHeaders, geminiResponseHeaders } from '../gemini/headers.js';
import { createGeminiStreamObserver } from '../gemini/stream-usage.js';
import { openAIChatToGemini } from '../gemini/translate/chat-request.js';
import { geminiToOpenAIChat } from '../gemini/translate/chat-response.js';
import { createGeminiToOpenAIStream } from '../gemini/translate/chat-stream.js';
import { googleErrorToOpenAI } from '../gemini/translate/errors.js';
import { GEMINI_PROVIDER } from '../gemini/upstream.js';
import { estimateTokens as estimateGeminiTokens, tokensFromUsageMetadata, usageMetadataOf } from '../gemini/usage.js';
import type { ChatRequest } from './chat-request.js';
import { parseJsonObject } from '../../../shared/json.js';

/** The anthropic-version sent when the client (an OpenAI SDK) names none: the Messages API requires one. */
export const DEFAULT_ANTHROPIC_VERSION = '2023-06-01';

type TokenFields = Pick<CallOutcome, 'tokens' | 'usageEstimated'>;

/** An OpenAI `chat.completion.chunk` stream translated from the provider's, with the provider's own accounting. */
export interface TranslatedStream extends StreamStage {
  /** Counts for the usage event: the provider's report, an estimate when the stream did not finish. */
  tokens(): TokenFields;
  /** The provider sent an error event after its 200 (Anthropic's overloaded_error, a Google error): the call failed. */
  failed(): boolean;
}

/** An upstream error in OpenAI's shape with the provider's status. */
export interface TranslatedErrorAnswer {
  status: number;
  body: unknown;
  headers: OutgoingHttpHeaders;
}

/** How one provider serves a translated chat-completions call: what to send, and how to read the answer back. */
export interface ProviderAdapter {
  /** Below the upstream's base path. */
  path: string;
  headers: Record<string, string>;
  body: Uint8Array;
  /** A 2xx JSON answer as a chat.completion with the provider's counts; null when it is not readable. */
  completion(bytes: Buffer): { body: unknown; tokens: TokenCounts | null } | null;
  error(status: number, bytes: Buffer, headers: IncomingHttpHeaders): TranslatedErrorAnswer;
  stream(): TranslatedStream;
  /** Counts for a call the provider accepted but did not report on. */
  estimate(outputChars: number): TokenCounts;
}

export type AdapterResult = { ok: true; adapter: ProviderAdapter } | { ok: false; error: GatewayError };

/** Whether chat-completions calls for this catalogue provider are translated to its own API. */
export function isTranslatedProvider(provider: string): boolean {
  return provider === ANTHROPIC_PROVIDER || provider === GEMINI_PROVIDER;
}

/** The adapter for a catalogue provider the chat-completions route translates for; null for any other. */
export function adapterFor(
  provider: string,
  request: ChatRequest,
  upstreamModel: string,
  client: IncomingHttpHeaders,
): AdapterResult | null {
  if (provider === ANTHROPIC_PROVIDER) return anthropicAdapter(request, upstreamModel, client);
  if (provider === GEMINI_PROVIDER) return geminiAdapter(request, upstreamModel);
  return null;
}

const encoder = new TextEncoder();

function anthropicAdapter(request: ChatRequest, upstreamModel: string, client: IncomingHttpHeaders): AdapterResult {
  const translation = chatToMessagesRequest(request.fields, { model: upstreamModel });
  if (!translation.ok) return { ok: false, error: { status: translation.status, body: translation.body } };
  // Only Anthropic's own version headers are passed on; an OpenAI client sends none, so the default applies.
  const headers = anthropicUpstreamHeaders({ 'anthropic-version': client['anthropic-version'], 'anthropic-beta': client['anthropic-beta'] });
  headers['anthropic-version'] ??= DEFAULT_ANTHROPIC_VERSION;
  if (request.stream) headers['accept'] = 'text/event-stream';
  return {
    ok: true,
    adapter: {
      path: '/v1/messages',
      headers,
      body: Buffer.from(JSON.stringify(translation.value)),
      completion(bytes) {
        const message = parseJsonObject(bytes);
        if (message === null || !Array.isArray(message['content'])) return null;
        const usage = usageOfMessage(message);
        return {
          body: messageToChatCompletion(message as unknown as AnthropicMessage, { model: request.model }),
          tokens: usage === null ? null : tokensFromAnthropicUsage(usage),
        };
      },
      error(status, bytes, upstreamHeaders) {
        const translated = anthropicErrorToOpenAI(status, bytes);
        const { 'content-type': _type, ...kept } = anthropicClientHeaders(upstreamHeaders);
        return { status: translated.status, body: translated.body, headers: kept };
      },
      stream() {
        const tap = createAnthropicStreamUsageTap();
        const translator = createChatStreamTranslator({ includeUsage: request.clientAskedForUsage, model: request.model });
        return {
          transform(chunk) {
            tap.transform(chunk);
            return translator.push(chunk);
          },
          flush() {
            tap.flush();
            return translator.flush();
          },
          tokens() {
            const usage = tap.usage();
            if (usage !== null && tap.complete()) return { tokens: tokensFromAnthropicUsage(usage), usageEstimated: false };
            return { tokens: estimateAnthropicTokens(usage, request.inputChars, tap.outputChars()), usageEstimated: true };
          },
          failed: () => tap.sawError(),
        };
      },
      estimate: (outputChars) => estimateAnthropicTokens(null, request.inputChars, outputChars),
    },
  };
}

function geminiAdapter(request: ChatRequest, upstreamModel: string): AdapterResult {
  const translation = openAIChatToGemini(request.fields);
  if (!translation.ok) return translation;
  const model = upstreamModel.startsWith('models/') ? upstreamModel.slice('models/'.length) : upstreamModel;
  const method = request.stream ? 'streamGenerateContent?alt=sse' : 'generateContent';
  return {
    ok: true,
    adapter: {
      path: `/v1beta/models/${encodeURIComponent(model)}:${method}`,
      headers: geminiRequestHeaders(),
      body: Buffer.from(JSON.stringify(translation.value.request)),
      completion(bytes) {
        const body = parseJsonObject(bytes);
        if (body === null) return null;
        const usage = usageMetadataOf(body['usageMetadata']);
        return { body: geminiToOpenAIChat(body, { model: request.model }), tokens: usage === null ? null : tokensFromUsageMetadata(usage) };
      },
      error(status, bytes, upstreamHeaders) {
        const translated = googleErrorToOpenAI(status, bytes);
        const { 'content-type': _type, ...kept } = geminiResponseHeaders(upstreamHeaders);
        return { status: translated.status, body: translated.body, headers: { ...kept, ...translated.headers } };
      },
      stream() {
        const observer = createGeminiStreamObserver();
        // The client's own include_usage, not the one parseChatRequest added for OpenAI upstreams.
        const translator = createGeminiToOpenAIStream({ model: request.model, includeUsage: request.clientAskedForUsage });
        return {
          transform(chunk) {
            observer.transform(chunk);
            const out = translator.push(chunk);
            return out === '' ? new Uint8Array(0) : encoder.encode(out);
          },
          flush() {
            observer.flush();
            return encoder.encode(translator.end());
          },
          tokens: () => geminiStreamTokens(observer.usage(), observer.finished(), request.inputChars, observer.outputChars()),
          failed: () => translator.failed(),
        };
      },
      estimate: (outputChars) => estimateGeminiTokens(request.inputChars, outputChars),
    },
  };
}
