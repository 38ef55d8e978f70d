// Responses API wire shapes of the fake OpenAI upstream (fake-openai.ts): token counting, the
// Response object and its stream events, as the openai SDK types them
// (resources/responses/responses.d.ts). Pure functions only, so tests can import them to compute
// the exact numbers the fake will report.
import { randomBytes } from 'node:crypto';
import { TOKENS_PER_MESSAGE, countWords, isRecord, type UsageScript } from './fake-openai-wire.js';

/** `response.usage` as the Responses API reports it. */
export interface ResponsesUsage {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

/** Everything needed to render one Response, streamed or not. */
export interface ResponsePlan {
  id: string;
  messageId: string;
  /** The reasoning item that precedes the message, when the reply was scripted with one. */
  reasoning?: { id: string; summary: string[] };
  createdAt: number;
  model: string;
  /** Output pieces; each one is one output token and one `response.output_text.delta`. */
  pieces: string[];
  /** `incomplete` when `max_output_tokens` cut the output; `failed` when scripted to fail. */
  status: 'completed' | 'incomplete' | 'failed';
  failure?: { code: string; message: string };
  usage: ResponsesUsage;
  /** Request parameters the real API echoes back on the Response. */
  request: Record<string, unknown>;
}

/** Real Response ids are `resp_` followed by 50 hex digits; output items alike with their own prefix. */
export function responseObjectId(prefix: 'resp' | 'msg' | 'rs'): string {
  return `${prefix}_${randomBytes(25).toString('hex')}`;
}

/** Text of an input item's `content`: a string, or the `text` of its parts (`input_text`, `output_text`). */
function itemText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((part: unknown) => (isRecord(part) && typeof part['text'] === 'string' ? part['text'] : '')).join(' ');
}

/**
 * Input tokens of a Responses request: the words of `instructions`, plus the words of a string
 * `input`, or, for an array of items, TOKENS_PER_MESSAGE (3) plus the words of each item's content.
 */
export function countResponsesInputTokens(body: Record<string, unknown>): number {
  const instructions = typeof body['instructions'] === 'string' ? countWords(body['instructions']) : 0;
  const input = body['input'];
  if (typeof input === 'string') return instructions + countWords(input);
  if (!Array.isArray(input)) return instructions;
  return input.reduce<number>(
    (sum, item: unknown) => sum + TOKENS_PER_MESSAGE + countWords(itemText(isRecord(item) ? item['content'] : '')),
    instructions,
  );
}

/** Usage from the counted tokens; scripted numbers (in chat-completions' names) override them. */
export function buildResponsesUsage(inputTokens: number, visibleOutputTokens: number, script: UsageScript = {}): ResponsesUsage {
  const input = script.prompt_tokens ?? inputTokens;
  const reasoning = script.reasoning_tokens ?? 0;
  const output = (script.completion_tokens ?? visibleOutputTokens) + reasoning;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: script.cached_tokens ?? 0 },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: reasoning },
    total_tokens: input + output,
  };
}

function outputText(text: string): Record<string, unknown> {
  return { type: 'output_text', annotations: [], logprobs: [], text };
}

function message(plan: ResponsePlan, status: string, content: unknown[]): Record<string, unknown> {
  return { id: plan.messageId, type: 'message', status, content, role: 'assistant' };
}

function summaryText(text: string): Record<string, unknown> {
  return { type: 'summary_text', text };
}

/** The reasoning item: its summary is one part, the pieces joined; empty until the item is done. */
function reasoningItem(reasoning: NonNullable<ResponsePlan['reasoning']>, done: boolean): Record<string, unknown> {
  const summary = done && reasoning.summary.length > 0 ? [summaryText(reasoning.summary.join(''))] : [];
  return { id: reasoning.id, type: 'reasoning', summary };
}

/** The items of a finished Response, in order: the reasoning item (if any), then the message. */
export function outputItems(plan: ResponsePlan): Array<Record<string, unknown>> {
  const itemStatus = plan.status === 'incomplete' ? 'incomplete' : 'completed';
  const text = plan.pieces.join('');
  return [...(plan.reasoning ? [reasoningItem(plan.reasoning, true)] : []), message(plan, itemStatus, [outputText(text)])];
}

