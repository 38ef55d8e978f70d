// Anthropic SSE → OpenAI chat.completion.chunk SSE, incrementally and byte-exact whatever the
// input's chunk boundaries, and accepted by the openai SDK's own stream helper.
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { createChatStreamTranslator, type StreamTranslatorOptions } from '../../../../../data-plane/providers/anthropic/translate/stream.js';
import { buildUsage } from '../../../../helpers/fake-anthropic.js';
import { streamEvents, type MessagePlan, type StreamOptions } from '../../../../helpers/fake-anthropic-wire.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const INPUT = { city: 'Zürich', note: 'a "quoted" word' };

const plan: MessagePlan = {
  id: 'msg_01',
  model: 'claude-haiku-4-5-20251001',
  pieces: ['Checking', ' the', ' wéather.'],
  toolCalls: [
    { id: 'toolu_a', name: 'weather', input: INPUT },
    { id: 'toolu_b', name: 'time', input: {} },
  ],
  stopReason: 'tool_use',
  usage: buildUsage(10, 20, { cache_read_input_tokens: 200, cache_creation_input_tokens: 30, thinking_tokens: 4 }),
};

function anthropicStream(options: StreamOptions = {}): Uint8Array {
  return encoder.encode(streamEvents(plan, options).join(''));
}

/** Translates `bytes` fed in pieces cut at `cuts`. */
function translate(bytes: Uint8Array, cuts: number[], options: StreamTranslatorOptions): string {
  const translator = createChatStreamTranslator({ created: 1_700_000_000, ...options });
  let out = '';
  let start = 0;
  for (const cut of [...cuts, bytes.length]) {
    out += decoder.decode(translator.push(bytes.subarray(start, cut)));
    start = cut;
  }
  return out + decoder.decode(translator.flush());
}

function frames(text: string): unknown[] {
  expect(text).toMatch(/^(data: [^\n]+\n\n)*$/);
  return text
    .split('\n\n')
    .filter(Boolean)
    .map((frame) => frame.slice('data: '.length))
    .map((data) => (data === '[DONE]' ? data : JSON.parse(data)));
}

describe('createChatStreamTranslator', () => {
  it('produces role, text, tool-call and finish chunks, then the usage chunk and [DONE]', () => {
    const out = frames(translate(anthropicStream(), [], { includeUsage: true, model: 'claude-haiku-4-5' }));
    const base = { id: 'msg_01', object: 'chat.completion.chunk', created: 1_700_000_000, model: 'claude-haiku-4-5' };
    const delta = (d: object, finish: string | null = null) => ({ ...base, choices: [{ index: 0, delta: d, logprobs: null, finish_reason: finish }], usage: null });
    const fragments = JSON.stringify(INPUT).match(/.{1,10}/gu)!;
    expect(out).toEqual([
      delta({ role: 'assistant', content: '' }),
      delta({ content: 'Checking' }),
      delta({ content: ' the' }),
      delta({ content: ' wéather.' }),
      delta({ tool_calls: [{ index: 0, id: 'toolu_a', type: 'function', function: { name: 'weather', arguments: '' } }] }),
      ...fragments.map((arguments_) => delta({ tool_calls: [{ index: 0, function: { arguments: arguments_ } }] })),
      delta({ tool_calls: [{ index: 1, id: 'toolu_b', type: 'function', function: { name: 'time', arguments: '' } }] }),
      delta({ tool_calls: [{ index: 1, function: { arguments: '{}' } }] }),
      delta({}, 'tool_calls'),
      {
        ...base,
        choices: [],
        usage: { prompt_tokens: 240, completion_tokens: plan.usage.output_tokens, total_tokens: 240 + plan.usage.output_tokens, prompt_tokens_details: { cached_tokens: 200 }, completion_tokens_details: { reasoning_tokens: 4 } },
      },
      '[DONE]',
    ]);
  });

  it('gives byte-identical output whatever the input chunk boundaries', () => {
    const bytes = anthropicStream();
    const whole = translate(bytes, [], { includeUsage: false });
    for (let cut = 1; cut < bytes.length; cut++) expect(translate(bytes, [cut], { includeUsage: false })).toBe(whole);
    expect(translate(bytes, Array.from({ length: bytes.length - 1 }, (_, i) => i + 1), { includeUsage: false })).toBe(whole);
    // Scattered cuts from a fixed-seed generator: varied, and the same on every run.
    let seed = 7;
    const random = Array.from({ length: 40 }, () => (seed = (seed * 48271) % 2147483647) % bytes.length).sort((a, b) => a - b);
    expect(translate(bytes, random, { includeUsage: false })).toBe(whole);
  });

  it('emits each chunk as soon as its event is complete, not at the end', () => {
    const translator = createChatStreamTranslator({ includeUsage: false });
    const events = streamEvents(plan);
    expect(decoder.decode(translator.push(encoder.encode(events[0]!)))).toMatch(/^data: \{.*"role":"assistant".*\}\n\n$/);
    expect(translator.push(encoder.encode(events[1]!.slice(0, 10)))).toHaveLength(0);
    expect(translator.push(encoder.encode(events[1]!.slice(10) + events[2]!))).toHaveLength(0); // block start and ping
    expect(decoder.decode(translator.push(encoder.encode(events[3]!)))).toContain('"content":"Checking"');
    expect(translator.done()).toBe(false);
  });

  it('leaves out usage without include_usage, and turns an Anthropic error event into an OpenAI error chunk', () => {
    const plain = translate(anthropicStream(), [], { includeUsage: false });
    expect(plain).not.toContain('"usage"');
    expect(plain.endsWith('data: [DONE]\n\n')).toBe(true);
    const failed = frames(translate(anthropicStream({ errorAfterDeltas: { deltas: 2, type: 'overloaded_error', message: 'Overloaded' } }), [33], { includeUsage: false }));
    expect(failed.at(-1)).toEqual({ error: { message: 'Overloaded', type: 'server_error', param: null, code: 'overloaded_error' } });
    expect(failed).not.toContain('[DONE]');
  });

  it('is assembled by the openai SDK\'s stream helper into the final completion', async () => {
    const sse = translate(anthropicStream(), [7, 99, 500], { includeUsage: true });
    const client = new OpenAI({
      apiKey: 'unused',
      baseURL: 'http://translated.invalid/v1',
      maxRetries: 0,
      fetch: async () => new Response(sse, { headers: { 'content-type': 'text/event-stream' } }),
    });
    const completion = await client.chat.completions.stream({ model: 'claude-haiku-4-5', messages: [{ role: 'user', content: 'Hi' }], stream_options: { include_usage: true } }).finalChatCompletion();
    const choice = completion.choices[0]!;
    expect(choice.message.content).toBe('Checking the wéather.');
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.tool_calls?.map((call) => (call.type === 'function' ? [call.id, call.function.name, JSON.parse(call.function.arguments)] : null))).toEqual([
      ['toolu_a', 'weather', INPUT],
      ['toolu_b', 'time', {}],
    ]);
    expect(completion.usage).toMatchObject({ prompt_tokens: 240, prompt_tokens_details: { cached_tokens: 200 } });
  });
});
