// JSON Schema → Gemini's Schema subset: what maps is mapped, what only constrains is dropped,
// what cannot be expressed is refused with a reason.
import { describe, expect, it } from 'vitest';
import { toGeminiSchema } from '../../../../../data-plane/providers/gemini/translate/json-schema.js';

describe('toGeminiSchema', () => {
  it('upper-cases types, keeps supported keywords and drops unsupported ones', () => {
    const result = toGeminiSchema({
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      additionalProperties: false,
      properties: {
        city: { type: 'string', description: 'City name', minLength: 1, format: 'hostname', examples: ['Paris'] },
        when: { type: 'string', format: 'date-time' },
        days: { type: 'integer', minimum: 1, maximum: 7, exclusiveMaximum: 8, format: 'int32' },
        tags: { type: 'array', items: { type: 'string' }, maxItems: 3, uniqueItems: true },
      },
      required: ['city', 'ghost'],
    });
    expect(result).toEqual({
      ok: true,
      schema: {
        type: 'OBJECT',
        properties: {
          city: { type: 'STRING', description: 'City name', minLength: 1 },
          when: { type: 'STRING', format: 'date-time' },
          days: { type: 'INTEGER', minimum: 1, maximum: 7, format: 'int32' },
          tags: { type: 'ARRAY', items: { type: 'STRING' }, maxItems: 3 },
        },
        // Gemini refuses a required name that is not a property.
        required: ['city'],
      },
    });
  });

  it('turns nullable type lists and anyOf-with-null into nullable, other type lists and oneOf into anyOf', () => {
    expect(toGeminiSchema({ type: ['string', 'null'] })).toEqual({ ok: true, schema: { type: 'STRING', nullable: true } });
    expect(toGeminiSchema({ anyOf: [{ type: 'null' }, { type: 'array', items: { type: 'number' } }] })).toEqual({
      ok: true,
      schema: { nullable: true, type: 'ARRAY', items: { type: 'NUMBER' } },
    });
    expect(toGeminiSchema({ type: ['string', 'integer'] })).toEqual({ ok: true, schema: { anyOf: [{ type: 'STRING' }, { type: 'INTEGER' }] } });
    expect(toGeminiSchema({ oneOf: [{ type: 'string' }, { type: 'boolean' }] })).toEqual({ ok: true, schema: { anyOf: [{ type: 'STRING' }, { type: 'BOOLEAN' }] } });
  });

  it('keeps string enums, turns a string const into one, and drops numeric enums', () => {
    expect(toGeminiSchema({ type: 'string', enum: ['c', 'f'] })).toEqual({ ok: true, schema: { type: 'STRING', enum: ['c', 'f'] } });
    expect(toGeminiSchema({ const: 'fixed' })).toEqual({ ok: true, schema: { type: 'STRING', enum: ['fixed'] } });
    expect(toGeminiSchema({ type: 'integer', enum: [1, 2] })).toEqual({ ok: true, schema: { type: 'INTEGER' } });
  });

  it('inlines local $refs (siblings override) and merges allOf', () => {
    const result = toGeminiSchema({
      $defs: { point: { type: 'object', properties: { x: { type: 'number' } }, required: ['x'] } },
      type: 'object',
      properties: {
        from: { $ref: '#/$defs/point', description: 'start' },
        to: { $ref: '#/definitions/point' },
        both: { allOf: [{ type: 'object', properties: { a: { type: 'string' } }, required: ['a'] }, { properties: { b: { type: 'string' } }, required: ['b'] }] },
      },
      definitions: { point: { type: 'object', properties: { y: { type: 'number' } } } },
    });
    expect(result).toEqual({
      ok: true,
      schema: {
        type: 'OBJECT',
        properties: {
          from: { type: 'OBJECT', description: 'start', properties: { x: { type: 'NUMBER' } }, required: ['x'] },
          to: { type: 'OBJECT', properties: { y: { type: 'NUMBER' } } },
          both: { type: 'OBJECT', properties: { a: { type: 'STRING' }, b: { type: 'STRING' } }, required: ['a', 'b'] },
        },
      },
    });
  });

  it('refuses what Gemini cannot express: recursion, dangling $refs, runaway nesting, non-objects', () => {
    expect(toGeminiSchema({ $defs: { node: { type: 'object', properties: { next: { $ref: '#/$defs/node' } } } }, $ref: '#/$defs/node' })).toMatchObject({
      ok: false,
      reason: expect.stringContaining('recursive'),
    });
    expect(toGeminiSchema({ type: 'object', properties: { a: { $ref: '#/$defs/missing' } } })).toMatchObject({ ok: false, reason: expect.stringContaining('does not resolve') });
    let deep: Record<string, unknown> = { type: 'string' };
    for (let i = 0; i < 40; i++) deep = { type: 'array', items: deep };
    expect(toGeminiSchema(deep)).toMatchObject({ ok: false, reason: expect.stringContaining('nested') });
    expect(toGeminiSchema('string')).toMatchObject({ ok: false });
  });
});