/** The Response object: `final` as the terminal event (and a non-streamed answer) carries it, else as it starts. */
export function responseBody(plan: ResponsePlan, final: boolean): Record<string, unknown> {
  const { request } = plan;
  const status = final ? plan.status : 'in_progress';
  return {
    id: plan.id,
    object: 'response',
    created_at: plan.createdAt,
    status,
    background: false,
    error: final && plan.failure ? { code: plan.failure.code, message: plan.failure.message } : null,
    incomplete_details: final && plan.status === 'incomplete' ? { reason: 'max_output_tokens' } : null,
    instructions: request['instructions'] ?? null,
    max_output_tokens: request['max_output_tokens'] ?? null,
    max_tool_calls: null,
    model: plan.model,
    output: final ? outputItems(plan) : [],
    parallel_tool_calls: true,
    previous_response_id: request['previous_response_id'] ?? null,
    reasoning: { effort: null, summary: null },
    service_tier: 'default',
    store: request['store'] ?? true,
    temperature: request['temperature'] ?? 1,
    text: { format: { type: 'text' }, verbosity: 'medium' },
    tool_choice: 'auto',
    tools: [],
    top_logprobs: 0,
    top_p: request['top_p'] ?? 1,
    truncation: 'disabled',
    usage: final ? plan.usage : null,
    user: null,
    metadata: request['metadata'] ?? {},
  };
}

/**
 * The events of a streamed Response, in order and numbered from 0 by `sequence_number`:
 * created, in_progress, the reasoning item's events when there is one (output_item.added,
 * for a summary reasoning_summary_part.added, one reasoning_summary_text.delta per piece,
 * reasoning_summary_text.done, reasoning_summary_part.done; output_item.done), then the
 * message's: output_item.added, content_part.added, one output_text.delta per piece,
 * output_text.done, content_part.done, output_item.done and the terminal event
 * (`response.completed`, `.incomplete` or `.failed`), which alone carries the usage.
 * `cutAfterPieces` drops everything after that many deltas, as a dying upstream would.
 */
export function responseStreamEvents(plan: ResponsePlan, cutAfterPieces?: number): Array<Record<string, unknown>> {
  const events: Array<Record<string, unknown>> = [];
  const push = (type: string, fields: Record<string, unknown>): void => {
    events.push({ type, ...fields, sequence_number: events.length });
  };
  const outputIndex = plan.reasoning ? 1 : 0;
  const at = { item_id: plan.messageId, output_index: outputIndex, content_index: 0 };
  const text = plan.pieces.join('');
  push('response.created', { response: responseBody(plan, false) });
  push('response.in_progress', { response: responseBody(plan, false) });
  if (plan.reasoning) reasoningEvents(plan.reasoning, push);
  push('response.output_item.added', { output_index: outputIndex, item: message(plan, 'in_progress', []) });
  push('response.content_part.added', { ...at, part: outputText('') });
  const pieces = cutAfterPieces === undefined ? plan.pieces : plan.pieces.slice(0, cutAfterPieces);
  for (const piece of pieces) push('response.output_text.delta', { ...at, delta: piece, logprobs: [] });
  if (cutAfterPieces !== undefined) return events;
  push('response.output_text.done', { ...at, text, logprobs: [] });
  push('response.content_part.done', { ...at, part: outputText(text) });
  push('response.output_item.done', { output_index: outputIndex, item: message(plan, plan.status === 'incomplete' ? 'incomplete' : 'completed', [outputText(text)]) });
  push(`response.${plan.status}`, { response: responseBody(plan, true) });
  return events;
}

function reasoningEvents(reasoning: NonNullable<ResponsePlan['reasoning']>, push: (type: string, fields: Record<string, unknown>) => void): void {
  push('response.output_item.added', { output_index: 0, item: reasoningItem(reasoning, false) });
  if (reasoning.summary.length > 0) {
    const at = { item_id: reasoning.id, output_index: 0, summary_index: 0 };
    const text = reasoning.summary.join('');
    push('response.reasoning_summary_part.added', { ...at, part: summaryText('') });
    for (const piece of reasoning.summary) push('response.reasoning_summary_text.delta', { ...at, delta: piece });
    push('response.reasoning_summary_text.done', { ...at, text });
    push('response.reasoning_summary_part.done', { ...at, part: summaryText(text) });
  }
  push('response.output_item.done', { output_index: 0, item: reasoningItem(reasoning, true) });
}

/** One stream event as the real API frames it: an `event:` line named after its `type`, then its JSON. */
export function responseEventFrame(event: Record<string, unknown>): string {
  return `event: ${String(event['type'])}\ndata: ${JSON.stringify(event)}\n\n`;
}
