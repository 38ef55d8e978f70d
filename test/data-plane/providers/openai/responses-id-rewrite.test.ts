// Binding response ids in a Responses stream: byte-exact but for the ids, wherever the upstream
// cuts its chunks, and no event held back once its last byte has arrived.
import { describe, expect, it } from 'vitest';
import { createResponseIdRewriter, createResponseIdStage } from '../../../../data-plane/providers/openai/responses-id-rewrite.js';

const ID = `resp_${'ab'.repeat(25)}`;
const PREVIOUS = `resp_${'cd'.repeat(25)}`;
const bind = (id: string): string => `resp_tbBOUND-${id.slice(-6)}`;

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
const EXPECTED = STREAM.join('').replaceAll(ID, bind(ID)).replaceAll(PREVIOUS, bind(PREVIOUS));

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
    expect(Buffer.from(stage.transform(first) as Uint8Array).toString()).toBe(STREAM[0]!.replaceAll(ID, bind(ID)).replaceAll(PREVIOUS, bind(PREVIOUS)));
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
    expect(run([Buffer.from(STREAM[0]! + cut)])).toBe((STREAM[0]! + cut).replaceAll(ID, bind(ID)).replaceAll(PREVIOUS, bind(PREVIOUS)));
  });

  it('binds only OpenAI-shaped ids: an empty or short id never rewrites the stream', () => {
    const rewriter = createResponseIdRewriter(bind);
    rewriter.learn({ id: '', previous_response_id: 'resp_', prompt_cache_options: { comparison_response_id: 'x' } });
    rewriter.know('resp');
    const bytes = Buffer.from('{"id":"","text":"resp_ x"}');
    expect(rewriter.rewrite(bytes)).toBe(bytes);
  });
});
