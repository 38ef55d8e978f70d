import { isRecord } from '../../../../shared/json.js';
import { translateMessages } from './request-messages.js';
import { translated, untranslatable, type Translation } from './result.js';
import type { AnthropicMessagesRequest, AnthropicTool, AnthropicToolChoice } from './types.js';

/**
 * `max_tokens` when the OpenAI request sets neither `max_completion_tokens` nor `max_tokens`:
 * Anthropic requires one, OpenAI defaults to "as many as the model allows". 4096 is within
 * the output limit of every Claude model (the smallest, Claude 3 Haiku's, is 4096), so a
 * translated request is never refused for it; callers that know the model's real limit
 * (the catalogue) pass it as `defaultMaxTokens`.
 */
export const DEFAULT_MAX_TOKENS = 4096;

export interface ChatToMessagesOptions {
  /** The model name Anthropic knows, when it differs from the request's public one. */
  model?: string;
  /** `max_tokens` when the request sets none; default {@link DEFAULT_MAX_TOKENS}. */
  defaultMaxTokens?: number;
}

// OpenAI's reasoning_effort → Anthropic's output_config.effort; `none` asks for no effort setting.
const EFFORT: Readonly<Record<string, string | null>> = { none: null, minimal: 'low', low: 'low', medium: 'medium', high: 'high', xhigh: 'xhigh' };

/**
 * Translates an OpenAI chat-completions request body into an Anthropic Messages request.
 * What Anthropic cannot do (several choices, logprobs, audio, penalties, JSON mode without a
 * schema, a temperature above Anthropic's maximum of 1) comes back as a 400 in OpenAI's
 * shape naming the parameter, rather than being silently dropped. Parameters that only
 * tune OpenAI's service (seed, service_tier, store, metadata, prediction) are ignored.
 */
export function chatToMessagesRequest(body: Readonly<Record<string, unknown>>, options: ChatToMessagesOptions = {}): Translation<AnthropicMessagesRequest> {
  const refused = refusedParameter(body);
  if (refused !== null) return refused;
  const model = options.model ?? body['model'];
  if (typeof model !== 'string' || model === '') return untranslatable('model', "'model' must be a non-empty string.", 'invalid_type');
  if (!Array.isArray(body['messages'])) return untranslatable('messages', "'messages' must be an array.", 'invalid_type');
  const conversation = translateMessages(body['messages']);
  if (!conversation.ok) return conversation;

  const maxTokens = body['max_completion_tokens'] ?? body['max_tokens'] ?? options.defaultMaxTokens ?? DEFAULT_MAX_TOKENS;
  if (typeof maxTokens !== 'number') return untranslatable('max_completion_tokens', "'max_completion_tokens' must be an integer.", 'invalid_type');
  const request: AnthropicMessagesRequest = { model, max_tokens: maxTokens, messages: conversation.value.messages };
  const system = conversation.value.system;
  if (system.length === 1 && system[0] !== undefined) request.system = system[0];
  else if (system.length > 1) request.system = system.map((text) => ({ type: 'text', text }));

  const tools = translateTools(body);
  if (!tools.ok) return tools;
  if (tools.value.length > 0) request.tools = tools.value;
  const choice = translateToolChoice(body);
  if (!choice.ok) return choice;
  if (choice.value !== null) request.tool_choice = choice.value;

  const sampling = translateSampling(body, request);
  if (sampling !== null) return sampling;
  if (body['stream'] === true) request.stream = true;
  const user = body['user'] ?? body['safety_identifier'];
  if (typeof user === 'string' && user !== '') request.metadata = { user_id: user };
  return translated(request);
}

/** The first parameter Anthropic has no equivalent for, as a 400; null when there is none. */
function refusedParameter(body: Readonly<Record<string, unknown>>): Translation<never> | null {
  const n = body['n'];
  if (n !== undefined && n !== null && n !== 1) return untranslatable('n', 'Anthropic models return one choice per request: n must be 1.', 'unsupported_value');
  if (body['logprobs'] === true) return untranslatable('logprobs', 'Anthropic models do not return log probabilities.');
  if (body['top_logprobs'] !== undefined && body['top_logprobs'] !== null) return untranslatable('top_logprobs', 'Anthropic models do not return log probabilities.');
  if (body['audio'] != null || (Array.isArray(body['modalities']) && body['modalities'].includes('audio'))) {
    return untranslatable(body['audio'] != null ? 'audio' : 'modalities', 'Anthropic models do not produce audio.');
  }
  for (const name of ['frequency_penalty', 'presence_penalty'] as const) {
    const value = body[name];
    if (value !== undefined && value !== null && value !== 0) return untranslatable(name, `Anthropic models have no ${name.replace('_', ' ')}.`);
  }
  const bias = body['logit_bias'];
  if (isRecord(bias) && Object.keys(bias).length > 0) return untranslatable('logit_bias', 'Anthropic models do not accept a logit bias.');
  if (body['web_search_options'] != null) return untranslatable('web_search_options', "OpenAI's web search cannot be translated; use Anthropic's web search tool on /v1/messages.");
  return null;
}

