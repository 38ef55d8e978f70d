import { toGeminiSchema } from './json-schema.js';
import { isRecord } from '../../../../shared/json.js';
import { refuse, TranslateErrorCode } from './refusal.js';
import type { GeminiFunctionDeclaration, GeminiToolConfig, Translation } from './types.js';

/** OpenAI `tools` → one Gemini tool with every function declaration. Only function tools translate. */
export function toGeminiTools(tools: unknown): Translation<Array<{ functionDeclarations: GeminiFunctionDeclaration[] }>> {
  if (!Array.isArray(tools)) return refuse('tools', "'tools' must be an array.", TranslateErrorCode.INVALID_VALUE);
  const declarations: GeminiFunctionDeclaration[] = [];
  for (const [index, tool] of tools.entries()) {
    const param = `tools[${index}]`;
    const fn = isRecord(tool) ? tool['function'] : undefined;
    if (!isRecord(tool) || tool['type'] !== 'function' || !isRecord(fn)) {
      return refuse(`${param}.type`, `Only function tools can be sent to Gemini models ('${param}' is not one).`, TranslateErrorCode.UNSUPPORTED_VALUE);
    }
    if (typeof fn['name'] !== 'string' || fn['name'] === '') return refuse(`${param}.function.name`, `'${param}.function.name' is required.`, TranslateErrorCode.MISSING_REQUIRED_PARAMETER);
    const declaration: GeminiFunctionDeclaration = { name: fn['name'] };
    if (typeof fn['description'] === 'string') declaration.description = fn['description'];
    if (fn['parameters'] !== undefined) {
      const schema = toGeminiSchema(fn['parameters']);
      if (!schema.ok) return refuse(`${param}.function.parameters`, `'${param}.function.parameters' cannot be used with Gemini models: ${schema.reason}.`, TranslateErrorCode.UNSUPPORTED_VALUE);
      // Gemini refuses an OBJECT with no properties ("should be non-empty for OBJECT type"); a function without arguments simply has none.
      const properties = schema.schema['properties'];
      if (!(schema.schema['type'] === 'OBJECT' && (!isRecord(properties) || Object.keys(properties).length === 0))) declaration.parameters = schema.schema;
    }
    declarations.push(declaration);
  }
  return { ok: true, value: declarations.length > 0 ? [{ functionDeclarations: declarations }] : [] };
}

/** OpenAI `tool_choice` → Gemini's function calling mode: none → NONE, auto → AUTO, required → ANY, one function → ANY restricted to it. */
export function toGeminiToolConfig(choice: unknown): Translation<GeminiToolConfig> {
  if (choice === 'none') return { ok: true, value: { functionCallingConfig: { mode: 'NONE' } } };
  if (choice === 'auto') return { ok: true, value: { functionCallingConfig: { mode: 'AUTO' } } };
  if (choice === 'required') return { ok: true, value: { functionCallingConfig: { mode: 'ANY' } } };
  const fn = isRecord(choice) ? choice['function'] : undefined;
  if (isRecord(choice) && choice['type'] === 'function' && isRecord(fn) && typeof fn['name'] === 'string') {
    return { ok: true, value: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [fn['name']] } } };
  }
  return refuse('tool_choice', "'tool_choice' must be 'none', 'auto', 'required' or a function for Gemini models.", TranslateErrorCode.UNSUPPORTED_VALUE);
}
