// Ids of objects OpenAI stores for TokenByte's organisation, which every account shares, and
// which no TokenByte route creates: stored prompts, files, vector stores, containers (a
// code-interpreter container created for one account's request has a cntr_ id another could
// reuse), skills, MCP tunnels. A request naming one by id is refused with the SDK's
// BadRequestError (unsupported_parameter, param the JSON path), recorded REJECTED, and
// nothing goes upstream; the inline forms still go through as sent.
import OpenAI from 'openai';
import type { ResponseCreateParamsNonStreaming } from 'openai/resources/responses/responses';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestKey, startTestDataPlane, type TestDataPlane, type TestKey } from '../../../helpers/data-plane.js';
import { startFakeOpenAI, type FakeOpenAI } from '../../../helpers/fake-openai.js';

type Params = Omit<ResponseCreateParamsNonStreaming, 'model'>;

const MODEL = 'gpt-4o-mini';
const FILE_ID = 'file-TheirInvoice';
const ASK = { type: 'input_text', text: 'What does this say?' } as const;

let fake: FakeOpenAI;
let dataPlane: TestDataPlane;
let key: TestKey;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeOpenAI();
  key = createTestKey();
  dataPlane = await startTestDataPlane({ keys: [key], upstream: { baseUrl: fake.url, apiKey: fake.apiKey } });
  client = new OpenAI({ apiKey: key.key, baseURL: `${dataPlane.url}/v1`, maxRetries: 0 });
});

afterAll(async () => {
  await dataPlane?.stop();
  await fake?.close();
});

beforeEach(() => {
  fake.reset();
  dataPlane.usageEvents.length = 0;
});

/** Every refused shape: the request, the `param` it is refused with, and what the message points to instead. */
const REFUSED: Array<{ what: string; params: Params; param: string; instead: string }> = [
  {
    what: 'a stored prompt',
    params: { prompt: { id: 'pmpt_TheirPrompt', version: '2' }, input: 'hi' },
    param: 'prompt',
    instead: "'instructions'",
  },
  {
    what: 'an input_file by file_id',
    params: { input: [{ role: 'user', content: [ASK, { type: 'input_file', file_id: FILE_ID }] }] },
    param: 'input[0].content[1].file_id',
    instead: "'file_data' or 'file_url'",
  },
  {
    what: 'an input_image by file_id',
    params: { input: [{ role: 'user', content: [{ type: 'input_image', detail: 'auto', file_id: FILE_ID }] }] },
    param: 'input[0].content[0].file_id',
    instead: "'image_url'",
  },
  {
    what: "a file in a function call's output",
    params: {
      input: [
        { role: 'user', content: 'Read my invoice' },
        { type: 'function_call_output', call_id: 'call_1', output: [{ type: 'input_file', file_id: FILE_ID }] },
      ],
    },
    param: 'input[1].output[0].file_id',
    instead: "'file_data' or 'file_url'",
  },
  {
    what: "a computer call's screenshot by file_id",
    params: { input: [{ type: 'computer_call_output', call_id: 'call_1', output: { type: 'computer_screenshot', file_id: FILE_ID } }] },
    param: 'input[0].output.file_id',
    instead: "'image_url'",
  },
  {
    what: 'file_search over vector stores',
    params: { input: 'hi', tools: [{ type: 'file_search', vector_store_ids: ['vs_Theirs'] }] },
    param: 'tools[0].vector_store_ids',
    instead: "'input'",
  },
  {
    what: 'a code_interpreter container by id (one created automatically for another account, say)',
    params: { input: 'hi', tools: [{ type: 'web_search' }, { type: 'code_interpreter', container: 'cntr_TheirAutoContainer' }] },
    param: 'tools[1].container',
    instead: '{"type": "auto"}',
  },
  {
    what: 'stored files for an automatic code_interpreter container',
    params: { input: 'hi', tools: [{ type: 'code_interpreter', container: { type: 'auto', file_ids: [FILE_ID] } }] },
    param: 'tools[0].container.file_ids',
    instead: 'input_file',
  },
  {
    what: 'a shell environment in a stored container',
    params: { input: 'hi', tools: [{ type: 'shell', environment: { type: 'container_reference', container_id: 'cntr_Theirs' } }] },
    param: 'tools[0].environment.container_id',
    instead: '{"type": "container_auto"}',
  },
  {
    what: 'a stored skill for an automatic shell container',
    params: { input: 'hi', tools: [{ type: 'shell', environment: { type: 'container_auto', skills: [{ type: 'skill_reference', skill_id: 'skill_Theirs' }] } }] },
    param: 'tools[0].environment.skills[0].skill_id',
    instead: '{"type": "inline"}',
  },
  {
    what: 'an image generation mask by file_id',
    params: { input: 'hi', tools: [{ type: 'image_generation', input_image_mask: { file_id: FILE_ID } }] },
    param: 'tools[0].input_image_mask.file_id',
    instead: "'image_url'",
  },
  {
    what: 'an MCP server through a tunnel of the organisation',
    params: { input: 'hi', tools: [{ type: 'mcp', server_label: 'crm', tunnel_id: 'tun_Theirs' }] },
    param: 'tools[0].tunnel_id',
    instead: "'server_url'",
  },
  {
    what: 'vector stores in tools added by an input item',
    params: { input: [{ type: 'additional_tools', role: 'developer', tools: [{ type: 'file_search', vector_store_ids: ['vs_Theirs'] }] }] },
    param: 'input[0].tools[0].vector_store_ids',
    instead: "'input'",
  },
];

