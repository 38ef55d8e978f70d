import { describe, expect, it } from 'vitest';
import { countContentChars } from '../../../../data-plane/providers/openai/content-chars.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('countContentChars', () => {
  it('counts the characters of a stream chunk\'s delta.content', () => {
    expect(countContentChars(bytes('data: {"choices":[{"index":0,"delta":{"content":" hello"}}]}\n\n'))).toBe(6);
  });

  it('counts escapes and multi-byte characters as one character each', () => {
    const json = JSON.stringify({ delta: { content: 'a"b\\c\nd\u00e9\u4e2d\u0001' } });
    expect(countContentChars(bytes(json))).toBe(10);
  });

  it('adds up every content string and ignores non-string content', () => {
    const json = JSON.stringify({
      choices: [
        { delta: { content: 'abc' } },
        { delta: { content: 'de' }, logprobs: { content: [{ token: 'x' }] } },
        { delta: { content: null } },
      ],
    });
    expect(countContentChars(bytes(json))).toBe(5);
  });

  it('does not mistake a quoted key inside a string for content', () => {
    expect(countContentChars(bytes(JSON.stringify({ delta: { content: 'say "content":"xyz"' } })))).toBe(19);
  });

  it('counts a string cut off by the end of the bytes up to the cut', () => {
    expect(countContentChars(bytes('{"message":{"content":"Hello wor'))).toBe(9);
  });

  it('works on views into a larger buffer', () => {
    const whole = bytes('xxxx{"content":"abc"}yyyy');
    expect(countContentChars(whole.subarray(4, whole.length - 4))).toBe(3);
  });
});
