// Anthropic Messages wire shapes used by the fake upstream (fake-anthropic.ts): token counting,
// Message bodies, stream events and error bodies. Pure functions only, so tests can import them
// to compute the exact numbers the fake will report.
//
// Token counting (deterministic, documented so tests can predict it):
// - input_tokens = TOKENS_PER_MESSAGE (3) per message + the whitespace-separated words of the
//   system prompt and of every text in the messages: string contents, `text` blocks, the
//   contents of `tool_result` blocks and the JSON of `tool_use` inputs. Tool definitions, images
//   and documents are not counted. Scripted cache reads/writes are reported apart, on top, as
//   the real API reports them (input_tokens is the uncached remainder).
// - output_tokens = one per text piece (a word with its leading whitespace) + one per non-empty
//   `input_json_delta` fragment of every tool call + scripted thinking tokens.
import { randomBytes } from 'node:crypto';
import { countWords, splitIntoPieces } from './fake-openai-wire.js';

export { countWords, splitIntoPieces };

export const TOKENS_PER_MESSAGE = 3;
/** Tool inputs are streamed as their JSON cut into fragments of this many characters. */
export const JSON_FRAGMENT_CHARS = 10;

export type StopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'pause_turn' | 'refusal';

export interface FakeToolCall {
  /** Defaults to a fresh `toolu_…` id. */
  id?: string;
  name: string;
  input: Record<string, unknown>;
}

/** Scriptable usage numbers; anything left out is computed by the rules above. */
export interface UsageScript {
  input_tokens?: number;
  output_tokens?: number;
  cache_read_input_tokens?: number;
  cache_creation_input_tokens?: number;
  /** The part of cache_creation_input_tokens written to a one-hour cache (`ttl: "1h"`); the rest went to the five-minute one. */
  cache_creation_1h_input_tokens?: number;
  /** Added to output_tokens and reported in output_tokens_details, as the API reports thinking. */
  thinking_tokens?: number;
}

export interface AnthropicUsage {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
  output_tokens: number;
  output_tokens_details: { thinking_tokens: number } | null;
  service_tier: 'standard';
}

export interface AnthropicErrorBody {
  type: 'error';
  error: { type: string; message: string };
  request_id: string;
}

