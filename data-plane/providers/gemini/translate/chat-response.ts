import { randomBytes } from 'node:crypto';
import { tokensFromUsageMetadata, usageMetadataOf } from '../usage.js';
import { isRecord } from '../../../../shared/json.js';
import type { OpenAIChatCompletion, OpenAIChatUsage, OpenAIFinishReason, OpenAIToolCall } from './types.js';

/** What a translated answer needs besides Gemini's body. */
export interface ChatTranslationContext {
  /** The model the client asked for, reported back as OpenAI reports the requested model. */
  model: string;
  /** Unix seconds; defaults to now. */
  created?: number;
  /** Tool call ids (Gemini's calls carry none); injectable so tests are deterministic. */
  newToolCallId?: () => string;
}

/** `call_` and 24 random base64url characters, the shape of OpenAI's tool call ids. */
export function randomToolCallId(): string {
  return `call_${randomBytes(18).toString('base64url')}`;
}

/**
 * Gemini finish reasons in OpenAI's terms. Safety-type stops (SAFETY, RECITATION,
 * BLOCKLIST, PROHIBITED_CONTENT, SPII, IMAGE_SAFETY) are content filtering; anything else
 * that ended the answer (STOP, MALFORMED_FUNCTION_CALL, OTHER …) is a stop. A candidate that
 * called functions finished with tool_calls, though Gemini says STOP.
 */
export function toOpenAIFinishReason(reason: unknown, calledTools: boolean): OpenAIFinishReason | null {
  if (reason === undefined || reason === null) return null;
  if (reason === 'MAX_TOKENS') return 'length';
  if (['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'IMAGE_SAFETY'].includes(String(reason))) return 'content_filter';
  return calledTools ? 'tool_calls' : 'stop';
}

/** OpenAI's usage from Gemini's, by the same convention the usage events use (see usage.ts). */
export function toOpenAIUsage(usageMetadata: unknown): OpenAIChatUsage | null {
  const usage = usageMetadataOf(usageMetadata);
  if (usage === null) return null;
  const tokens = tokensFromUsageMetadata(usage);
  return {
    prompt_tokens: tokens.inputTokens,
    completion_tokens: tokens.outputTokens,
    total_tokens: tokens.inputTokens + tokens.outputTokens,
    prompt_tokens_details: { cached_tokens: tokens.cachedInputTokens },
    completion_tokens_details: { reasoning_tokens: tokens.reasoningTokens },
  };
}

/** Text and tool calls of one candidate's parts. Thought summaries (`thought: true`) are not answer text. */
export function readParts(content: unknown, newToolCallId: () => string): { text: string; toolCalls: OpenAIToolCall[]; hasText: boolean } {
  const parts = isRecord(content) && Array.isArray(content['parts']) ? content['parts'] : [];
  let text = '';
  let hasText = false;
  const toolCalls: OpenAIToolCall[] = [];
  for (const part of parts) {
    if (!isRecord(part) || part['thought'] === true) continue;
    if (typeof part['text'] === 'string') {
      text += part['text'];
      hasText = true;
    }
    const call = part['functionCall'];
    if (isRecord(call) && typeof call['name'] === 'string') {
      const signature = part['thoughtSignature'];
      toolCalls.push({
        id: typeof call['id'] === 'string' && call['id'] !== '' ? call['id'] : newToolCallId(),
        type: 'function',
        function: { name: call['name'], arguments: JSON.stringify(isRecord(call['args']) ? call['args'] : {}) },
        ...(typeof signature === 'string' ? { extra_content: { google: { thought_signature: signature } } } : {}),
      });
    }
  }
  return { text, toolCalls, hasText };
}

/**
 * Translates a Gemini GenerateContentResponse into an OpenAI chat.completion. Each
 * candidate becomes a choice; a prompt Gemini refused outright (`promptFeedback.blockReason`,
 * no candidates) becomes one empty choice finished by content_filter.
 */
export function geminiToOpenAIChat(response: unknown, context: ChatTranslationContext): OpenAIChatCompletion {
  const body = isRecord(response) ? response : {};
  const newId = context.newToolCallId ?? randomToolCallId;
  const candidates = Array.isArray(body['candidates']) ? body['candidates'] : [];
  const choices: OpenAIChatCompletion['choices'] = candidates.map((candidate: unknown, position: number) => {
    const record = isRecord(candidate) ? candidate : {};
    const { text, toolCalls, hasText } = readParts(record['content'], newId);
    return {
      index: typeof record['index'] === 'number' ? record['index'] : position,
      message: {
        role: 'assistant' as const,
        content: hasText ? text : null,
        refusal: null,
        ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
      },
      finish_reason: toOpenAIFinishReason(record['finishReason'], toolCalls.length > 0) ?? 'stop',
      logprobs: null,
    };
  });
  if (choices.length === 0 && isRecord(body['promptFeedback']) && body['promptFeedback']['blockReason'] !== undefined) {
    choices.push({ index: 0, message: { role: 'assistant', content: null, refusal: null }, finish_reason: 'content_filter', logprobs: null });
  }
  const usage = toOpenAIUsage(body['usageMetadata']);
  const responseId = typeof body['responseId'] === 'string' ? body['responseId'] : randomBytes(12).toString('base64url');
  return {
    id: `chatcmpl-${responseId}`,
    object: 'chat.completion',
    created: context.created ?? Math.floor(Date.now() / 1000),
    model: context.model,
    choices,
    ...(usage ? { usage } : {}),
  };
}
