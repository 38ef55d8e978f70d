import { isRecord } from '../../../../shared/json.js';
import { refuse, TranslateErrorCode } from './refusal.js';
import type { GeminiContent, GeminiPart, Translation } from './types.js';

/** OpenAI messages as Gemini sees a conversation: system text apart, turns as user/model contents. */
export interface GeminiConversation {
  contents: GeminiContent[];
  systemInstruction?: { parts: Array<{ text: string }> };
}

/** Image types Gemini reads, by file extension, for `fileData` from an http(s) URL. */
const IMAGE_TYPES: Readonly<Record<string, string>> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
  heic: 'image/heic',
  heif: 'image/heif',
};
const AUDIO_TYPES: Readonly<Record<string, string>> = { wav: 'audio/wav', mp3: 'audio/mp3' };
const DATA_URL = /^data:([\w.+-]+\/[\w.+-]+)(?:;[\w-]+=[^;,]*)*;base64,([A-Za-z0-9+/=\s]*)$/;

/**
 * Converts OpenAI chat messages. `system` and `developer` messages become the system
 * instruction (Gemini has one, so all of them, in order, wherever they stand); `user` and
 * `tool` messages become `user` turns, `assistant` messages `model` turns; neighbouring
 * turns of the same role are merged, which is also how parallel tool results must reach
 * Gemini (all function responses of a turn in one content).
 */
export function toGeminiConversation(messages: unknown): Translation<GeminiConversation> {
  if (!Array.isArray(messages) || messages.length === 0) {
    return refuse('messages', "'messages' must be a non-empty array.", TranslateErrorCode.INVALID_VALUE);
  }
  const system: Array<{ text: string }> = [];
  const contents: GeminiContent[] = [];
  // A tool message names only the call id; the function name Gemini needs is on the assistant's call.
  const callNames = new Map<string, string>();
  for (const [index, message] of messages.entries()) {
    const param = `messages[${index}]`;
    if (!isRecord(message)) return refuse(param, `'${param}' must be an object.`, TranslateErrorCode.INVALID_VALUE);
    const role = message['role'];
    let turn: Translation<GeminiContent | null>;
    if (role === 'system' || role === 'developer') {
      const text = textParts(message['content'], `${param}.content`);
      if (!text.ok) return text;
      system.push(...text.value);
      continue;
    } else if (role === 'user') turn = userTurn(message, param);
    else if (role === 'assistant') turn = assistantTurn(message, param, callNames);
    else if (role === 'tool') turn = toolTurn(message, param, callNames);
    else return refuse(`${param}.role`, `The role '${String(role)}' cannot be sent to Gemini models; use system, developer, user, assistant or tool.`, TranslateErrorCode.UNSUPPORTED_VALUE);
    if (!turn.ok) return turn;
    if (turn.value !== null) append(contents, turn.value);
  }
  return { ok: true, value: { contents, ...(system.length > 0 ? { systemInstruction: { parts: system } } : {}) } };
}

function append(contents: GeminiContent[], turn: GeminiContent): void {
  const last = contents[contents.length - 1];
  if (last !== undefined && last.role === turn.role) last.parts.push(...turn.parts);
  else contents.push(turn);
}

/** A string, or an array of `text` parts (OpenAI allows no other part in system, assistant and tool content). */
function textParts(content: unknown, param: string): Translation<Array<{ text: string }>> {
  if (typeof content === 'string') return { ok: true, value: [{ text: content }] };
  if (content === null || content === undefined) return { ok: true, value: [] };
  if (!Array.isArray(content)) return refuse(param, `'${param}' must be a string or an array of text parts.`, TranslateErrorCode.INVALID_VALUE);
  const parts: Array<{ text: string }> = [];
  for (const [index, part] of content.entries()) {
    if (isRecord(part) && part['type'] === 'text' && typeof part['text'] === 'string') parts.push({ text: part['text'] });
    // A refusal an earlier answer carried is the model's own words; it goes back as text.
    else if (isRecord(part) && part['type'] === 'refusal' && typeof part['refusal'] === 'string') parts.push({ text: part['refusal'] });
    else return refuse(`${param}[${index}]`, `Only text parts are supported in '${param}'.`, TranslateErrorCode.UNSUPPORTED_VALUE);
  }
  return { ok: true, value: parts };
}

