// OpenAI wire shapes of the simulated provider: deterministic replies and token counts, so
// a first run without any provider key shows the whole pipeline (streaming, usage) working.
import { randomBytes } from 'node:crypto';

export const SIMULATED_PROVIDER = 'simulated';

// A fixed creation time keeps /v1/models byte-identical across runs.
const CREATED = 1_767_225_600;

export const SIMULATED_MODELS = [
  { id: 'simulated-gpt', object: 'model', created: CREATED, owned_by: 'tokenbyte-simulated' },
  { id: 'simulated-gpt-mini', object: 'model', created: CREATED, owned_by: 'tokenbyte-simulated' },
] as const;

export const SIMULATED_REPLY =
  'This is a simulated reply from TokenByte: no model was called, because no upstream provider is configured. ' +
  'Set OPENAI_API_KEY to forward requests to OpenAI.';

export interface SimulatedUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number };
  completion_tokens_details: { reasoning_tokens: number };
}

/** Everything needed to render one simulated completion, streamed or not. */
export interface SimulatedPlan {
  id: string;
  created: number;
  model: string;
  /** Word pieces with their leading space; each is one completion token and one stream chunk. */
  pieces: string[];
  finishReason: 'stop' | 'length';
  usage: SimulatedUsage;
}

/** The reply's pieces: words with their leading whitespace, so joining them gives the text back. */
export const SIMULATED_PIECES: readonly string[] = SIMULATED_REPLY.match(/\s*\S+/g) ?? [SIMULATED_REPLY];

/**
 * Prompt tokens: per message, 3 for the framing plus one per four characters of text,
 * the same rule of thumb the gateway uses for estimates. Deterministic by design.
 */
export function simulatedPromptTokens(messages: readonly unknown[]): number {
  let tokens = 0;
  for (const message of messages) {
    const content = typeof message === 'object' && message !== null ? (message as Record<string, unknown>)['content'] : undefined;
    let chars = 0;
    if (typeof content === 'string') chars = content.length;
    else if (Array.isArray(content)) {
      for (const part of content) {
        const text = typeof part === 'object' && part !== null ? (part as Record<string, unknown>)['text'] : undefined;
        if (typeof text === 'string') chars += text.length;
      }
    }
    tokens += 3 + Math.ceil(chars / 4);
  }
  return tokens;
}

export function simulatedPlan(model: string, messages: readonly unknown[], maxTokens: number | undefined): SimulatedPlan {
  const limited = maxTokens !== undefined && maxTokens < SIMULATED_PIECES.length;
  const pieces = limited ? SIMULATED_PIECES.slice(0, maxTokens) : [...SIMULATED_PIECES];
  const prompt = simulatedPromptTokens(messages);
  return {
    id: `chatcmpl-sim${randomBytes(12).toString('hex')}`,
    created: Math.floor(Date.now() / 1000),
    model,
    pieces,
    finishReason: limited ? 'length' : 'stop',
    usage: {
      prompt_tokens: prompt,
      completion_tokens: pieces.length,
      total_tokens: prompt + pieces.length,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0 },
    },
  };
}

export function completionBody(plan: SimulatedPlan): Record<string, unknown> {
  return {
    id: plan.id,
    object: 'chat.completion',
    created: plan.created,
    model: plan.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: plan.pieces.join(''), refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: plan.finishReason,
      },
    ],
    usage: plan.usage,
  };
}

/**
 * The stream's JSON chunks, as OpenAI sends them: a role chunk, one chunk per piece, a
 * finish chunk and, only with include_usage, `usage: null` on each of those plus a final
 * usage chunk with no choices.
 */
export function completionChunks(plan: SimulatedPlan, includeUsage: boolean): Array<Record<string, unknown>> {
  const chunk = (choices: unknown[], usage: SimulatedUsage | null = null): Record<string, unknown> => ({
    id: plan.id,
    object: 'chat.completion.chunk',
    created: plan.created,
    model: plan.model,
    choices,
    ...(includeUsage ? { usage } : {}),
  });
  const choice = (delta: Record<string, unknown>, finishReason: string | null = null) => ({ index: 0, delta, logprobs: null, finish_reason: finishReason });
  const chunks = [chunk([choice({ role: 'assistant', content: '', refusal: null })])];
  for (const piece of plan.pieces) chunks.push(chunk([choice({ content: piece })]));
  chunks.push(chunk([choice({}, plan.finishReason)]));
  if (includeUsage) chunks.push(chunk([], plan.usage));
  return chunks;
}