/** Everything needed to render one Message, streamed or not. */
export interface MessagePlan {
  id: string;
  model: string;
  /** Text pieces; each one is one output token and one text_delta. */
  pieces: string[];
  toolCalls: Array<Required<FakeToolCall>>;
  stopReason: StopReason;
  usage: AnthropicUsage;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The words of a `content` or `system`: strings, text blocks, tool results and tool inputs. */
export function contentWords(content: unknown): number {
  if (typeof content === 'string') return countWords(content);
  if (!Array.isArray(content)) return 0;
  let words = 0;
  for (const block of content) {
    if (!isRecord(block)) continue;
    if (block['type'] === 'text' && typeof block['text'] === 'string') words += countWords(block['text']);
    if (block['type'] === 'tool_result') words += contentWords(block['content']);
    if (block['type'] === 'tool_use') words += countWords(JSON.stringify(block['input'] ?? {}));
  }
  return words;
}

/** input_tokens of a Messages or count_tokens body, by the documented rule. */
export function countInputTokens(body: Record<string, unknown>): number {
  const messages = Array.isArray(body['messages']) ? body['messages'] : [];
  return messages.reduce<number>(
    (sum, message: unknown) => sum + TOKENS_PER_MESSAGE + contentWords(isRecord(message) ? message['content'] : ''),
    contentWords(body['system']),
  );
}

/** A tool input's JSON as streamed: an empty first fragment (as the API sends), then fixed-size cuts. */
export function jsonFragments(input: Record<string, unknown>): string[] {
  const json = JSON.stringify(input);
  const fragments = [''];
  for (let at = 0; at < json.length; at += JSON_FRAGMENT_CHARS) fragments.push(json.slice(at, at + JSON_FRAGMENT_CHARS));
  return fragments;
}

export function buildUsage(inputTokens: number, visibleOutputTokens: number, script: UsageScript = {}): AnthropicUsage {
  const thinking = script.thinking_tokens ?? 0;
  const cacheWrites = script.cache_creation_input_tokens ?? 0;
  const oneHour = script.cache_creation_1h_input_tokens ?? 0;
  return {
    input_tokens: script.input_tokens ?? inputTokens,
    cache_creation_input_tokens: cacheWrites,
    cache_read_input_tokens: script.cache_read_input_tokens ?? 0,
    cache_creation: { ephemeral_5m_input_tokens: cacheWrites - oneHour, ephemeral_1h_input_tokens: oneHour },
    output_tokens: (script.output_tokens ?? visibleOutputTokens) + thinking,
    output_tokens_details: script.thinking_tokens === undefined ? null : { thinking_tokens: thinking },
    service_tier: 'standard',
  };
}

/** Output tokens of a plan's content by the documented rule (before scripted overrides). */
export function countOutputTokens(pieces: readonly string[], toolCalls: readonly FakeToolCall[]): number {
  return pieces.length + toolCalls.reduce((sum, call) => sum + jsonFragments(call.input).filter((f) => f !== '').length, 0);
}

export function messageBody(plan: MessagePlan): Record<string, unknown> {
  const text = plan.pieces.join('');
  const content: unknown[] = text === '' ? [] : [{ type: 'text', text }];
  for (const call of plan.toolCalls) content.push({ type: 'tool_use', id: call.id, name: call.name, input: call.input });
  return {
    id: plan.id,
    type: 'message',
    role: 'assistant',
    model: plan.model,
    content,
    stop_reason: plan.stopReason,
    stop_sequence: null,
    usage: plan.usage,
  };
}

/** One SSE event exactly as the API frames it: an `event:` line, a `data:` line, a blank line. */
export function sseEvent(name: string, data: unknown): string {
  // The API writes its ping with a space after the colon; everything else is compact JSON.
  const json = name === 'ping' ? '{"type": "ping"}' : JSON.stringify(data);
  return `event: ${name}\ndata: ${json}\n\n`;
}

export interface StreamOptions {
  /** Stop after this many deltas (text pieces and JSON fragments): no stops, no message_delta. */
  cutAfterDeltas?: number;
  /** Replace the tail after this many deltas by an `error` event of this type (e.g. overloaded_error). */
  errorAfterDeltas?: { deltas: number; type: string; message: string };
  /** message_delta carries only output_tokens, as the API did before it reported cumulative input there. */
  legacyDeltaUsage?: boolean;
  /** Input counts message_start reports, when they differ from the final ones (server tools grow the input). */
  startUsage?: Partial<Pick<AnthropicUsage, 'input_tokens' | 'cache_read_input_tokens' | 'cache_creation_input_tokens'>>;
}

/** The SSE events of a streamed Message, in the API's order. */
export function streamEvents(plan: MessagePlan, options: StreamOptions = {}): string[] {
  const start = { ...plan.usage, ...options.startUsage, output_tokens: 1, output_tokens_details: null };
  const events = [sseEvent('message_start', { type: 'message_start', message: { ...messageBody(plan), content: [], stop_reason: null, usage: start } })];
  const limit = options.errorAfterDeltas?.deltas ?? options.cutAfterDeltas;
  let deltas = 0;
  const blocks: Array<{ start: unknown; deltas: unknown[] }> = [];
  if (plan.pieces.length > 0) {
    blocks.push({ start: { type: 'text', text: '' }, deltas: plan.pieces.map((text) => ({ type: 'text_delta', text })) });
  }
  for (const call of plan.toolCalls) {
    const fragments = jsonFragments(call.input).map((partial_json) => ({ type: 'input_json_delta', partial_json }));
    blocks.push({ start: { type: 'tool_use', id: call.id, name: call.name, input: {} }, deltas: fragments });
  }
  for (const [index, block] of blocks.entries()) {
    events.push(sseEvent('content_block_start', { type: 'content_block_start', index, content_block: block.start }));
    if (index === 0) events.push(sseEvent('ping', null));
    for (const delta of block.deltas) {
      if (limit !== undefined && deltas >= limit) return withError(events, options);
      events.push(sseEvent('content_block_delta', { type: 'content_block_delta', index, delta }));
      deltas += 1;
    }
    events.push(sseEvent('content_block_stop', { type: 'content_block_stop', index }));
  }
  // A cut (or error) right after the last delta still comes before message_delta.
  if (limit !== undefined && deltas >= limit) return withError(events, options);
  const { input_tokens, cache_creation_input_tokens, cache_read_input_tokens, output_tokens, output_tokens_details } = plan.usage;
  const usage = options.legacyDeltaUsage
    ? { output_tokens }
    : { input_tokens, cache_creation_input_tokens, cache_read_input_tokens, output_tokens, output_tokens_details };
  events.push(sseEvent('message_delta', { type: 'message_delta', delta: { stop_reason: plan.stopReason, stop_sequence: null }, usage }));
  events.push(sseEvent('message_stop', { type: 'message_stop' }));
  return events;
}

function withError(events: string[], options: StreamOptions): string[] {
  const error = options.errorAfterDeltas;
  if (error) events.push(sseEvent('error', { type: 'error', error: { type: error.type, message: error.message } }));
  return events;
}

export function errorBody(type: string, message: string): AnthropicErrorBody {
  return { type: 'error', error: { type, message }, request_id: requestId() };
}

/** Real request ids are `req_` followed by 24 base62 characters. */
export function requestId(): string {
  return `req_${randomBase62(24)}`;
}

export function messageId(): string {
  return `msg_${randomBase62(24)}`;
}

export function toolUseId(): string {
  return `toolu_${randomBase62(24)}`;
}

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomBase62(length: number): string {
  return Array.from(randomBytes(length), (byte) => BASE62[byte % BASE62.length]).join('');
}

/** The API's request validation that a gateway could plausibly trip over, with its wording. */
export function validateMessagesRequest(body: Record<string, unknown>, countOnly: boolean): AnthropicErrorBody | undefined {
  if (typeof body['model'] !== 'string') return errorBody('invalid_request_error', 'model: Field required');
  if (!Array.isArray(body['messages'])) return errorBody('invalid_request_error', 'messages: Field required');
  if (!countOnly && typeof body['max_tokens'] !== 'number') return errorBody('invalid_request_error', 'max_tokens: Field required');
  if (!body['model'].startsWith('claude-')) return errorBody('not_found_error', `model: ${body['model']}`);
  return undefined;
}
