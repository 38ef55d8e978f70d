// OpenAI chat-completions requests → Gemini generateContent requests, and the 400s (in OpenAI's
// shape, naming the parameter) for what has no faithful translation.
import { describe, expect, it } from 'vitest';
import { openAIChatToGemini } from '../../../../../data-plane/providers/gemini/translate/chat-request.js';

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

function translate(body: Record<string, unknown>) {
  const result = openAIChatToGemini({ model: 'gemini-2.5-flash', ...body });
  if (!result.ok) throw new Error(`expected a translation, got ${JSON.stringify(result.error)}`);
  return result.value;
}

function refusal(body: Record<string, unknown>) {
  const result = openAIChatToGemini({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }], ...body });
  if (result.ok) throw new Error('expected a refusal');
  expect(result.error.status).toBe(400);
  expect(result.error.body.error.type).toBe('invalid_request_error');
  return result.error.body.error;
}

describe('openAIChatToGemini: messages', () => {
  it('puts system and developer messages in systemInstruction and maps user/assistant to user/model', () => {
    const translated = translate({
      messages: [
        { role: 'system', content: 'Be terse.' },
        { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] },
        { role: 'user', content: 'Hello' },
        { role: 'assistant', content: 'Bonjour' },
        { role: 'user', content: [{ type: 'text', text: 'Again' }] },
      ],
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(translated).toEqual({
      model: 'gemini-2.5-flash',
      stream: true,
      includeUsage: true,
      request: {
        systemInstruction: { parts: [{ text: 'Be terse.' }, { text: 'Answer in French.' }] },
        contents: [
          { role: 'user', parts: [{ text: 'Hello' }] },
          { role: 'model', parts: [{ text: 'Bonjour' }] },
          { role: 'user', parts: [{ text: 'Again' }] },
        ],
      },
    });
  });

  it('turns assistant tool_calls into functionCall parts and tool results into functionResponse parts named from the call id', () => {
    const { request } = translate({
      messages: [
        { role: 'user', content: 'Weather in Paris and Rome?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' }, extra_content: { google: { thought_signature: 'sig-1' } } },
            { id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '{"city":"Rome"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_b', content: '12:00' },
        { role: 'tool', tool_call_id: 'call_a', content: '{"celsius":21}' },
      ],
    });
    expect(request.contents).toEqual([
      { role: 'user', parts: [{ text: 'Weather in Paris and Rome?' }] },
      {
        role: 'model',
        parts: [
          { functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: 'sig-1' },
          { functionCall: { name: 'get_time', args: { city: 'Rome' } } },
        ],
      },
      // Parallel results arrive in one turn, as Gemini requires.
      {
        role: 'user',
        parts: [{ functionResponse: { name: 'get_time', response: { result: '12:00' } } }, { functionResponse: { name: 'get_weather', response: { celsius: 21 } } }],
      },
    ]);
  });

  it('sends base64 images inline and https images as fileData, which Gemini fetches itself', () => {
    const { request } = translate({
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Compare' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.JPG?size=large', detail: 'high' } },
            { type: 'image_url', image_url: { url: 'https://example.com/render' } },
            { type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'wav' } },
            { type: 'file', file: { file_data: `data:application/pdf;base64,JVBERi0=`, filename: 'a.pdf' } },
          ],
        },
      ],
    });
    expect(request.contents[0]?.parts).toEqual([
      { text: 'Compare' },
      { inlineData: { mimeType: 'image/png', data: PNG } },
      { fileData: { fileUri: 'https://example.com/cat.JPG?size=large', mimeType: 'image/jpeg' } },
      { fileData: { fileUri: 'https://example.com/render' } },
      { inlineData: { mimeType: 'audio/wav', data: 'UklGRg==' } },
      { inlineData: { mimeType: 'application/pdf', data: 'JVBERi0=' } },
    ]);
  });

  it('refuses what Gemini cannot read, naming the part', () => {
    const image = (url: string) => refusal({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url } }] }] });
    expect(image('ftp://example.com/a.png')).toMatchObject({ param: 'messages[0].content[0].image_url.url', code: 'unsupported_value' });
    expect(image('http://example.com/a.png')).toMatchObject({ param: 'messages[0].content[0].image_url.url', code: 'unsupported_value' });
    expect(image('not a url')).toMatchObject({ code: 'invalid_value' });
    expect(image('data:image/png,rawbytes')).toMatchObject({ param: 'messages[0].content[0].image_url.url', code: 'invalid_value' });
    expect(refusal({ messages: [{ role: 'user', content: [{ type: 'file', file: { file_id: 'file-abc' } }] }] })).toMatchObject({ param: 'messages[0].content[0].file' });
    expect(refusal({ messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'x', format: 'flac' } }] }] })).toMatchObject({ param: 'messages[0].content[0].input_audio.format' });
    expect(refusal({ messages: [{ role: 'function', name: 'f', content: 'x' }] })).toMatchObject({ param: 'messages[0].role' });
    expect(refusal({ messages: [{ role: 'tool', tool_call_id: 'call_unknown', content: 'x' }] })).toMatchObject({ param: 'messages[0].tool_call_id' });
    const badArgs = [{ role: 'assistant', tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '[1,2]' } }] }];
    expect(refusal({ messages: badArgs })).toMatchObject({ param: 'messages[0].tool_calls[0].function.arguments' });
    expect(refusal({ messages: [] })).toMatchObject({ param: 'messages' });
  });
});

