import { createSseEventSplitter, type SseEvent } from '../../../proxy/sse.js';
import { anthropicStreamErrorToOpenAI } from './error.js';
import { finishReasonFor, openAIUsageFor } from './response.js';
import type { AnthropicUsageReport } from './types.js';
import { parseJsonObject } from '../../../../shared/json.js';

export interface StreamTranslatorOptions {
  /** The client set `stream_options.include_usage`: every chunk carries `usage: null` and a usage chunk ends the stream. */
  includeUsage: boolean;
  /** The model name to report, when the client asked by another (public) name. */
  model?: string;
  /** Unix seconds for every chunk's `created`; default: when the stream started. */
  created?: number;
}

/** Incremental translator returned by {@link createChatStreamTranslator}. */
export interface ChatStreamTranslator {
  /** Feeds Anthropic SSE bytes (cut anywhere); returns the OpenAI SSE bytes they complete, possibly none. */
  push(chunk: Uint8Array): Uint8Array;
  /** Ends the input; returns what an unterminated last event still yields. */
  flush(): Uint8Array;
  /** True once `data: [DONE]` was produced (Anthropic's message_stop arrived). */
  done(): boolean;
}

const encoder = new TextEncoder();
const EMPTY = new Uint8Array(0);

/**
 * Translates an Anthropic Messages SSE stream into OpenAI `chat.completion.chunk` SSE, event
 * by event as the bytes arrive: a role chunk on message_start, a content chunk per text
 * delta, for each tool_use block a chunk with its index, id and name and then one per
 * `input_json_delta` fragment, a finish_reason chunk on message_delta, and on message_stop
 * the usage chunk (when asked for) and `data: [DONE]`. Every frame is `data: {json}\n\n`.
 * An Anthropic `error` event becomes OpenAI's `data: {"error":{...}}`. Pings, thinking and
 * signature deltas have no OpenAI equivalent and produce nothing.
 */
export function createChatStreamTranslator(options: StreamTranslatorOptions): ChatStreamTranslator {
  const splitter = createSseEventSplitter();
  const created = options.created ?? Math.floor(Date.now() / 1000);
  let id = '';
  let model = options.model ?? '';
  let usage: AnthropicUsageReport = {};
  let finished = false;
  // Anthropic numbers content blocks; OpenAI numbers tool calls. Block index → tool call index.
  const toolIndex = new Map<number, number>();

  const frame = (payload: unknown): string => `data: ${JSON.stringify(payload)}\n\n`;
  const chunk = (delta: Record<string, unknown>, finishReason: string | null = null): string =>
    frame({
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
      ...(options.includeUsage ? { usage: null } : {}),
    });

  function translate(event: SseEvent): string {
    const data = parseJsonObject(event.data);
    switch (event.event ?? data?.['type']) {
      case 'message_start': {
        const message = record(data?.['message']);
        id = typeof message['id'] === 'string' ? message['id'] : id;
        if (options.model === undefined && typeof message['model'] === 'string') model = message['model'];
        usage = { ...usage, ...record(message['usage']) };
        return chunk({ role: 'assistant', content: '' });
      }
      case 'content_block_start': {
        const block = record(data?.['content_block']);
        const index = Number(data?.['index']);
        if (block['type'] === 'tool_use') {
          const call = toolIndex.size;
          toolIndex.set(index, call);
          return chunk({ tool_calls: [{ index: call, id: block['id'], type: 'function', function: { name: block['name'], arguments: '' } }] });
        }
        if (block['type'] === 'text' && typeof block['text'] === 'string' && block['text'] !== '') return chunk({ content: block['text'] });
        return '';
      }
      case 'content_block_delta': {
        const delta = record(data?.['delta']);
        if (delta['type'] === 'text_delta' && typeof delta['text'] === 'string') return chunk({ content: delta['text'] });
        const call = toolIndex.get(Number(data?.['index']));
        if (delta['type'] === 'input_json_delta' && call !== undefined && typeof delta['partial_json'] === 'string' && delta['partial_json'] !== '') {
          return chunk({ tool_calls: [{ index: call, function: { arguments: delta['partial_json'] } }] });
        }
        return '';
      }
      case 'message_delta': {
        // Later counts are cumulative totals: present ones replace the earlier report.
        for (const [name, value] of Object.entries(record(data?.['usage']))) if (value !== null && value !== undefined) usage = { ...usage, [name]: value };
        return chunk({}, finishReasonFor(record(data?.['delta'])['stop_reason'] as string | null | undefined));
      }
      case 'message_stop': {
        finished = true;
        const usageChunk = options.includeUsage ? frame({ id, object: 'chat.completion.chunk', created, model, choices: [], usage: openAIUsageFor(usage) }) : '';
        return `${usageChunk}data: [DONE]\n\n`;
      }
      case 'error':
        return frame(anthropicStreamErrorToOpenAI(event.data));
      default:
        return '';
    }
  }

  const run = (events: SseEvent[]): Uint8Array => {
    let out = '';
    for (const event of events) out += translate(event);
    return out === '' ? EMPTY : encoder.encode(out);
  };
  return {
    push: (bytes) => run(splitter.push(bytes)),
    // An unterminated event is not an event (the SSE spec discards it), so it yields nothing.
    flush: () => run(splitter.flush().filter((event) => event.complete)),
    done: () => finished,
  };
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
