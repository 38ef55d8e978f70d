import { describe, expect, it } from 'vitest';
import { createSseEventSplitter, type SseEvent } from '../../../data-plane/proxy/sse.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function bytes(text: string): Uint8Array {
  return encoder.encode(text);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Deterministic PRNG so failures are reproducible. */
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

interface Collected {
  events: SseEvent[];
  remainder: SseEvent[];
}

function run(chunks: readonly Uint8Array[]): Collected {
  const splitter = createSseEventSplitter();
  const events: SseEvent[] = [];
  for (const chunk of chunks) events.push(...splitter.push(chunk));
  const flushed = splitter.flush();
  events.push(...flushed.filter((event) => event.complete));
  return { events, remainder: flushed.filter((event) => !event.complete) };
}

function summary(collected: Collected): Array<{ raw: string; event: string | undefined; data: string }> {
  return collected.events.map((event) => ({ raw: decoder.decode(event.raw), event: event.event, data: event.data }));
}

function rawOf(collected: Collected): Uint8Array {
  return concat([...collected.events, ...collected.remainder].map((event) => event.raw));
}

const mixedStream =
  ': keep-alive comment\n\n' +
  'event: message_start\ndata: {"type":"message_start","text":"héllo 😀"}\n\n' +
  'data: line one\r\ndata: line two\r\ndata:no-space\r\ndata:  two-spaces\r\n\r\n' +
  'event: ping\rdata: {}\r\r' +
  'id: 7\nretry: 1000\ndata\n\n' +
  'data: mixed endings\r\n\n' +
  'data: [DONE]\n\n';

