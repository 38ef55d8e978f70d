import { translated, untranslatable, type Translation } from './result.js';
import type { AnthropicBlockParam } from './types.js';
import { isRecord } from '../../../../shared/json.js';

// The image types Anthropic accepts as base64 sources.
const IMAGE_MEDIA_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);
const DATA_URL = /^data:([^;,]+)((?:;[^;,]+)*);base64,(.*)$/s;

/**
 * An OpenAI message `content` (a string or an array of parts) as Anthropic blocks, for a
 * `user` message when `allowMedia`, else (system, assistant) text only. `param` names the
 * content in errors, e.g. `messages[2].content`. Empty texts are dropped: Anthropic refuses
 * empty text blocks, and OpenAI clients send `""` beside tool calls.
 */
export function contentBlocks(content: unknown, param: string, allowMedia: boolean): Translation<AnthropicBlockParam[]> {
  if (content === null || content === undefined) return translated([]);
  if (typeof content === 'string') return translated(content === '' ? [] : [{ type: 'text', text: content }]);
  if (!Array.isArray(content)) return untranslatable(param, `'${param}' must be a string or an array of content parts.`, 'invalid_type');
  const blocks: AnthropicBlockParam[] = [];
  for (const [index, part] of content.entries()) {
    const block = partBlock(part, `${param}[${index}]`, allowMedia);
    if (!block.ok) return block;
    if (block.value !== null) blocks.push(block.value);
  }
  return translated(blocks);
}

/** The plain text of a content, for `system` and tool results, which are text only here. */
export function contentText(content: unknown, param: string): Translation<string[]> {
  const blocks = contentBlocks(content, param, false);
  if (!blocks.ok) return blocks;
  return translated(blocks.value.flatMap((block) => (block.type === 'text' ? [block.text] : [])));
}

function partBlock(part: unknown, param: string, allowMedia: boolean): Translation<AnthropicBlockParam | null> {
  if (!isRecord(part)) return untranslatable(param, `'${param}' must be a content part object.`, 'invalid_type');
  const type = part['type'];
  // `refusal` parts are an assistant's earlier refusal text: Anthropic keeps it as text.
  if (type === 'text' || type === 'refusal') {
    const text = part[type];
    if (typeof text !== 'string') return untranslatable(`${param}.${type}`, `'${param}.${type}' must be a string.`, 'invalid_type');
    return translated(text === '' ? null : { type: 'text', text });
  }
  if (!allowMedia) return untranslatable(param, `Content parts of type '${String(type)}' are only translatable in user messages.`);
  if (type === 'image_url') return imageBlock(part['image_url'], `${param}.image_url`);
  if (type === 'file') return fileBlock(part['file'], `${param}.file`);
  if (type === 'input_audio') return untranslatable(param, 'Audio input cannot be translated for Anthropic models, which do not accept audio.');
  return untranslatable(param, `Content parts of type '${String(type)}' cannot be translated for Anthropic models.`);
}

/** An `image_url` part: an http(s) URL becomes a `url` source, a base64 data URL a `base64` one. */
function imageBlock(image: unknown, param: string): Translation<AnthropicBlockParam> {
  const url = typeof image === 'string' ? image : isRecord(image) ? image['url'] : undefined;
  if (typeof url !== 'string') return untranslatable(`${param}.url`, `'${param}.url' must be a string.`, 'invalid_type');
  if (/^https?:\/\//i.test(url)) return translated({ type: 'image', source: { type: 'url', url } });
  const data = DATA_URL.exec(url);
  if (data === null) return untranslatable(`${param}.url`, 'Images must be an http(s) URL or a base64 data URL.', 'unsupported_value');
  const mediaType = (data[1] ?? '').toLowerCase();
  if (!IMAGE_MEDIA_TYPES.has(mediaType)) {
    return untranslatable(`${param}.url`, `Images of type '${mediaType}' cannot be translated: Anthropic accepts JPEG, PNG, GIF and WebP.`, 'unsupported_value');
  }
  return translated({ type: 'image', source: { type: 'base64', media_type: mediaType, data: data[3] ?? '' } });
}

/** A `file` part: an inline PDF becomes a `document` block; uploaded file ids live at OpenAI only. */
function fileBlock(file: unknown, param: string): Translation<AnthropicBlockParam> {
  const fileData = isRecord(file) ? file['file_data'] : undefined;
  const data = typeof fileData === 'string' ? DATA_URL.exec(fileData) : null;
  if (data === null || (data[1] ?? '').toLowerCase() !== 'application/pdf') {
    return untranslatable(param, 'Only inline PDF files (file_data as a base64 data URL) can be translated for Anthropic models; file ids are OpenAI-only.');
  }
  const filename = isRecord(file) && typeof file['filename'] === 'string' ? { title: file['filename'] } : {};
  return translated({ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: data[3] ?? '' }, ...filename });
}