describe('openAIChatToGemini: parameters', () => {
  it('maps sampling, length, stop, seed, penalties, reasoning effort and JSON mode into generationConfig', () => {
    const { request } = translate({
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 100,
      temperature: 0.2,
      top_p: 0.9,
      stop: 'END',
      seed: 7,
      presence_penalty: 0.5,
      frequency_penalty: 0.25,
      reasoning_effort: 'low',
      response_format: { type: 'json_object' },
      n: 1,
      logprobs: false,
      user: 'someone',
      parallel_tool_calls: false,
    });
    expect(request.generationConfig).toEqual({
      maxOutputTokens: 100,
      temperature: 0.2,
      topP: 0.9,
      stopSequences: ['END'],
      seed: 7,
      presencePenalty: 0.5,
      frequencyPenalty: 0.25,
      thinkingConfig: { thinkingBudget: 1024 },
      responseMimeType: 'application/json',
    });
    expect(translate({ messages: [{ role: 'user', content: 'hi' }], max_completion_tokens: 5, stop: ['a', 'b'] }).request.generationConfig).toEqual({ maxOutputTokens: 5, stopSequences: ['a', 'b'] });
  });

  it('converts a json_schema response format into responseSchema', () => {
    const { request } = translate({
      messages: [{ role: 'user', content: 'hi' }],
      response_format: { type: 'json_schema', json_schema: { name: 'r', strict: true, schema: { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'], additionalProperties: false } } },
    });
    expect(request.generationConfig).toEqual({ responseMimeType: 'application/json', responseSchema: { type: 'OBJECT', properties: { n: { type: 'INTEGER' } }, required: ['n'] } });
  });

  it('translates function tools (schemas converted; no-argument functions without parameters) and every tool_choice', () => {
    const tools = [
      { type: 'function', function: { name: 'get_weather', description: 'Weather now', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }, strict: true } },
      { type: 'function', function: { name: 'ping', parameters: { type: 'object', properties: {} } } },
    ];
    const base = { messages: [{ role: 'user', content: 'hi' }], tools };
    expect(translate(base).request.tools).toEqual([
      {
        functionDeclarations: [
          { name: 'get_weather', description: 'Weather now', parameters: { type: 'OBJECT', properties: { city: { type: 'STRING' } }, required: ['city'] } },
          { name: 'ping' },
        ],
      },
    ]);
    const mode = (tool_choice: unknown) => translate({ ...base, tool_choice }).request.toolConfig;
    expect(mode('none')).toEqual({ functionCallingConfig: { mode: 'NONE' } });
    expect(mode('auto')).toEqual({ functionCallingConfig: { mode: 'AUTO' } });
    expect(mode('required')).toEqual({ functionCallingConfig: { mode: 'ANY' } });
    expect(mode({ type: 'function', function: { name: 'ping' } })).toEqual({ functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['ping'] } });
  });

  it('refuses untranslatable parameters with a 400 naming each', () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ n: 2 }, 'n'],
      [{ logprobs: true }, 'logprobs'],
      [{ top_logprobs: 3 }, 'top_logprobs'],
      [{ modalities: ['text', 'audio'] }, 'modalities'],
      [{ audio: { voice: 'alloy', format: 'wav' } }, 'audio'],
      [{ logit_bias: { '50256': -100 } }, 'logit_bias'],
      [{ functions: [{ name: 'f' }] }, 'functions'],
      [{ reasoning_effort: 'extreme' }, 'reasoning_effort'],
      [{ response_format: { type: 'grammar' } }, 'response_format'],
      [{ tools: [{ type: 'web_search' }] }, 'tools[0].type'],
      [{ tool_choice: 'sometimes' }, 'tool_choice'],
      [{ max_tokens: 0 }, 'max_tokens'],
      [{ temperature: 'hot' }, 'temperature'],
      [{ frobnicate: true }, 'frobnicate'],
      [{ response_format: { type: 'json_schema', json_schema: { name: 'r', schema: { $ref: '#/$defs/x' } } } }, 'response_format.json_schema.schema'],
    ];
    for (const [body, param] of cases) {
      const error = refusal(body);
      expect(error.param, JSON.stringify(body)).toBe(param);
      expect(error.message.length).toBeGreaterThan(10);
    }
    expect(refusal({ frobnicate: true }).message).toBe('Unrecognized request argument supplied: frobnicate');
    expect(refusal({ model: undefined })).toMatchObject({ param: 'model', code: 'missing_required_parameter' });
  });
});
