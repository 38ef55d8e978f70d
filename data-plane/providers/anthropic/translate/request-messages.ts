import { isRecord } from '../../../../shared/json.js';
import { contentBlocks, contentText } from './request-content.js';
import { translated, untranslatable, type Translation } from './result.js';
import type { AnthropicBlockParam, AnthropicMessageParam } from './types.js';

export interface TranslatedConversation {
  /** The system and developer messages' texts, in order. */
  system: string[];
  messages: AnthropicMessageParam[];
}

/**
 * OpenAI chat `messages` as Anthropic's `system` plus alternating turns:
 * - system/developer messages are hoisted into `system` (Anthropic has no system turns);
 * - assistant `tool_calls` (and the legacy `function_call`) become `tool_use` blocks;
 * - `tool` (and legacy `function`) messages become `tool_result` blocks in a user turn;
 * - consecutive turns of one role are merged into one, so a run of tool results lands in a
 *   single user turn ahead of any user text that follows, as Anthropic requires.
 */
export function translateMessages(messages: readonly unknown[]): Translation<TranslatedConversation> {
  const system: string[] = [];
  const turns: AnthropicMessageParam[] = [];
  // The legacy function-calling API has no call ids: pair calls and results by name, in order.
  const legacyCalls = new Map<string, string[]>();
  let legacyCount = 0;
  const push = (role: 'user' | 'assistant', blocks: AnthropicBlockParam[]): void => {
    if (blocks.length === 0) return;
    const last = turns[turns.length - 1];
    if (last?.role === role) last.content.push(...blocks);
    else turns.push({ role, content: blocks });
  };

  for (const [index, message] of messages.entries()) {
    const param = `messages[${index}]`;
    if (!isRecord(message)) return untranslatable(param, `'${param}' must be a message object.`, 'invalid_type');
    const role = message['role'];
    if (role === 'system' || role === 'developer') {
      const texts = contentText(message['content'], `${param}.content`);
      if (!texts.ok) return texts;
      system.push(...texts.value);
    } else if (role === 'user') {
      const blocks = contentBlocks(message['content'], `${param}.content`, true);
      if (!blocks.ok) return blocks;
      push('user', blocks.value);
    } else if (role === 'assistant') {
      const legacyId = `call_legacy_${legacyCount++}`;
      const blocks = assistantBlocks(message, param, legacyId);
      if (!blocks.ok) return blocks;
      const legacy = blocks.value.find((block) => block.type === 'tool_use' && block.id === legacyId);
      if (legacy?.type === 'tool_use') legacyCalls.set(legacy.name, [...(legacyCalls.get(legacy.name) ?? []), legacyId]);
      push('assistant', blocks.value);
    } else if (role === 'tool' || role === 'function') {
      const id = role === 'tool' ? message['tool_call_id'] : legacyCalls.get(String(message['name']))?.shift();
      if (typeof id !== 'string') {
        const missing = role === 'tool' ? `${param}.tool_call_id` : `${param}.name`;
        return untranslatable(missing, role === 'tool' ? `'${missing}' must be a string.` : `'${param}' answers no earlier function_call of that name.`, 'invalid_type');
      }
      const texts = contentText(message['content'], `${param}.content`);
      if (!texts.ok) return texts;
      push('user', [{ type: 'tool_result', tool_use_id: id, content: texts.value.join('') }]);
    } else {
      return untranslatable(`${param}.role`, `Messages with role '${String(role)}' cannot be translated for Anthropic models.`, 'unsupported_value');
    }
  }
  return translated({ system, messages: turns });
}

/** An assistant message's text, then its tool calls as `tool_use` blocks with parsed JSON input. */
function assistantBlocks(message: Record<string, unknown>, param: string, legacyId: string): Translation<AnthropicBlockParam[]> {
  if (message['audio'] != null) return untranslatable(`${param}.audio`, 'Assistant audio cannot be translated for Anthropic models.');
  const text = contentBlocks(message['content'], `${param}.content`, false);
  if (!text.ok) return text;
  const blocks: AnthropicBlockParam[] = [...text.value];
  const toolCalls = message['tool_calls'];
  if (toolCalls !== undefined && toolCalls !== null && !Array.isArray(toolCalls)) {
    return untranslatable(`${param}.tool_calls`, `'${param}.tool_calls' must be an array.`, 'invalid_type');
  }
  for (const [index, call] of (toolCalls ?? []).entries()) {
    const callParam = `${param}.tool_calls[${index}]`;
    if (!isRecord(call) || !isRecord(call['function']) || typeof call['id'] !== 'string') {
      return untranslatable(callParam, `'${callParam}' must have an id and a function.`, 'invalid_type');
    }
    if (call['type'] !== undefined && call['type'] !== 'function') {
      return untranslatable(`${callParam}.type`, `Tool calls of type '${String(call['type'])}' cannot be translated for Anthropic models.`, 'unsupported_value');
    }
    const use = toolUse(call['id'], call['function'], `${callParam}.function`);
    if (!use.ok) return use;
    blocks.push(use.value);
  }
  const legacy = message['function_call'];
  if (isRecord(legacy)) {
    const use = toolUse(legacyId, legacy, `${param}.function_call`);
    if (!use.ok) return use;
    blocks.push(use.value);
  }
  return translated(blocks);
}

/** A function call's JSON-string arguments as a `tool_use` block's object input. */
function toolUse(id: string, fn: Record<string, unknown>, param: string): Translation<AnthropicBlockParam> {
  const name = fn['name'];
  if (typeof name !== 'string') return untranslatable(`${param}.name`, `'${param}.name' must be a string.`, 'invalid_type');
  const args = fn['arguments'];
  let input: unknown = {};
  if (typeof args === 'string' && args.trim() !== '') {
    try {
      input = JSON.parse(args);
    } catch {
      return untranslatable(`${param}.arguments`, `'${param}.arguments' is not valid JSON; Anthropic needs tool inputs as JSON objects.`, 'unsupported_value');
    }
  }
  if (!isRecord(input)) {
    return untranslatable(`${param}.arguments`, `'${param}.arguments' must encode a JSON object; Anthropic tool inputs are objects.`, 'unsupported_value');
  }
  return translated({ type: 'tool_use', id, name, input });
}