async function badRequest(promise: Promise<unknown>): Promise<InstanceType<typeof OpenAI.BadRequestError>> {
  const error = await promise.then(
    () => {
      throw new Error('expected the call to be refused');
    },
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(OpenAI.BadRequestError);
  return error as InstanceType<typeof OpenAI.BadRequestError>;
}

describe('POST /v1/responses, ids of objects the provider stores', () => {
  it.each(REFUSED)('refuses $what, with its path as param, and sends nothing upstream', async ({ params, param, instead }) => {
    const error = await badRequest(client.responses.create({ model: MODEL, ...params }));
    expect(error.error).toEqual({
      message: expect.stringMatching(new RegExp(`^Unsupported parameter: '${escape(param)}' references .+ with the provider; TokenByte does not route .+ and cannot keep .+ private to your account — `)),
      type: 'invalid_request_error',
      param,
      code: 'unsupported_parameter',
    });
    expect(error.message).toContain(instead);
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ status: 'REJECTED', httpStatus: 400, model: MODEL, costPicoUsd: '0', inputTokens: 0, outputTokens: 0 });
    expect(fake.requests).toEqual([]);
  });

  it('refuses a streamed request the same way, before any event', async () => {
    const params = { input: [{ role: 'user' as const, content: [ASK, { type: 'input_file' as const, file_id: FILE_ID }] }] };
    const error = await badRequest(client.responses.create({ model: MODEL, ...params, stream: true }));
    expect(error).toMatchObject({ status: 400, param: 'input[0].content[1].file_id', code: 'unsupported_parameter' });
    expect(error.message).toContain(
      "'input[0].content[1].file_id' references a file stored with the provider; TokenByte does not route the Files API and cannot keep stored files private to your account — send the file inline with 'file_data' or 'file_url'.",
    );
    const [event] = await dataPlane.waitForUsage(1);
    expect(event).toMatchObject({ status: 'REJECTED', httpStatus: 400, model: MODEL });
    expect(fake.requests).toEqual([]);
  });

  it('passes the inline forms through as sent: file_data, file_url, image_url, an automatic container, inline skills, an MCP server_url', async () => {
    const params: Params = {
      input: [
        {
          role: 'user',
          content: [
            ASK,
            { type: 'input_file', filename: 'invoice.pdf', file_data: 'data:application/pdf;base64,JVBERi0xLjQK' },
            { type: 'input_file', file_url: 'https://example.com/invoice.pdf' },
            { type: 'input_image', detail: 'low', image_url: 'data:image/png;base64,iVBORw0KGgo=', file_id: null },
          ],
        },
        { type: 'computer_call_output', call_id: 'call_1', output: { type: 'computer_screenshot', image_url: 'data:image/png;base64,iVBORw0KGgo=' } },
      ],
      tools: [
        { type: 'code_interpreter', container: { type: 'auto', memory_limit: '4g', file_ids: [] } },
        { type: 'shell', environment: { type: 'container_auto', skills: [{ type: 'inline', name: 'csv', description: 'Reads CSV', source: { type: 'base64', media_type: 'application/zip', data: 'UEsDBA==' } }] } },
        { type: 'mcp', server_label: 'docs', server_url: 'https://mcp.example.com/sse', require_approval: 'never' },
        { type: 'file_search', vector_store_ids: [] },
      ],
      prompt: null,
    };
    await expect(client.responses.create({ model: MODEL, ...params })).resolves.toMatchObject({ status: 'completed' });
    const stream = await client.responses.create({ model: MODEL, ...params, stream: true });
    for await (const event of stream) expect(event.type).not.toBe('error');
    expect(fake.requests.map((r) => r.body)).toEqual([
      { ...params, model: MODEL },
      { ...params, model: MODEL, stream: true },
    ]);
    const events = await dataPlane.waitForUsage(2);
    expect(events.map((e) => e.status)).toEqual(['SUCCESS', 'SUCCESS']);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