describe('createSseEventSplitter', () => {
  it('splits events terminated by LF, CRLF and CR and parses event/data fields', () => {
    const result = run([bytes(mixedStream)]);
    expect(result.remainder).toEqual([]);
    expect(summary(result)).toEqual([
      { raw: ': keep-alive comment\n\n', event: undefined, data: '' },
      {
        raw: 'event: message_start\ndata: {"type":"message_start","text":"héllo 😀"}\n\n',
        event: 'message_start',
        data: '{"type":"message_start","text":"héllo 😀"}',
      },
      {
        raw: 'data: line one\r\ndata: line two\r\ndata:no-space\r\ndata:  two-spaces\r\n\r\n',
        event: undefined,
        data: 'line one\nline two\nno-space\n two-spaces',
      },
      { raw: 'event: ping\rdata: {}\r\r', event: 'ping', data: '{}' },
      { raw: 'id: 7\nretry: 1000\ndata\n\n', event: undefined, data: '' },
      { raw: 'data: mixed endings\r\n\n', event: undefined, data: 'mixed endings' },
      { raw: 'data: [DONE]\n\n', event: undefined, data: '[DONE]' },
    ]);
  });

  it('gives identical events and bytes for every two-way split of the stream', () => {
    const input = bytes(mixedStream);
    const expected = summary(run([input]));
    for (let cut = 0; cut <= input.length; cut++) {
      const result = run(splitAt(input, [cut]));
      expect(summary(result), `cut at ${cut}`).toEqual(expected);
      expect(rawOf(result)).toEqual(input);
    }
  });

  it('gives identical events and bytes under random chunkings, including one byte at a time', () => {
    const input = bytes(mixedStream.repeat(3));
    const expected = summary(run([input]));
    const random = mulberry32(42);
    for (let round = 0; round < 300; round++) {
      const cuts = Array.from({ length: Math.floor(random() * 20) }, () => Math.floor(random() * (input.length + 1)));
      const result = run(splitAt(input, cuts));
      expect(summary(result), `cuts ${cuts.join(',')}`).toEqual(expected);
    }
    const byteAtATime = run(Array.from(input, (byte) => Uint8Array.of(byte)));
    expect(summary(byteAtATime)).toEqual(expected);
    expect(rawOf(byteAtATime)).toEqual(input);
  });

  it('returns several events from one chunk and none from a partial chunk', () => {
    const splitter = createSseEventSplitter();
    expect(splitter.push(bytes('data: a\n\ndata: b\n\ndata: c'))).toHaveLength(2);
    expect(splitter.push(bytes('\n'))).toHaveLength(0);
    const [last] = splitter.push(bytes('\n'));
    expect(last?.data).toBe('c');
    expect(decoder.decode(last?.raw)).toBe('data: c\n\n');
    expect(splitter.push(new Uint8Array(0))).toEqual([]);
    expect(splitter.flush()).toEqual([]);
  });

  it('holds a block ending in CR until it knows whether an LF follows', () => {
    const splitter = createSseEventSplitter();
    expect(splitter.push(bytes('data: a\r\n\r'))).toEqual([]);
    const [event] = splitter.push(bytes('\ndata: b'));
    expect(decoder.decode(event?.raw)).toBe('data: a\r\n\r\n');

    const crOnly = createSseEventSplitter();
    expect(crOnly.push(bytes('data: a\r\r'))).toEqual([]);
    const [first] = crOnly.push(bytes('data: b\r\r'));
    expect(decoder.decode(first?.raw)).toBe('data: a\r\r');
    const flushed = crOnly.flush();
    expect(flushed).toHaveLength(1);
    expect(flushed[0]?.complete).toBe(true);
    expect(flushed[0]?.data).toBe('b');
  });

  it('returns the unterminated tail from flush, marked incomplete', () => {
    const splitter = createSseEventSplitter();
    expect(splitter.push(bytes('data: done\n\ndata: trunc'))).toHaveLength(1);
    expect(splitter.push(bytes('ated\n'))).toEqual([]);
    const flushed = splitter.flush();
    expect(flushed).toHaveLength(1);
    expect(flushed[0]?.complete).toBe(false);
    expect(decoder.decode(flushed[0]?.raw)).toBe('data: truncated\n');
    // The splitter is reusable after flush.
    expect(splitter.push(bytes('data: again\n\n'))[0]?.data).toBe('again');
  });

  it('keeps multi-byte UTF-8 characters intact when a chunk boundary falls inside them', () => {
    const input = bytes('data: 😀 ünï 中文\n\n');
    for (let cut = 1; cut < input.length; cut++) {
      const result = run(splitAt(input, [cut]));
      expect(result.events.map((event) => event.data)).toEqual(['😀 ünï 中文']);
      expect(rawOf(result)).toEqual(input);
    }
  });

  it('strips a byte-order mark at the start of the stream from field parsing only', () => {
    const input = concat([Uint8Array.of(0xef, 0xbb, 0xbf), bytes('data: x\n\n')]);
    const result = run([input]);
    expect(result.events[0]?.data).toBe('x');
    expect(rawOf(result)).toEqual(input);
  });

  it('does not depend on the caller keeping chunk memory intact after push', () => {
    const splitter = createSseEventSplitter();
    const reused = new Uint8Array(8);
    reused.set(bytes('data: ab'));
    expect(splitter.push(reused)).toEqual([]);
    reused.fill(0x7a);
    const [event] = splitter.push(bytes('\n\n'));
    expect(event?.data).toBe('ab');
  });

  it('is byte-exact for Node Buffers, whose slice() returns a view', () => {
    const input = Buffer.from('data: one\n\ndata: tw', 'utf8');
    const splitter = createSseEventSplitter();
    // Events completed by a push are views of that chunk, so read them before reusing it...
    expect(splitter.push(input).map((event) => event.data)).toEqual(['one']);
    // ...but the buffered tail must be a copy.
    input.fill(0x21);
    const rest = splitter.push(Buffer.from('o\n\n'));
    expect(rest.map((event) => event.data)).toEqual(['two']);
    expect(decoder.decode(rest[0]?.raw)).toBe('data: two\n\n');
  });
});
