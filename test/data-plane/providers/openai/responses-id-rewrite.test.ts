// Binding response ids in a Responses stream: byte-exact but for the ids, wherever the upstream
// cuts its chunks, and no event held back once its last byte has arrived.
import { describe, expect, it } from 'vitest';
import { createResponseIdRewriter, createResponseIdStage } from '../../../../data-plane/providers/openai/responses-id-rewrite.js';

const ID = `resp_${'ab'.repeat(25)}`;
const PREVIOUS = `resp_${'cd'.repeat(25)}`;
const bind = { response: (id: string): string => `resp_tbBOUND-${id.slice(-6)}`, item: (id: string): string => `${id.split('_')[0]}_tbITEM-${id.slice(-6)}` };

function frame(event: Record<string, unknown>): string {
  return `event: ${String(event['type'])}\ndata: ${JSON.stringify(event)}\n\n`;
}

const response = { id: ID, object: 'response', status: 'in_progress', previous_response_id: PREVIOUS, output: [] };
const STREAM = [
  frame({ type: 'response.created', response, sequence_number: 0 }),
  frame({ type: 'response.in_progress', response, sequence_number: 1 }),
  frame({ type: 'response.output_text.delta', item_id: 'msg_1', delta: 'Hello', sequence_number: 2 }),
  frame({ type: 'response.completed', response: { ...response, status: 'completed' }, sequence_number: 3 }),
];
const EXPECTED = STREAM.join('').replaceAll(ID, bind.response(ID)).replaceAll(PREVIOUS, bind.response(PREVIOUS));

function run(chunks: Uint8Array[]): string {
  const stage = createResponseIdStage(createResponseIdRewriter(bind));
  const out: Uint8Array[] = [];
  for (const chunk of chunks) {
    const piece = stage.transform(chunk);
    out.push(...(Array.isArray(piece) ? piece : [piece]));
  }
  out.push(stage.flush());
  return Buffer.concat(out).toString('utf8');
}

describe('response id stream stage', () => {
  it('binds every id, its own and the previous one, and leaves every other byte alone', () => {
    expect(run([Buffer.from(STREAM.join(''))])).toBe(EXPECTED);
  });

  it('gives the same bytes however the upstream cuts its chunks, even inside an id', () => {
    const bytes = Buffer.from(STREAM.join(''));
    for (let size = 1; size <= 64; size *= 2) {
      const chunks: Uint8Array[] = [];
      for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
      expect(run(chunks), `chunks of ${size}`).toBe(EXPECTED);
    }
    const inside = bytes.indexOf(ID) + 10;
    expect(run([bytes.subarray(0, inside), bytes.subarray(inside)])).toBe(EXPECTED);
  });

  it('lets an event out as soon as its last byte arrives, and holds only an unfinished one', () => {
    const stage = createResponseIdStage(createResponseIdRewriter(bind));
    const first = Buffer.from(STREAM[0]!);
    expect(Buffer.from(stage.transform(first) as Uint8Array).toString()).toBe(STREAM[0]!.replaceAll(ID, bind.response(ID)).replaceAll(PREVIOUS, bind.response(PREVIOUS)));
    const delta = Buffer.from(STREAM[2]!);
    // A delta passes the moment it is whole, as a view of the chunk itself (no copy: there is no id in it).
    const passed = stage.transform(delta) as Uint8Array;
    expect(passed.buffer).toBe(delta.buffer);
    expect(Buffer.from(passed).equals(delta)).toBe(true);
    expect((stage.transform(delta.subarray(0, 10)) as Uint8Array).byteLength).toBe(0);
    expect(Buffer.from(stage.transform(delta.subarray(10)) as Uint8Array).equals(delta)).toBe(true);
  });

  it('passes an unterminated last event on flush, ids bound', () => {
    const cut = STREAM[3]!.slice(0, -2);
    expect(run([Buffer.from(STREAM[0]! + cut)])).toBe((STREAM[0]! + cut).replaceAll(ID, bind.response(ID)).replaceAll(PREVIOUS, bind.response(PREVIOUS)));
  });

  it('binds only OpenAI-shaped ids: an empty or short id never rewrites the stream', () => {
    const rewriter = createResponseIdRewriter(bind);
    rewriter.learn({ id: '', previous_response_id: 'resp_', prompt_cache_options: { comparison_response_id: 'x' } });
    rewriter.knowResponse('resp');
    rewriter.knowItem('msg');
    const bytes = Buffer.from('{"id":"","text":"resp_ x"}');
    expect(rewriter.rewrite(bytes)).toBe(bytes);
  });
});

