import { describe, expect, it } from 'vitest';
import { createOpenAIStreamUsageFilter, type OpenAIUsage } from '../../../../data-plane/providers/openai/stream-usage.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function splitAt(input: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    chunks.push(input.slice(start, cut));
    start = cut;
  }
  chunks.push(input.slice(start));
  return chunks;
}

function randomCuts(random: () => number, length: number): number[] {
  return Array.from({ length: 1 + Math.floor(random() * 25) }, () => Math.floor(random() * (length + 1)));
}

interface FilterRun {
  output: Uint8Array;
  usage: OpenAIUsage | null;
}

function runFilter(chunks: readonly Uint8Array[], stripUsageChunk: boolean): FilterRun {
  const filter = createOpenAIStreamUsageFilter({ stripUsageChunk });
  const out: Uint8Array[] = [];
  for (const chunk of chunks) {
    const result = filter.transform(chunk);
    if (Array.isArray(result)) out.push(...result);
    else out.push(result);
  }
  out.push(filter.flush());
  return { output: concat(out), usage: filter.usage() };
}

// --- A realistic chat.completion.chunk stream, built once with and once without include_usage.

const base = {
  id: 'chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG',
  object: 'chat.completion.chunk',
  created: 1741570283,
  model: 'gpt-4o-2024-08-06',
  service_tier: 'default',
  system_fingerprint: 'fp_eb9dce56a8',
};

const deltas: Array<Record<string, unknown>> = [
  { role: 'assistant', content: '', refusal: null },
  { content: 'Héllo' },
  { content: ' 😀 — 中文' },
  { content: ' "usage":null is just text' },
  { content: 'usage' },
  { content: '\n\nnew\r\nlines' },
];

const contentChunks = [
  ...deltas.map((delta) => ({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: null }] })),
  { ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }] },
];

const usage: OpenAIUsage = {
  prompt_tokens: 19,
  completion_tokens: 10,
  total_tokens: 29,
  prompt_tokens_details: { cached_tokens: 0 },
  completion_tokens_details: { reasoning_tokens: 0 },
};

function serialise(payloads: readonly unknown[], eol = '\n'): Uint8Array {
  const text = payloads.map((payload) => `data: ${JSON.stringify(payload)}${eol}${eol}`).join('');
  return encoder.encode(`${text}data: [DONE]${eol}${eol}`);
}

function withUsageStream(eol = '\n'): Uint8Array {
  return serialise([...contentChunks.map((chunk) => ({ ...chunk, usage: null })), { ...base, choices: [], usage }], eol);
}

function withoutUsageStream(eol = '\n'): Uint8Array {
  return serialise(contentChunks, eol);
}

describe('createOpenAIStreamUsageFilter without stripping', () => {
  it('returns each chunk itself and records the usage', () => {
    const input = withUsageStream();
    const filter = createOpenAIStreamUsageFilter({ stripUsageChunk: false });
    for (const chunk of splitAt(input, [10, 400, 401, 900])) expect(filter.transform(chunk)).toBe(chunk);
    expect(filter.flush()).toHaveLength(0);
    expect(filter.usage()).toEqual(usage);
  });

  it('is byte-identical and finds the usage for every two-way split', () => {
    const input = withUsageStream();
    for (let cut = 0; cut <= input.length; cut++) {
      const result = runFilter(splitAt(input, [cut]), false);
      expect(result.output).toEqual(input);
      expect(result.usage, `cut at ${cut}`).toEqual(usage);
    }
  });

  it('is byte-identical under random chunkings', () => {
    const input = withUsageStream('\r\n');
    const random = mulberry32(7);
    for (let round = 0; round < 200; round++) {
      const result = runFilter(splitAt(input, randomCuts(random, input.length)), false);
      expect(result.output).toEqual(input);
      expect(result.usage).toEqual(usage);
    }
  });

  it('reports null when the stream carries no usage', () => {
    const result = runFilter([withoutUsageStream()], false);
    expect(result.usage).toBeNull();
    expect(result.output).toEqual(withoutUsageStream());
  });
});

