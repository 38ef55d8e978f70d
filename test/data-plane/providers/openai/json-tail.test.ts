import { describe, expect, it } from 'vitest';
import { createJsonTailTap } from '../../../../data-plane/providers/openai/json-tail.js';

function feed(text: string, chunkSize: number, keepBytes?: number): ReturnType<typeof createJsonTailTap> {
  const tap = createJsonTailTap(keepBytes);
  const bytes = Buffer.from(text);
  for (let at = 0; at < bytes.length; at += chunkSize) {
    const chunk = bytes.subarray(at, at + chunkSize);
    expect(tap.transform(chunk)).toBe(chunk); // passed on unchanged, never held back
  }
  expect(tap.flush()).toHaveLength(0);
  return tap;
}

describe('createJsonTailTap', () => {
  const compact = JSON.stringify({ object: 'list', data: [{ embedding: 'AAAA', usage: 'not this one' }], model: 'm', usage: { prompt_tokens: 8, total_tokens: 8 } });
  const pretty = JSON.stringify(JSON.parse(compact), null, 2);

  it('reads the last object member of a body, compact or pretty-printed, however it was chunked', () => {
    for (const text of [compact, pretty]) {
      for (const size of [1, 3, 64, text.length]) expect(feed(text, size).lastObjectMember('usage')).toEqual({ prompt_tokens: 8, total_tokens: 8 });
    }
  });

  it('keeps only the tail of a large body', () => {
    const big = JSON.stringify({ data: [{ embedding: 'A'.repeat(100_000) }], usage: { prompt_tokens: 3, total_tokens: 3 } });
    expect(feed(big, 4096, 256).lastObjectMember('usage')).toEqual({ prompt_tokens: 3, total_tokens: 3 });
  });

  it('finds nothing in a body cut before its usage, or whose usage is cut off', () => {
    expect(feed(compact.slice(0, compact.length / 2), 7).lastObjectMember('usage')).toBeNull();
    expect(feed(compact.slice(0, -3), 7).lastObjectMember('usage')).toBeNull();
    expect(feed('{"usage":null}', 7).lastObjectMember('usage')).toBeNull();
  });

  it('does not mistake a key inside a string value for a member', () => {
    const text = JSON.stringify({ input: 'say "usage": {"prompt_tokens": 1}', usage: { prompt_tokens: 2, nested: { a: '}' } } });
    expect(feed(text, 5).lastObjectMember('usage')).toEqual({ prompt_tokens: 2, nested: { a: '}' } });
    expect(feed(JSON.stringify({ text: 'a "usage": {"prompt_tokens": 1}' }), 5).lastObjectMember('usage')).toBeNull();
  });
});