function userTurn(message: Record<string, unknown>, param: string): Translation<GeminiContent | null> {
  const content = message['content'];
  if (typeof content === 'string') return { ok: true, value: { role: 'user', parts: [{ text: content }] } };
  if (!Array.isArray(content)) return refuse(`${param}.content`, `'${param}.content' must be a string or an array of content parts.`, TranslateErrorCode.INVALID_VALUE);
  const parts: GeminiPart[] = [];
  for (const [index, part] of content.entries()) {
    const converted = userPart(part, `${param}.content[${index}]`);
    if (!converted.ok) return converted;
    parts.push(converted.value);
  }
  return { ok: true, value: parts.length > 0 ? { role: 'user', parts } : null };
}

function userPart(part: unknown, param: string): Translation<GeminiPart> {
  if (!isRecord(part)) return refuse(param, `'${param}' must be an object.`, TranslateErrorCode.INVALID_VALUE);
  const type = part['type'];
  if (type === 'text' && typeof part['text'] === 'string') return { ok: true, value: { text: part['text'] } };
  if (type === 'image_url') {
    const image = part['image_url'];
    const url = isRecord(image) ? image['url'] : undefined;
    if (typeof url !== 'string') return refuse(`${param}.image_url.url`, `'${param}.image_url.url' must be a string.`, TranslateErrorCode.INVALID_VALUE);
    return imagePart(url, `${param}.image_url.url`);
  }
  if (type === 'input_audio') {
    const audio = isRecord(part['input_audio']) ? part['input_audio'] : {};
    const mimeType = typeof audio['format'] === 'string' ? AUDIO_TYPES[audio['format']] : undefined;
    if (mimeType === undefined) return refuse(`${param}.input_audio.format`, "Audio input must be 'wav' or 'mp3'.", TranslateErrorCode.UNSUPPORTED_VALUE);
    if (typeof audio['data'] !== 'string') return refuse(`${param}.input_audio.data`, 'Audio input must be base64 data.', TranslateErrorCode.INVALID_VALUE);
    return { ok: true, value: { inlineData: { mimeType, data: audio['data'] } } };
  }
  if (type === 'file') {
    const file = isRecord(part['file']) ? part['file'] : {};
    const inline = typeof file['file_data'] === 'string' ? DATA_URL.exec(file['file_data']) : null;
    if (inline?.[1] !== undefined && inline[2] !== undefined) return { ok: true, value: { inlineData: { mimeType: inline[1], data: inline[2].replace(/\s+/g, '') } } };
    // A file_id points into OpenAI's file storage, which Gemini cannot read.
    return refuse(`${param}.file`, 'Files must be sent inline to Gemini models, as file_data with a base64 data URL; file_id is not supported.', TranslateErrorCode.UNSUPPORTED_VALUE);
  }
  return refuse(`${param}.type`, `The content part type '${String(type)}' is not supported for Gemini models.`, TranslateErrorCode.UNSUPPORTED_VALUE);
}

/**
 * A base64 data URL is sent inline. An https URL is passed as `fileData`: since January
 * 2026 the Gemini API fetches public and signed HTTPS URLs itself, so the gateway never
 * downloads the customer's image. Plain http and other schemes are refused: Google
 * documents HTTPS only.
 */
function imagePart(url: string, param: string): Translation<GeminiPart> {
  if (url.startsWith('data:')) {
    const match = DATA_URL.exec(url);
    if (match?.[1] === undefined || match[2] === undefined) return refuse(param, 'Image data URLs must be base64-encoded: data:<mime type>;base64,<data>.', TranslateErrorCode.INVALID_VALUE);
    return { ok: true, value: { inlineData: { mimeType: match[1], data: match[2].replace(/\s+/g, '') } } };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return refuse(param, 'Image URLs must be https URLs or base64 data URLs.', TranslateErrorCode.INVALID_VALUE);
  }
  if (parsed.protocol !== 'https:') {
    return refuse(param, 'Gemini models read images from https URLs or base64 data URLs only.', TranslateErrorCode.UNSUPPORTED_VALUE);
  }
  const extension = /\.([a-z0-9]+)$/i.exec(parsed.pathname)?.[1]?.toLowerCase();
  // Gemini's mimeType is optional for fileData; it is given when the extension says it.
  const mimeType = extension === undefined ? undefined : IMAGE_TYPES[extension];
  return { ok: true, value: { fileData: { fileUri: url, ...(mimeType ? { mimeType } : {}) } } };
}

