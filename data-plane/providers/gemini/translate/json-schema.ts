import { isRecord } from '../../../../shared/json.js';
import type { GeminiSchema } from './types.js';

/** A converted schema, or why it cannot be expressed for Gemini. */
export type SchemaConversion = { ok: true; schema: GeminiSchema } | { ok: false; reason: string };

// Deep enough for any hand-written or generated tool schema; deeper is a runaway.
const MAX_DEPTH = 32;

/** JSON Schema keywords Gemini's Schema has under the same name and meaning; every other keyword is dropped. */
const KEPT = new Set([
  'title',
  'description',
  'nullable',
  'maxItems',
  'minItems',
  'minProperties',
  'maxProperties',
  'minLength',
  'maxLength',
  'pattern',
  'example',
  'default',
  'minimum',
  'maximum',
  'propertyOrdering',
]);

/** The formats Gemini accepts, per type; others (email, uri, uuid …) are dropped, not refused. */
const FORMATS: Readonly<Record<string, readonly string[]>> = {
  STRING: ['enum', 'date-time'],
  NUMBER: ['float', 'double'],
  INTEGER: ['int32', 'int64'],
};

const TYPES = new Set(['STRING', 'NUMBER', 'INTEGER', 'BOOLEAN', 'ARRAY', 'OBJECT']);

interface Context {
  root: Record<string, unknown>;
  /** `$ref`s being expanded, to refuse recursion instead of expanding forever. */
  expanding: string[];
}

/**
 * Converts a JSON Schema (as OpenAI tools and `json_schema` response formats carry it) to
 * the OpenAPI 3.0 subset Gemini accepts. What maps is mapped: upper-case types, a type
 * list or an `anyOf` with `null` becomes `nullable`, `oneOf` becomes `anyOf`, a string
 * `const` becomes a one-value `enum`, `allOf` is merged, local `$ref`s are inlined.
 * Keywords that only constrain further (`additionalProperties`, `exclusiveMinimum`,
 * `$schema`, `examples`, unsupported formats …) are dropped: the model sees a slightly
 * looser schema, which is better than a 400. Only what cannot be expressed at all (a
 * recursive or unresolvable `$ref`, runaway nesting) is refused.
 */
export function toGeminiSchema(schema: unknown): SchemaConversion {
  if (!isRecord(schema)) return { ok: false, reason: 'a schema must be a JSON object' };
  return convert(schema, { root: schema, expanding: [] }, 0);
}

function convert(input: Record<string, unknown>, ctx: Context, depth: number): SchemaConversion {
  if (depth > MAX_DEPTH) return { ok: false, reason: `schemas nested deeper than ${MAX_DEPTH} levels are not supported` };
  const ref = input['$ref'];
  if (typeof ref === 'string') return expandRef(ref, input, ctx, depth);
  const node = mergeAllOf(input);
  const out: GeminiSchema = {};

  const anyOf = (node['anyOf'] ?? node['oneOf']) as unknown;
  if (Array.isArray(anyOf)) {
    const variants = anyOf.filter((variant) => !(isRecord(variant) && variant['type'] === 'null'));
    if (variants.length < anyOf.length) out['nullable'] = true;
    const converted: GeminiSchema[] = [];
    for (const variant of variants) {
      if (!isRecord(variant)) continue;
      const result = convert(variant, ctx, depth + 1);
      if (!result.ok) return result;
      converted.push(result.schema);
    }
    // One variant left once `null` is out: it is the schema itself, made nullable.
    if (converted.length === 1 && converted[0]) Object.assign(out, converted[0]);
    else if (converted.length > 1) out['anyOf'] = converted;
  }

  const type = gatherType(node['type'], out);
  if (type !== undefined) out['type'] = type;
  for (const [name, value] of Object.entries(node)) {
    if (KEPT.has(name) && value !== undefined && value !== null) out[name] = value;
  }
  applyEnum(node, out);
  const format = node['format'];
  if (typeof format === 'string' && typeof out['type'] === 'string' && FORMATS[out['type']]?.includes(format)) out['format'] = format;

  const items = node['items'];
  if (isRecord(items)) {
    const result = convert(items, ctx, depth + 1);
    if (!result.ok) return result;
    out['items'] = result.schema;
  }
  const properties = node['properties'];
  if (isRecord(properties)) {
    const converted: Record<string, GeminiSchema> = {};
    for (const [name, value] of Object.entries(properties)) {
      if (!isRecord(value)) continue;
      const result = convert(value, ctx, depth + 1);
      if (!result.ok) return result;
      converted[name] = result.schema;
    }
    out['properties'] = converted;
    // Gemini refuses a `required` entry that names no property.
    const required = Array.isArray(node['required']) ? node['required'].filter((name): name is string => typeof name === 'string' && name in converted) : [];
    if (required.length > 0) out['required'] = required;
  }
  return { ok: true, schema: out };
}

