// Usage accounting for Gemini: the normalisation convention, the stream observer (usage is
// cumulative, streams may be cut at any byte), and the character counting behind estimates.
import { describe, expect, it } from 'vitest';
import { streamTokens } from '../../../../data-plane/providers/gemini/answer.js';
import { createGeminiStreamObserver } from '../../../../data-plane/providers/gemini/stream-usage.js';
import { countTextChars, tokensFromUsageMetadata, usageFromBody, usageMetadataOf } from '../../../../data-plane/providers/gemini/usage.js';

const encoder = new TextEncoder();

describe('tokensFromUsageMetadata', () => {
  it('counts tool-use prompt tokens as input, thoughts as output and as reasoning, cached as part of input', () => {
    expect(
      tokensFromUsageMetadata({ promptTokenCount: 100, cachedContentTokenCount: 60, candidatesTokenCount: 20, thoughtsTokenCount: 300, toolUsePromptTokenCount: 7, totalTokenCount: 427 }),
    ).toEqual({ inputTokens: 107, cachedInputTokens: 60, outputTokens: 320, reasoningTokens: 300 });
  });

  it('treats absent counts (Google omits zeros) as zero', () => {
    expect(tokensFromUsageMetadata({ promptTokenCount: 4 })).toEqual({ inputTokens: 4, cachedInputTokens: 0, outputTokens: 0, reasoningTokens: 0 });
  });

  it('reads usage only from an object with a numeric count', () => {
    expect(usageMetadataOf({ promptTokenCount: 'x' })).toBeNull();
    expect(usageMetadataOf([])).toBeNull();
    expect(usageMetadataOf({ promptTokenCount: 3, candidatesTokenCount: -1 })).toEqual({ promptTokenCount: 3 });
    expect(usageFromBody(encoder.encode('{"usageMetadata":{"promptTokenCount":9}}'))).toEqual({ promptTokenCount: 9 });
    expect(usageFromBody(encoder.encode('{"usageMetadata":{"promptTok'))).toBeNull();
  });
});

describe('countTextChars', () => {
  it('counts text values, escapes as one character, code points not bytes, and stops at a cut', () => {
    expect(countTextChars(encoder.encode('{"parts": [{"text": "héllo \\"w\\u00e9\\""}, {"text":"ab"}]}'))).toBe(12);
    expect(countTextChars(encoder.encode('{"parts":[{"text":"abc'))).toBe(3);
    expect(countTextChars(encoder.encode('{"thoughtSignature":"text"}'))).toBe(0);
  });
});

const CHUNKS = [
  { candidates: [{ content: { parts: [{ text: 'Hel' }], role: 'model' }, index: 0 }], usageMetadata: { promptTokenCount: 8, candidatesTokenCount: 1, totalTokenCount: 9 } },
  { candidates: [{ content: { parts: [{ text: 'lo ☃' }], role: 'model' }, index: 0 }], usageMetadata: { promptTokenCount: 8, candidatesTokenCount: 2, totalTokenCount: 10 } },
  { candidates: [{ content: { parts: [{ text: '!' }], role: 'model' }, finishReason: 'STOP', index: 0 }], usageMetadata: { promptTokenCount: 8, candidatesTokenCount: 3, thoughtsTokenCount: 5, totalTokenCount: 16 } },
];
const STREAM = encoder.encode(CHUNKS.map((chunk) => `data: ${JSON.stringify(chunk)}\r\n\r\n`).join(''));

function observe(bytes: Uint8Array, cuts: number[]) {
  const observer = createGeminiStreamObserver();
  const out: number[] = [];
  let start = 0;
  for (const cut of [...cuts, bytes.length]) {
    const piece = bytes.subarray(start, cut);
    const passed = observer.transform(piece);
    // A pass-through stage: the very bytes it was given, at once.
    expect(passed).toBe(piece);
    out.push(...(passed as Uint8Array));
    start = cut;
  }
  expect(observer.flush().byteLength).toBe(0);
  expect(Uint8Array.from(out)).toEqual(bytes);
  return observer;
}

describe('createGeminiStreamObserver', () => {
  it('reads the last cumulative usage and the final chunk, whatever the byte boundaries (every split tried)', () => {
    for (let cut = 0; cut <= STREAM.length; cut++) {
      const observer = observe(STREAM, [cut]);
      expect(observer.usage()).toEqual(CHUNKS[2]!.usageMetadata);
      expect(observer.finished()).toBe(true);
      expect(observer.outputChars()).toBe('Hello ☃!'.length);
    }
    const byteByByte = observe(STREAM, Array.from({ length: STREAM.length }, (_, index) => index));
    expect(byteByByte.usage()).toEqual(CHUNKS[2]!.usageMetadata);
  });

  it('knows a cut stream is unfinished, keeps its partial usage, and whether it stopped on an event boundary', () => {
    const firstEventEnd = Buffer.from(STREAM).indexOf('\r\n\r\n') + 4;
    const cutInside = createGeminiStreamObserver();
    cutInside.transform(STREAM.subarray(0, 5));
    cutInside.transform(STREAM.subarray(5, firstEventEnd + 20));
    expect(cutInside.finished()).toBe(false);
    expect(cutInside.usage()).toEqual(CHUNKS[0]!.usageMetadata);
    // Before flush: what a failed stream's error event must be framed after.
    expect(cutInside.atEventBoundary()).toBe(false);
    const cutBetween = createGeminiStreamObserver();
    cutBetween.transform(STREAM.subarray(0, firstEventEnd));
    expect(cutBetween.atEventBoundary()).toBe(true);
  });

  it('treats a prompt refused with promptFeedback.blockReason as final', () => {
    const blocked = encoder.encode(`data: ${JSON.stringify({ promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: { promptTokenCount: 4, totalTokenCount: 4 } })}\r\n\r\n`);
    expect(observe(blocked, []).finished()).toBe(true);
  });
});

describe('streamTokens', () => {
  const inputChars = 40;
  it('bills a finished stream from its usage, a cut one from its partial usage (estimated), or else from characters', () => {
    const usage = { promptTokenCount: 8, candidatesTokenCount: 3 };
    expect(streamTokens(usage, true, inputChars, 999)).toEqual({ tokens: { inputTokens: 8, cachedInputTokens: 0, outputTokens: 3, reasoningTokens: 0 }, usageEstimated: false });
    expect(streamTokens(usage, false, inputChars, 999)).toMatchObject({ usageEstimated: true, tokens: { inputTokens: 8, outputTokens: 3 } });
    expect(streamTokens(null, true, inputChars, 9)).toEqual({ tokens: { inputTokens: 10, cachedInputTokens: 0, outputTokens: 3, reasoningTokens: 0 }, usageEstimated: true });
  });
});
