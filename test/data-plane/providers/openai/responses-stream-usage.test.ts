import { describe, expect, it } from 'vitest';
import { createResponsesStreamTap } from '../../../../data-plane/providers/openai/responses-stream-usage.js';

const USAGE = { input_tokens: 12, input_tokens_details: { cached_tokens: 4 }, output_tokens: 9, output_tokens_details: { reasoning_tokens: 2 }, total_tokens: 21 };

function frame(type: string, fields: Record<string, unknown>, sequence: number): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...fields, sequence_number: sequence })}\n\n`;
}

const STREAM = [
  frame('response.created', { response: { id: 'resp_1', status: 'in_progress', usage: null } }, 0),
  frame('response.output_text.delta', { item_id: 'msg_1', delta: 'Hé "x"' }, 1),
  frame('response.output_text.delta', { item_id: 'msg_1', delta: ' there' }, 2),
  frame('response.output_text.done', { item_id: 'msg_1', text: 'Hé "x" there' }, 3),
  frame('response.completed', { response: { id: 'resp_1', status: 'completed', usage: USAGE } }, 4),
].join('');

function feed(text: string, chunkSize: number): ReturnType<typeof createResponsesStreamTap> {
  const tap = createResponsesStreamTap();
  const bytes = Buffer.from(text);
  for (let at = 0; at < bytes.length; at += chunkSize) {
    const chunk = bytes.subarray(at, at + chunkSize);
    expect(tap.transform(chunk)).toBe(chunk);
  }
  return tap;
}

describe('createResponsesStreamTap', () => {
  it("reads the terminal event's usage and counts delta characters, however the stream is chunked, passing every chunk on unchanged", () => {
    for (const size of [1, 2, 17, STREAM.length]) {
      const tap = feed(STREAM, size);
      expect(tap.flush()).toHaveLength(0);
      expect(tap.usage()).toEqual(USAGE);
      // 'Hé "x"' is 6 characters (the escapes count once), ' there' 6; the done event's text is not counted again.
      expect(tap.outputChars()).toBe(12);
      expect(tap.failed()).toBe(false);
      expect(tap.nextSequenceNumber()).toBe(5);
      expect(tap.midEvent()).toBe(false);
    }
  });

  it('knows a cut stream: no usage, the next sequence number, and whether it stopped inside an event', () => {
    const cut = STREAM.indexOf('event: response.output_text.done');
    const between = feed(STREAM.slice(0, cut), 5);
    expect(between.usage()).toBeNull();
    expect(between.nextSequenceNumber()).toBe(3);
    expect(between.midEvent()).toBe(false);
    const inside = feed(STREAM.slice(0, cut + 20), 5);
    expect(inside.midEvent()).toBe(true);
  });

  it('counts response.failed and error events as failures, keeping the failed response\'s usage', () => {
    const failed = feed(frame('response.failed', { response: { status: 'failed', error: { code: 'server_error' }, usage: USAGE } }, 0), 3);
    expect(failed.failed()).toBe(true);
    expect(failed.usage()).toEqual(USAGE);
    const errored = feed(frame('error', { code: 'server_error', message: 'x', param: null }, 3), 3);
    expect(errored.failed()).toBe(true);
    expect(errored.usage()).toBeNull();
    expect(errored.nextSequenceNumber()).toBe(4);
  });

  it('names events without an event: line by their type, and ignores audio deltas in the estimate', () => {
    const unnamed = `data: ${JSON.stringify({ type: 'response.incomplete', response: { usage: USAGE }, sequence_number: 0 })}\n\n`;
    expect(feed(unnamed, 4).usage()).toEqual(USAGE);
    const audio = feed(frame('response.audio.delta', { delta: 'QUFBQUFBQUFB' }, 0), 4);
    expect(audio.outputChars()).toBe(0);
  });
});