describe('createOpenAIStreamUsageFilter with stripUsageChunk', () => {
  it('turns an include_usage stream into exactly the stream without it, for every two-way split', () => {
    const input = withUsageStream();
    const expected = withoutUsageStream();
    expect(input).not.toEqual(expected);
    for (let cut = 0; cut <= input.length; cut++) {
      const result = runFilter(splitAt(input, [cut]), true);
      expect(decoder.decode(result.output), `cut at ${cut}`).toBe(decoder.decode(expected));
      expect(result.usage).toEqual(usage);
    }
  });

  it('does so under random chunkings, one byte at a time, and with CRLF line endings', () => {
    const random = mulberry32(1234);
    for (const eol of ['\n', '\r\n']) {
      const input = withUsageStream(eol);
      const expected = withoutUsageStream(eol);
      for (let round = 0; round < 200; round++) {
        const result = runFilter(splitAt(input, randomCuts(random, input.length)), true);
        expect(result.output).toEqual(expected);
        expect(result.usage).toEqual(usage);
      }
      const byteAtATime = runFilter(Array.from(input, (byte) => Uint8Array.of(byte)), true);
      expect(byteAtATime.output).toEqual(expected);
      expect(byteAtATime.usage).toEqual(usage);
    }
  });

  it('forwards an unaffected chunk as one piece of the same memory', () => {
    const input = withoutUsageStream();
    const filter = createOpenAIStreamUsageFilter({ stripUsageChunk: true });
    const result = filter.transform(input);
    expect(Array.isArray(result)).toBe(true);
    expect(result).toHaveLength(1);
    const [piece] = result as Uint8Array[];
    expect(piece?.buffer).toBe(input.buffer);
    expect(piece).toEqual(input);
  });

  it('removes the usage key wherever it sits, keeping other bytes as sent', () => {
    const filter = createOpenAIStreamUsageFilter({ stripUsageChunk: true });
    const input = encoder.encode(
      'data: {"usage":null,"id":"a","n":1.50}\n\n' +
        'data: {"id":"b","usage":null,"s":"\\u00e9"}\n\n' +
        'data: {"usage":null}\n\n',
    );
    const output = concat([...(filter.transform(input) as Uint8Array[]), filter.flush()]);
    // Number formatting and escapes survive: the usage member is cut out, not re-serialised.
    expect(decoder.decode(output)).toBe('data: {"id":"a","n":1.50}\n\n' + 'data: {"id":"b","s":"\\u00e9"}\n\n' + 'data: {}\n\n');
  });

  it('falls back to re-serialising non-compact JSON', () => {
    const input = encoder.encode('event: chunk\r\ndata: {"id": "a", "usage": null, "choices": [1]}\r\n\r\n');
    const result = runFilter([input], true);
    expect(decoder.decode(result.output)).toBe('event: chunk\r\ndata: {"id":"a","choices":[1]}\r\n\r\n');
  });

  it('keeps a chunk that has both choices and usage, minus its usage key, and records the usage', () => {
    const chunk = { ...base, choices: [{ index: 0, delta: { content: 'x' }, finish_reason: 'stop' }], usage };
    const withoutKey = { ...base, choices: chunk.choices };
    const result = runFilter([encoder.encode(`data: ${JSON.stringify(chunk)}\n\n`)], true);
    expect(decoder.decode(result.output)).toBe(`data: ${JSON.stringify(withoutKey)}\n\n`);
    expect(result.usage).toEqual(usage);
  });

  it('keeps an empty-choices chunk whose usage is null (e.g. Azure prompt_filter_results)', () => {
    const chunk = { id: '', object: '', created: 0, model: '', prompt_filter_results: [{ prompt_index: 0 }], choices: [] };
    const input = encoder.encode(`data: ${JSON.stringify({ ...chunk, usage: null })}\n\n`);
    const result = runFilter([input], true);
    expect(decoder.decode(result.output)).toBe(`data: ${JSON.stringify(chunk)}\n\n`);
    expect(result.usage).toBeNull();
  });

  it('forwards chunks with no usage key, [DONE], non-JSON data and comments untouched', () => {
    const text =
      ': ping\n\n' +
      'data: {"id":"x","choices":[]}\n\n' +
      'data: not json but mentions "usage"\n\n' +
      'data: ["usage",null]\n\n' +
      'data: {"id":"y","content":"\\"usage\\":null"}\n\n' +
      'data: [DONE]\n\n';
    const result = runFilter([encoder.encode(text)], true);
    expect(decoder.decode(result.output)).toBe(text);
    expect(result.usage).toBeNull();
  });

  it('passes an unterminated tail through on flush and still records its usage', () => {
    const filter = createOpenAIStreamUsageFilter({ stripUsageChunk: true });
    const tail = 'data: {"id":"z","choices":[{"index":0}],"usage":{"prompt_tokens":1,"completion_tokens":2}}';
    expect(filter.transform(encoder.encode(tail))).toEqual([]);
    expect(decoder.decode(filter.flush())).toBe(tail);
    expect(filter.usage()).toEqual({ prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 });
  });
});

describe('usage recording', () => {
  it('keeps the last valid usage and ignores malformed ones', () => {
    const text =
      'data: {"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}\n\n' +
      'data: {"choices":[],"usage":{"prompt_tokens":"many"}}\n\n' +
      'data: {"choices":[],"usage":5}\n\n';
    for (const strip of [false, true]) {
      expect(runFilter([encoder.encode(text)], strip).usage).toEqual({ prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 });
    }
  });

  it('reads usage from data split over several data: lines', () => {
    const text = 'data: {"choices":[],\ndata: "usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}\n\n';
    const result = runFilter([encoder.encode(text)], false);
    expect(result.usage).toEqual({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 });
    expect(decoder.decode(result.output)).toBe(text);
  });
});