function assistantTurn(message: Record<string, unknown>, param: string, callNames: Map<string, string>): Translation<GeminiContent | null> {
  if (message['function_call'] !== undefined && message['function_call'] !== null) {
    return refuse(`${param}.function_call`, "The deprecated 'function_call' is not supported for Gemini models; use 'tool_calls'.");
  }
  if (message['audio'] !== undefined && message['audio'] !== null) return refuse(`${param}.audio`, 'Audio is not supported for Gemini models.');
  const text = textParts(message['content'], `${param}.content`);
  if (!text.ok) return text;
  const parts: GeminiPart[] = text.value.filter((part) => part.text !== '');
  const calls = message['tool_calls'];
  if (Array.isArray(calls)) {
    for (const [index, call] of calls.entries()) {
      const converted = functionCallPart(call, `${param}.tool_calls[${index}]`, callNames);
      if (!converted.ok) return converted;
      parts.push(converted.value);
    }
  }
  return { ok: true, value: parts.length > 0 ? { role: 'model', parts } : null };
}

function functionCallPart(call: unknown, param: string, callNames: Map<string, string>): Translation<GeminiPart> {
  const fn = isRecord(call) ? call['function'] : undefined;
  if (!isRecord(call) || call['type'] !== 'function' || !isRecord(fn) || typeof fn['name'] !== 'string') {
    return refuse(param, `'${param}' must be a function tool call with a name.`, TranslateErrorCode.INVALID_VALUE);
  }
  let args: unknown;
  try {
    args = JSON.parse(typeof fn['arguments'] === 'string' && fn['arguments'].trim() !== '' ? fn['arguments'] : '{}');
  } catch {
    return refuse(`${param}.function.arguments`, `'${param}.function.arguments' must be a JSON object.`, TranslateErrorCode.INVALID_VALUE);
  }
  // Gemini's args are a Struct: an object, never a bare value.
  if (!isRecord(args)) return refuse(`${param}.function.arguments`, `'${param}.function.arguments' must be a JSON object.`, TranslateErrorCode.INVALID_VALUE);
  if (typeof call['id'] === 'string') callNames.set(call['id'], fn['name']);
  const extra = call['extra_content'];
  const signature = isRecord(extra) && isRecord(extra['google']) ? extra['google']['thought_signature'] : undefined;
  return { ok: true, value: { functionCall: { name: fn['name'], args }, ...(typeof signature === 'string' ? { thoughtSignature: signature } : {}) } };
}

/**
 * A tool result becomes a `functionResponse`. Its `response` must be a JSON object: a
 * result that is one is passed as is, anything else is wrapped as `{ result: <text> }`.
 */
function toolTurn(message: Record<string, unknown>, param: string, callNames: Map<string, string>): Translation<GeminiContent> {
  const id = message['tool_call_id'];
  const name = typeof id === 'string' ? callNames.get(id) : undefined;
  if (name === undefined) {
    return refuse(`${param}.tool_call_id`, `'${param}.tool_call_id' must be the id of a tool call in an earlier assistant message.`, TranslateErrorCode.INVALID_VALUE);
  }
  const text = textParts(message['content'], `${param}.content`);
  if (!text.ok) return text;
  const output = text.value.map((part) => part.text).join('');
  let response: Record<string, unknown> = { result: output };
  try {
    const parsed: unknown = JSON.parse(output);
    if (isRecord(parsed)) response = parsed;
  } catch {
    // Plain text: wrapped above.
  }
  return { ok: true, value: { role: 'user', parts: [{ functionResponse: { name, response } }] } };
}
