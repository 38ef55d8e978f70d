import { createSseEventSplitter, type SseEvent } from '../../../proxy/sse.js';
import { randomToolCallId, readParts, toOpenAIFinishReason, toOpenAIUsage } from './chat-response.js';
import { googleErrorToOpenAI } from './errors.js';
import { isRecord } from '../../../../shared/json.js';
import type { OpenAIChatUsage } from './types.js';

export interface ChatStreamOptions {
  /** The model the client asked for, reported on every chunk. */
  model: string;
  /** The client set `stream_options.include_usage`: every chunk carries `usage: null` and a usage chunk ends the stream. */
  includeUsage: boolean;
  /** Defaults to a random `chatcmpl-…`; every chunk of a stream shares it. */
  id?: string;
  /** Unix seconds; defaults to now. */
  created?: number;
  newToolCallId?: () => string;
}

/** Incremental translator returned by {@link createGeminiToOpenAIStream}. */
export interface ChatStreamTranslator {
  /** Feeds upstream bytes (cut anywhere); returns the OpenAI SSE frames they completed, possibly ''. */
  push(chunk: Uint8Array): string;
  /** Ends the stream: the usage chunk if asked for, then `data: [DONE]` (nothing after an error event). */
  end(): string;
  /** A finish chunk was sent for every choice seen; false for a stream cut short. */
  finished(): boolean;
  /** Google sent an error event: the stream failed mid-answer after its 200. */
  failed(): boolean;
}

/**
 * Translates a Gemini `alt=sse` stream into OpenAI chat.completion.chunk events as the
 * bytes arrive: a role chunk opens each choice, text parts become content deltas,
 * function calls become tool_call deltas (Gemini sends each call whole, so one delta
 * carries its id, name and complete arguments), a finish chunk closes each choice, and,
 * when asked for, a usage-only chunk precedes `[DONE]`. Gemini's usage is cumulative,
 * so the last one seen is reported. A Google error event becomes OpenAI's error event.
 */
export function createGeminiToOpenAIStream(options: ChatStreamOptions): ChatStreamTranslator {
  const splitter = createSseEventSplitter();
  const id = options.id ?? `chatcmpl-${randomToolCallId().slice(5)}`;
  const created = options.created ?? Math.floor(Date.now() / 1000);
  const newToolCallId = options.newToolCallId ?? randomToolCallId;
  const opened = new Set<number>();
  const finishedChoices = new Set<number>();
  const toolCallCount = new Map<number, number>();
  let usage: OpenAIChatUsage | null = null;
  let failed = false;

  function frame(payload: unknown): string {
    return `data: ${JSON.stringify(payload)}\n\n`;
  }

  function chunk(index: number, delta: Record<string, unknown>, finishReason: string | null = null): string {
    const choice = { index, delta, logprobs: null, finish_reason: finishReason };
    return frame({ id, object: 'chat.completion.chunk', created, model: options.model, choices: [choice], ...(options.includeUsage ? { usage: null } : {}) });
  }

  function open(index: number): string {
    if (opened.has(index)) return '';
    opened.add(index);
    return chunk(index, { role: 'assistant', content: '' });
  }

  function candidateFrames(candidate: Record<string, unknown>, position: number): string {
    const index = typeof candidate['index'] === 'number' ? candidate['index'] : position;
    let out = open(index);
    const { text, toolCalls } = readParts(candidate['content'], newToolCallId);
    if (text !== '') out += chunk(index, { content: text });
    if (toolCalls.length > 0) {
      const first = toolCallCount.get(index) ?? 0;
      toolCallCount.set(index, first + toolCalls.length);
      out += chunk(index, { tool_calls: toolCalls.map((call, offset) => ({ index: first + offset, ...call })) });
    }
    const reason = toOpenAIFinishReason(candidate['finishReason'], (toolCallCount.get(index) ?? 0) > 0);
    if (reason !== null && !finishedChoices.has(index)) {
      finishedChoices.add(index);
      out += chunk(index, {}, reason);
    }
    return out;
  }

  function eventFrames(event: SseEvent): string {
    if (failed || !event.complete || event.data === '') return '';
    let payload: unknown;
    try {
      payload = JSON.parse(event.data);
    } catch {
      return '';
    }
    if (!isRecord(payload)) return '';
    if (isRecord(payload['error'])) {
      failed = true;
      const code = payload['error']['code'];
      return frame(googleErrorToOpenAI(typeof code === 'number' ? code : 500, payload).body);
    }
    usage = toOpenAIUsage(payload['usageMetadata']) ?? usage;
    const candidates = Array.isArray(payload['candidates']) ? payload['candidates'] : [];
    let out = '';
    for (const [position, candidate] of candidates.entries()) {
      if (isRecord(candidate)) out += candidateFrames(candidate, position);
    }
    const feedback = payload['promptFeedback'];
    if (candidates.length === 0 && isRecord(feedback) && feedback['blockReason'] !== undefined && !finishedChoices.has(0)) {
      finishedChoices.add(0);
      out += open(0) + chunk(0, {}, 'content_filter');
    }
    return out;
  }

  function finishedAll(): boolean {
    return opened.size > 0 && [...opened].every((index) => finishedChoices.has(index));
  }

  return {
    push(bytes) {
      let out = '';
      for (const event of splitter.push(bytes)) out += eventFrames(event);
      return out;
    },
    end() {
      let out = '';
      for (const event of splitter.flush()) out += eventFrames(event);
      // `[DONE]` promises a whole answer: a stream that ended before its finish chunk gets none, as Anthropic's translation does.
      if (failed || !finishedAll()) return out;
      if (options.includeUsage && usage !== null) {
        out += frame({ id, object: 'chat.completion.chunk', created, model: options.model, choices: [], usage });
      }
      return `${out}data: [DONE]\n\n`;
    },
    finished: () => !failed && finishedAll(),
    failed: () => failed,
  };
}
