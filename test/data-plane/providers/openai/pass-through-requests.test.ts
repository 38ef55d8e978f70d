// What the embeddings and Responses routes check of a body, and what they leave to OpenAI.
import { describe, expect, it } from 'vitest';
import { embeddingsUpstreamBody, parseEmbeddingsRequest } from '../../../../data-plane/providers/openai/embeddings-request.js';
import { parseResponsesRequest, responsesUpstreamBody } from '../../../../data-plane/providers/openai/responses-request.js';

const bytes = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

describe('parseEmbeddingsRequest', () => {
  it('accepts every input shape OpenAI does, measuring it for estimates', () => {
    const cases: Array<[unknown, number, number]> = [
      ['four', 4, 0],
      [['ab', 'cde'], 5, 0],
      [[1, 2, 3], 0, 3],
      [[[1, 2], [3]], 0, 3],
    ];
    for (const [input, inputChars, inputTokenIds] of cases) {
      const parsed = parseEmbeddingsRequest(bytes({ model: 'm', input }));
      expect(parsed).toMatchObject({ ok: true, request: { model: 'm', inputChars, inputTokenIds } });
    }
  });

  it('refuses a missing or malformed input, naming it, and leaves the other parameters to OpenAI', () => {
    expect(parseEmbeddingsRequest(bytes({ model: 'm' }))).toMatchObject({ ok: false, model: 'm', error: { status: 400, body: { error: { param: 'input', code: 'missing_required_parameter' } } } });
    for (const input of [3, { text: 'x' }, ['x', 1], [[1], ['x']], [-1], [1.5]]) {
      expect(parseEmbeddingsRequest(bytes({ model: 'm', input }))).toMatchObject({ ok: false, error: { body: { error: { param: 'input', code: 'invalid_type' } } } });
    }
    expect(parseEmbeddingsRequest(bytes({ model: 'm', input: 'x', encoding_format: 'nope', dimensions: -1 })).ok).toBe(true);
  });

  it('sends the client bytes unchanged, or only the model renamed', () => {
    const raw = Buffer.from('{"input": "x",  "model": "m"}');
    const parsed = parseEmbeddingsRequest(raw);
    if (!parsed.ok) throw new Error('expected a request');
    expect(embeddingsUpstreamBody(parsed.request, 'm')).toBe(raw);
    expect(JSON.parse(Buffer.from(embeddingsUpstreamBody(parsed.request, 'm-2024')).toString())).toEqual({ input: 'x', model: 'm-2024' });
  });
});

describe('parseResponsesRequest', () => {
  it('reads model and stream, and measures instructions and input texts', () => {
    const input = [
      { role: 'user', content: 'abc' },
      { role: 'user', content: [{ type: 'input_text', text: 'de' }, { type: 'input_image', image_url: 'https://x' }] },
      { type: 'function_call_output', call_id: 'c', output: 'fghi' },
    ];
    expect(parseResponsesRequest(bytes({ model: 'm', instructions: '12345', input, stream: true }))).toMatchObject({
      ok: true,
      request: { model: 'm', stream: true, inputChars: 5 + 3 + 2 + 4 },
    });
    expect(parseResponsesRequest(bytes({ model: 'm', input: 'abcd', stream: null }))).toMatchObject({ ok: true, request: { stream: false, inputChars: 4 } });
  });

  it('refuses what it cannot serve and leaves everything else to OpenAI', () => {
    expect(parseResponsesRequest(Buffer.from('[]'))).toMatchObject({ ok: false, error: { body: { error: { code: 'invalid_json' } } } });
    expect(parseResponsesRequest(bytes({ model: '', input: 'x' }))).toMatchObject({ ok: false, error: { body: { error: { param: 'model', code: 'invalid_type' } } } });
    expect(parseResponsesRequest(bytes({ model: 'm', stream: 1 }))).toMatchObject({ ok: false, model: 'm', error: { body: { error: { param: 'stream', code: 'invalid_type' } } } });
    expect(parseResponsesRequest(bytes({ model: 'm', background: true }))).toMatchObject({ ok: false, error: { body: { error: { param: 'background', code: 'unsupported_parameter' } } } });
    // No input at all is valid with a stored prompt or a previous response: OpenAI decides.
    expect(parseResponsesRequest(bytes({ model: 'm', background: false, previous_response_id: 'resp_1', input: 42 })).ok).toBe(true);
  });

  it('sends the client bytes unchanged, or only the model renamed', () => {
    const raw = Buffer.from('{"model":"m","input":"x"}');
    const parsed = parseResponsesRequest(raw);
    if (!parsed.ok) throw new Error('expected a request');
    expect(responsesUpstreamBody(parsed.request, 'm')).toBe(raw);
    expect(JSON.parse(Buffer.from(responsesUpstreamBody(parsed.request, 'n')).toString())).toEqual({ model: 'n', input: 'x' });
  });
});
