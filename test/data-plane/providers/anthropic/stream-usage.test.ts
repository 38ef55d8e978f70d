// The stream stage that reads Anthropic's usage while passing every byte through untouched,
// whatever the chunk boundaries.
import { describe, expect, it } from 'vitest';
import { createAnthropicStreamUsageTap } from '../../../../data-plane/providers/anthropic/stream-usage.js';
import { countDeltaChars, countMessageBodyChars } from '../../../../data-plane/providers/anthropic/output-chars.js';
import { buildUsage } from '../../../helpers/fake-anthropic.js';
import { messageBody, sseEvent, streamEvents, type MessagePlan } from '../../../helpers/fake-anthropic-wire.js';

const encoder = new TextEncoder();

function plan(overrides: Partial<MessagePlan> = {}): MessagePlan {
  return {
    id: 'msg_1',
    model: 'claude-haiku-4-5',
    pieces: ['Héllo', ' "quoted"', ' wörld\n'],
    toolCalls: [{ id: 'toolu_1', name: 'lookup', input: { q: 'a "b" c' } }],
    stopReason: 'tool_use',
    usage: buildUsage(12, 9, { cache_read_input_tokens: 100, cache_creation_input_tokens: 5, thinking_tokens: 2 }),
    ...overrides,
  };
}

/** Feeds `text` cut at `cuts` and returns the tap plus everything it let through. */
function feed(text: string, cuts: number[]): { tap: ReturnType<typeof createAnthropicStreamUsageTap>; out: string } {
  const bytes = encoder.encode(text);
  const tap = createAnthropicStreamUsageTap();
  const out: Uint8Array[] = [];
  let start = 0;
  for (const cut of [...cuts, bytes.length]) {
    const chunk = bytes.subarray(start, cut);
    const passed = tap.transform(chunk);
    // No buffering: the very chunk comes back, at once.
    expect(passed).toBe(chunk);
    out.push(chunk);
    start = cut;
  }
  out.push(tap.flush());
  return { tap, out: Buffer.concat(out).toString('utf8') };
}

describe('createAnthropicStreamUsageTap', () => {
  const text = streamEvents(plan()).join('');
  const outputChars = 'Héllo "quoted" wörld\n'.length + JSON.stringify({ q: 'a "b" c' }).length;

  it('reads message_start input and message_delta output at every single split point, passing bytes unchanged', () => {
    const bytes = encoder.encode(text).length;
    for (let cut = 0; cut <= bytes; cut++) {
      const { tap, out } = feed(text, [cut]);
      expect(out).toBe(text);
      expect(tap.complete()).toBe(true);
      expect(tap.usage()).toMatchObject({ input_tokens: 12, cache_read_input_tokens: 100, cache_creation_input_tokens: 5, output_tokens: 11, output_tokens_details: { thinking_tokens: 2 } });
      expect(tap.outputChars()).toBe(outputChars);
    }
  });

  it('gives the same answer byte by byte and with CRLF line endings', () => {
    const byByte = feed(text, Array.from({ length: encoder.encode(text).length - 1 }, (_, i) => i + 1));
    expect(byByte.tap.usage()).toEqual(feed(text, []).tap.usage());
    const crlf = text.replaceAll('\n\n', '\r\n\r\n').replaceAll(/^(event: \w+)\n/gm, '$1\r\n');
    const { tap } = feed(crlf, [17, 400]);
    expect(tap.complete()).toBe(true);
    expect(tap.usage()?.output_tokens).toBe(11);
  });

  it('is incomplete with message_start input only when the stream is cut before message_delta', () => {
    const { tap } = feed(streamEvents(plan(), { cutAfterDeltas: 2 }).join(''), [50]);
    expect(tap.complete()).toBe(false);
    expect(tap.usage()).toMatchObject({ input_tokens: 12, cache_read_input_tokens: 100, output_tokens: 1 });
    expect(tap.outputChars()).toBe('Héllo "quoted"'.length);
  });

  it('takes message_delta input over message_start input, and message_start input when the delta has none', () => {
    const grown = feed(streamEvents(plan(), { startUsage: { input_tokens: 3 } }).join(''), []);
    expect(grown.tap.usage()?.input_tokens).toBe(12);
    const legacy = feed(streamEvents(plan(), { legacyDeltaUsage: true, startUsage: { input_tokens: 3 } }).join(''), []);
    expect(legacy.tap.usage()).toMatchObject({ input_tokens: 3, output_tokens: 11 });
    expect(legacy.tap.complete()).toBe(true);
  });

  it('notices an upstream error event, and counts an unterminated final event', () => {
    const failed = feed(streamEvents(plan(), { errorAfterDeltas: { deltas: 1, type: 'overloaded_error', message: 'Overloaded' } }).join(''), [10]);
    expect(failed.tap.sawError()).toBe(true);
    expect(feed(text, []).tap.sawError()).toBe(false);
    const unterminated = text.slice(0, text.lastIndexOf('event: message_stop')).replace(/\n\n$/, '\n');
    expect(feed(unterminated, []).tap.complete()).toBe(true);
  });
});

describe('output character counts', () => {
  it('counts text, tool-input and thinking deltas in code points, escapes as one', () => {
    const delta = (body: object): Uint8Array => encoder.encode(sseEvent('content_block_delta', { type: 'content_block_delta', index: 0, delta: body }));
    expect(countDeltaChars(delta({ type: 'text_delta', text: 'a\u00e9\n"x"' }))).toBe(6);
    expect(countDeltaChars(delta({ type: 'input_json_delta', partial_json: '{"k":' }))).toBe(5);
    expect(countDeltaChars(delta({ type: 'thinking_delta', thinking: 'hmm' }))).toBe(3);
    expect(countDeltaChars(delta({ type: 'signature_delta', signature: 'c2ln' }))).toBe(0);
  });

  it('counts the text of a Message body, even a cut one', () => {
    const body = JSON.stringify(messageBody(plan({ pieces: ['Hello', ' there'] })));
    expect(countMessageBodyChars(encoder.encode(body))).toBe('Hello there'.length);
    expect(countMessageBodyChars(encoder.encode(body.slice(0, body.indexOf('there') + 2)))).toBe('Hello th'.length);
  });
});
