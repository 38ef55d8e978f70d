import { toGeminiSchema } from './json-schema.js';
import { toGeminiConversation } from './messages.js';
import { isRecord } from '../../../../shared/json.js';
import { refuse, TranslateErrorCode } from './refusal.js';
import { toGeminiToolConfig, toGeminiTools } from './tools.js';
import type { GeminiGenerationConfig, GenerateContentRequest, Translation } from './types.js';

/** An OpenAI chat-completions request, translated for Gemini. */
export interface GeminiChatRequest {
  /** The model the client named (a public name; the catalogue maps it to Gemini's). */
  model: string;
  stream: boolean;
  /** `stream_options.include_usage`: the translated stream must end with a usage chunk. */
  includeUsage: boolean;
  /** The body for `generateContent` / `streamGenerateContent?alt=sse`. */
  request: GenerateContentRequest;
}

/**
 * Parameters with no effect on what the model generates, or none Gemini could honour
 * differently: accepted and left out. `parallel_tool_calls` cannot be enforced (Gemini
 * decides), so it is accepted either way rather than failing clients that always send it.
 */
const IGNORED = new Set(['user', 'metadata', 'store', 'service_tier', 'safety_identifier', 'prompt_cache_key', 'parallel_tool_calls', 'stream_options']);

/** Parameters Gemini has no equivalent for, with the reason the 400 gives. */
const UNTRANSLATABLE: Readonly<Record<string, string>> = {
  logprobs: 'Log probabilities are not available for Gemini models through this API.',
  top_logprobs: 'Log probabilities are not available for Gemini models through this API.',
  audio: 'Audio output is not supported for Gemini models.',
  logit_bias: 'logit_bias is not supported for Gemini models.',
  prediction: 'Predicted outputs are not supported for Gemini models.',
  web_search_options: 'web_search_options is not supported for Gemini models.',
  functions: "The deprecated 'functions' is not supported for Gemini models; use 'tools'.",
  function_call: "The deprecated 'function_call' is not supported for Gemini models; use 'tool_choice'.",
};

/** Google's own OpenAI-compatible endpoint maps reasoning_effort to these thinking budgets. */
const THINKING_BUDGETS: Readonly<Record<string, number>> = { none: 0, minimal: 1024, low: 1024, medium: 8192, high: 24576 };

/**
 * Translates an OpenAI chat-completions request body into a Gemini generateContent
 * request. Anything that cannot be carried over faithfully is a 400 naming the parameter,
 * never silently dropped; an unknown parameter is refused as OpenAI itself refuses one.
 */
export function openAIChatToGemini(body: unknown): Translation<GeminiChatRequest> {
  if (!isRecord(body)) return refuse('', 'The request body must be a JSON object.', TranslateErrorCode.INVALID_VALUE);
  const model = body['model'];
  if (typeof model !== 'string' || model === '') return refuse('model', "Missing required parameter: 'model'.", TranslateErrorCode.MISSING_REQUIRED_PARAMETER);
  const conversation = toGeminiConversation(body['messages']);
  if (!conversation.ok) return conversation;
  const request: GenerateContentRequest = { ...conversation.value };
  const config: GeminiGenerationConfig = {};

  for (const [name, value] of Object.entries(body)) {
    if (value === undefined || value === null || name === 'model' || name === 'messages' || name === 'stream' || IGNORED.has(name)) continue;
    const step = applyParameter(name, value, request, config);
    if (!step.ok) return step;
  }
  if (Object.keys(config).length > 0) request.generationConfig = config;
  const options = body['stream_options'];
  return {
    ok: true,
    value: { model, stream: body['stream'] === true, includeUsage: isRecord(options) && options['include_usage'] === true, request },
  };
}

function applyParameter(name: string, value: unknown, request: GenerateContentRequest, config: GeminiGenerationConfig): Translation<null> {
  const done: Translation<null> = { ok: true, value: null };
  switch (name) {
    case 'max_tokens':
    case 'max_completion_tokens':
      if (!isPositiveInt(value)) return refuse(name, `'${name}' must be a positive integer.`, TranslateErrorCode.INVALID_VALUE);
      config.maxOutputTokens = value;
      return done;
    case 'temperature':
    case 'top_p':
    case 'presence_penalty':
    case 'frequency_penalty':
    case 'seed': {
      if (typeof value !== 'number' || !Number.isFinite(value)) return refuse(name, `'${name}' must be a number.`, TranslateErrorCode.INVALID_VALUE);
      const field = ({ temperature: 'temperature', top_p: 'topP', presence_penalty: 'presencePenalty', frequency_penalty: 'frequencyPenalty', seed: 'seed' } as const)[name];
      config[field] = value;
      return done;
    }
    case 'stop': {
      const stops = typeof value === 'string' ? [value] : value;
      if (!Array.isArray(stops) || !stops.every((stop) => typeof stop === 'string')) return refuse(name, "'stop' must be a string or an array of strings.", TranslateErrorCode.INVALID_VALUE);
      config.stopSequences = stops;
      return done;
    }
    case 'n':
      return value === 1 ? done : refuse(name, 'Only one choice (n: 1) can be generated by Gemini models through this API.', TranslateErrorCode.UNSUPPORTED_VALUE);
    case 'modalities':
      return Array.isArray(value) && value.every((modality) => modality === 'text') ? done : refuse(name, 'Only text output is supported for Gemini models.', TranslateErrorCode.UNSUPPORTED_VALUE);
    case 'reasoning_effort': {
      const budget = typeof value === 'string' ? THINKING_BUDGETS[value] : undefined;
      if (budget === undefined) return refuse(name, "'reasoning_effort' must be none, minimal, low, medium or high.", TranslateErrorCode.INVALID_VALUE);
      config.thinkingConfig = { thinkingBudget: budget };
      return done;
    }
    case 'response_format':
      return applyResponseFormat(value, config);
    case 'tools': {
      const tools = toGeminiTools(value);
      if (!tools.ok) return tools;
      if (tools.value.length > 0) request.tools = tools.value;
      return done;
    }
    case 'tool_choice': {
      const toolConfig = toGeminiToolConfig(value);
      if (!toolConfig.ok) return toolConfig;
      request.toolConfig = toolConfig.value;
      return done;
    }
    case 'logprobs':
      // `logprobs: false` asks for nothing.
      return value === false ? done : refuse(name, UNTRANSLATABLE[name] ?? '');
    default: {
      const reason = UNTRANSLATABLE[name];
      return refuse(name, reason ?? `Unrecognized request argument supplied: ${name}`);
    }
  }
}

function applyResponseFormat(value: unknown, config: GeminiGenerationConfig): Translation<null> {
  const type = isRecord(value) ? value['type'] : undefined;
  if (type === 'text') return { ok: true, value: null };
  if (type === 'json_object') {
    config.responseMimeType = 'application/json';
    return { ok: true, value: null };
  }
  const spec = isRecord(value) ? value['json_schema'] : undefined;
  if (type === 'json_schema' && isRecord(spec)) {
    config.responseMimeType = 'application/json';
    if (spec['schema'] === undefined) return { ok: true, value: null };
    const schema = toGeminiSchema(spec['schema']);
    if (!schema.ok) return refuse('response_format.json_schema.schema', `This schema cannot be used with Gemini models: ${schema.reason}.`, TranslateErrorCode.UNSUPPORTED_VALUE);
    config.responseSchema = schema.schema;
    return { ok: true, value: null };
  }
  return refuse('response_format', "'response_format' must be text, json_object or json_schema.", TranslateErrorCode.UNSUPPORTED_VALUE);
}

function isPositiveInt(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0;
}