function translateTools(body: Readonly<Record<string, unknown>>): Translation<AnthropicTool[]> {
  const tools: AnthropicTool[] = [];
  const list = body['tools'] ?? body['functions'];
  const name = body['tools'] != null ? 'tools' : 'functions';
  if (list === undefined || list === null) return translated(tools);
  if (!Array.isArray(list)) return untranslatable(name, `'${name}' must be an array.`, 'invalid_type');
  for (const [index, tool] of list.entries()) {
    const param = `${name}[${index}]`;
    // `tools` entries wrap the function; the legacy `functions` entries are the function.
    if (name === 'tools' && isRecord(tool) && tool['type'] !== 'function') {
      return untranslatable(`${param}.type`, `Tools of type '${String(tool['type'])}' cannot be translated for Anthropic models.`, 'unsupported_value');
    }
    const fn = name === 'tools' && isRecord(tool) ? tool['function'] : tool;
    if (!isRecord(fn) || typeof fn['name'] !== 'string') return untranslatable(param, `'${param}' must be a function with a name.`, 'invalid_type');
    const parameters = fn['parameters'];
    // Anthropic requires an object schema; OpenAI lets a function without parameters take none.
    const schema = isRecord(parameters) ? parameters : { type: 'object', properties: {} };
    tools.push({ name: fn['name'], ...(typeof fn['description'] === 'string' ? { description: fn['description'] } : {}), input_schema: schema });
  }
  return translated(tools);
}

function translateToolChoice(body: Readonly<Record<string, unknown>>): Translation<AnthropicToolChoice | null> {
  const raw = body['tool_choice'] ?? body['function_call'];
  const param = body['tool_choice'] != null ? 'tool_choice' : 'function_call';
  let choice: AnthropicToolChoice | null = null;
  if (raw === 'none') choice = { type: 'none' };
  else if (raw === 'auto') choice = { type: 'auto' };
  else if (raw === 'required') choice = { type: 'any' };
  else if (isRecord(raw)) {
    const fn = param === 'tool_choice' ? raw['function'] : raw;
    const name = isRecord(fn) ? fn['name'] : undefined;
    if (typeof name !== 'string') return untranslatable(param, `'${param}' must name a function.`, 'invalid_type');
    choice = { type: 'tool', name };
  } else if (raw !== undefined && raw !== null) {
    return untranslatable(param, `'${param}' value ${JSON.stringify(raw)} cannot be translated for Anthropic models.`, 'unsupported_value');
  }
  // OpenAI calls tools in parallel unless told not to; Anthropic says so on the tool choice.
  if (body['parallel_tool_calls'] === false && choice?.type !== 'none') choice = { ...(choice ?? { type: 'auto' }), disable_parallel_tool_use: true };
  return translated(choice);
}

/** Sampling and output controls; returns the 400 for a value Anthropic cannot take, else null. */
function translateSampling(body: Readonly<Record<string, unknown>>, request: AnthropicMessagesRequest): Translation<never> | null {
  const temperature = body['temperature'];
  if (typeof temperature === 'number') {
    // OpenAI's range is 0–2, Anthropic's 0–1: rescaling would change the meaning of every value.
    if (temperature > 1) return untranslatable('temperature', 'Anthropic models accept a temperature from 0 to 1.', 'unsupported_value');
    request.temperature = temperature;
  }
  if (typeof body['top_p'] === 'number') request.top_p = body['top_p'];
  const stop = body['stop'];
  if (typeof stop === 'string') request.stop_sequences = [stop];
  else if (Array.isArray(stop) && stop.length > 0) request.stop_sequences = stop.filter((s): s is string => typeof s === 'string');

  const format = body['response_format'];
  if (isRecord(format) && format['type'] === 'json_schema') {
    const schema = isRecord(format['json_schema']) ? format['json_schema']['schema'] : undefined;
    if (!isRecord(schema)) return untranslatable('response_format.json_schema.schema', "'response_format.json_schema.schema' must be a JSON schema object.", 'invalid_type');
    request.output_config = { format: { type: 'json_schema', schema } };
  } else if (isRecord(format) && format['type'] !== 'text') {
    return untranslatable('response_format', `response_format '${String(format['type'])}' cannot be translated; Anthropic needs a JSON schema (json_schema).`, 'unsupported_value');
  }
  const effort = body['reasoning_effort'];
  if (typeof effort === 'string') {
    if (!(effort in EFFORT)) return untranslatable('reasoning_effort', `reasoning_effort '${effort}' cannot be translated for Anthropic models.`, 'unsupported_value');
    const mapped = EFFORT[effort];
    if (mapped) request.output_config = { ...request.output_config, effort: mapped };
  }
  return null;
}