/** Upper-cases the type; a list such as `["string", "null"]` becomes the one type plus `nullable`, or an `anyOf`. */
function gatherType(type: unknown, out: GeminiSchema): string | undefined {
  if (typeof type === 'string') {
    if (type === 'null') {
      out['nullable'] = true;
      return undefined;
    }
    return TYPES.has(type.toUpperCase()) ? type.toUpperCase() : undefined;
  }
  if (!Array.isArray(type)) return undefined;
  const names = type.filter((name): name is string => typeof name === 'string');
  if (names.includes('null')) out['nullable'] = true;
  const kinds = names.filter((name) => name !== 'null' && TYPES.has(name.toUpperCase())).map((name) => name.toUpperCase());
  if (kinds.length === 1) return kinds[0];
  if (kinds.length > 1) out['anyOf'] = kinds.map((kind) => ({ type: kind }));
  return undefined;
}

/** Gemini enums are strings only: a string `const` becomes a one-value enum; numeric enums are dropped. */
function applyEnum(node: Record<string, unknown>, out: GeminiSchema): void {
  const values = Array.isArray(node['enum']) ? node['enum'] : typeof node['const'] === 'string' ? [node['const']] : null;
  if (values === null || values.length === 0 || !values.every((value) => typeof value === 'string')) return;
  if (out['type'] !== undefined && out['type'] !== 'STRING') return;
  out['type'] = 'STRING';
  out['enum'] = values;
}

/** Merges `allOf` members into the node: properties and required lists add up, other keywords keep the first value. */
function mergeAllOf(node: Record<string, unknown>): Record<string, unknown> {
  const parts = node['allOf'];
  if (!Array.isArray(parts)) return node;
  const merged: Record<string, unknown> = { ...node };
  delete merged['allOf'];
  for (const part of parts) {
    if (!isRecord(part)) continue;
    const inner = mergeAllOf(part);
    for (const [name, value] of Object.entries(inner)) {
      if (name === 'properties' && isRecord(value)) merged['properties'] = { ...(isRecord(merged['properties']) ? merged['properties'] : {}), ...value };
      else if (name === 'required' && Array.isArray(value)) merged['required'] = [...(Array.isArray(merged['required']) ? merged['required'] : []), ...value];
      else if (!(name in merged)) merged[name] = value;
    }
  }
  return merged;
}

/** Inlines a local `$ref` (`#/$defs/…`, `#/definitions/…`, any JSON pointer into the root); siblings of `$ref` override it. */
function expandRef(ref: string, node: Record<string, unknown>, ctx: Context, depth: number): SchemaConversion {
  if (ctx.expanding.includes(ref)) return { ok: false, reason: `recursive $ref '${ref}' cannot be expressed for Gemini` };
  const target = resolvePointer(ctx.root, ref);
  if (target === null) return { ok: false, reason: `$ref '${ref}' does not resolve to a schema in this document` };
  const { $ref: _ref, ...siblings } = node;
  ctx.expanding.push(ref);
  const result = convert({ ...target, ...siblings }, ctx, depth + 1);
  ctx.expanding.pop();
  return result;
}

function resolvePointer(root: Record<string, unknown>, ref: string): Record<string, unknown> | null {
  if (!ref.startsWith('#')) return null;
  let node: unknown = root;
  for (const raw of ref.slice(1).split('/').slice(1)) {
    const key = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~');
    if (!isRecord(node)) return null;
    node = node[key];
  }
  return isRecord(node) ? node : null;
}