describe('item ids in a Responses stream', () => {
  const REASONING = `rs_${'ef'.repeat(25)}`;
  const MESSAGE = `msg_${'01'.repeat(25)}`;
  const reasoning = { id: REASONING, type: 'reasoning', summary: [] };
  const message = { id: MESSAGE, type: 'message', role: 'assistant', status: 'in_progress', content: [] };
  const ITEMS = [
    frame({ type: 'response.created', response, sequence_number: 0 }),
    frame({ type: 'response.output_item.added', output_index: 0, item: reasoning, sequence_number: 1 }),
    frame({ type: 'response.reasoning_summary_text.delta', item_id: REASONING, output_index: 0, summary_index: 0, delta: 'Thinking', sequence_number: 2 }),
    frame({ type: 'response.output_item.done', output_index: 0, item: reasoning, sequence_number: 3 }),
    frame({ type: 'response.output_item.added', output_index: 1, item: message, sequence_number: 4 }),
    frame({ type: 'response.output_text.delta', item_id: MESSAGE, output_index: 1, content_index: 0, delta: 'Hello msg_x', logprobs: [], sequence_number: 5 }),
    frame({ type: 'response.completed', response: { ...response, status: 'completed', output: [reasoning, { ...message, status: 'completed' }] }, sequence_number: 6 }),
  ];
  const bound = (text: string): string =>
    text.replaceAll(ID, bind.response(ID)).replaceAll(PREVIOUS, bind.response(PREVIOUS)).replaceAll(REASONING, bind.item(REASONING)).replaceAll(MESSAGE, bind.item(MESSAGE));

  function runItems(chunks: Uint8Array[]): string {
    const stage = createResponseIdStage(createResponseIdRewriter(bind));
    const out: Uint8Array[] = [];
    for (const chunk of chunks) {
      const piece = stage.transform(chunk);
      out.push(...(Array.isArray(piece) ? piece : [piece]));
    }
    out.push(stage.flush());
    return Buffer.concat(out).toString('utf8');
  }

  it('binds each item id from its output_item.added on, in every delta, keeping its type prefix', () => {
    const out = runItems([Buffer.from(ITEMS.join(''))]);
    expect(out).toBe(bound(ITEMS.join('')));
    expect(out).not.toMatch(/(rs|msg|resp)_[0-9a-f]{50}/);
    expect(out).toContain(`"item_id":"rs_tbITEM-`);
  });

  it('gives the same bytes however the upstream cuts its chunks', () => {
    const bytes = Buffer.from(ITEMS.join(''));
    for (const size of [1, 3, 7, 50, 200]) {
      const chunks: Uint8Array[] = [];
      for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
      expect(runItems(chunks), `chunks of ${size}`).toBe(bound(ITEMS.join('')));
    }
  });

  it('binds the item_id of a replay that starts after the item was added', () => {
    expect(runItems([Buffer.from(ITEMS.slice(5).join(''))])).toBe(bound(ITEMS.slice(5).join('')));
  });

  it('copies a delta once when it names an id and not at all when it names none', () => {
    const rewriter = createResponseIdRewriter(bind);
    rewriter.knowItem(MESSAGE);
    const plain = Buffer.from(frame({ type: 'response.output_text.delta', item_id: 'msg_1', delta: 'snake_case and msg_0123 text', sequence_number: 9 }));
    expect(rewriter.rewrite(plain)).toBe(plain);
    const named = Buffer.from(ITEMS[5]!);
    expect(Buffer.from(rewriter.rewrite(named)).toString()).toBe(bound(ITEMS[5]!));
  });

  it('learns the item ids of an input_items page, and leaves id-shaped text that names no item alone', () => {
    const rewriter = createResponseIdRewriter(bind);
    const page = { object: 'list', data: [{ id: MESSAGE, type: 'message' }, { id: REASONING, type: 'reasoning' }], first_id: MESSAGE, last_id: REASONING, has_more: false };
    rewriter.learn(page);
    const text = JSON.stringify({ ...page, note: `rs_${'99'.repeat(25)} x_${MESSAGE}` });
    expect(Buffer.from(rewriter.rewrite(Buffer.from(text))).toString()).toBe(
      text.replaceAll(MESSAGE, bind.item(MESSAGE)).replaceAll(REASONING, bind.item(REASONING)),
    );
  });
});
