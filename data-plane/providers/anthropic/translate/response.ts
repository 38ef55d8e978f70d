import type { AnthropicMessage, AnthropicUsageReport, OpenAIChatCompletion, OpenAIFinishReason, OpenAIToolCall, OpenAIUsage } from './types.js';

export interface MessageToChatOptions {
  /** The model name to report, when the client asked by another (public) name. */
  model?: string;
  /** Unix seconds for `created` (Anthropic's Message has no timestamp); default now. */
  created?: number;
}

/**
 * Anthropic's stop_reason as OpenAI's finish_reason. A refusal is OpenAI's content filter;
 * hitting the context window is a length stop; `pause_turn` (a server tool paused the turn)
 * and anything new are reported as a plain stop.
 */
export function finishReasonFor(stopReason: string | null | undefined): OpenAIFinishReason {
  switch (stopReason) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      return 'stop';
  }
}

/**
 * Anthropic's usage in OpenAI's shape: `prompt_tokens` is all input, cache reads and writes
 * included (OpenAI's prompt_tokens includes its cached part), cache reads are the cached
 * tokens, and thinking (when reported) is the reasoning part of the completion tokens.
 */
export function openAIUsageFor(usage: AnthropicUsageReport | undefined): OpenAIUsage {
  const cached = count(usage?.cache_read_input_tokens);
  const prompt = count(usage?.input_tokens) + cached + count(usage?.cache_creation_input_tokens);
  const completion = count(usage?.output_tokens);
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: cached },
    completion_tokens_details: { reasoning_tokens: count(usage?.output_tokens_details?.thinking_tokens) },
  };
}

/**
 * Translates a non-streamed Anthropic Message into an OpenAI `chat.completion`: text blocks
 * joined into `content` (null when there is none, as OpenAI sends beside tool calls),
 * `tool_use` blocks as `tool_calls` with JSON-string arguments. Thinking blocks are dropped:
 * chat completions have no place for them.
 */
export function messageToChatCompletion(message: AnthropicMessage, options: MessageToChatOptions = {}): OpenAIChatCompletion {
  let text: string | null = null;
  const toolCalls: OpenAIToolCall[] = [];
  for (const block of message.content) {
    if (block.type === 'text' && typeof block['text'] === 'string') text = (text ?? '') + block['text'];
    else if (block.type === 'tool_use' && typeof block['id'] === 'string' && typeof block['name'] === 'string') {
      toolCalls.push({ id: block['id'], type: 'function', function: { name: block['name'], arguments: JSON.stringify(block['input'] ?? {}) } });
    }
  }
  return {
    id: message.id,
    object: 'chat.completion',
    created: options.created ?? Math.floor(Date.now() / 1000),
    model: options.model ?? message.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: text, refusal: null, ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}) },
        logprobs: null,
        finish_reason: finishReasonFor(message.stop_reason),
      },
    ],
    usage: openAIUsageFor(message.usage),
  };
}

function count(value: number | null | undefined): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}
