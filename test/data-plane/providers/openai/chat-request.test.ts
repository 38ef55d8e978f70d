import { describe, expect, it } from 'vitest';
import { modelAllowed, parseChatRequest } from '../../../../data-plane/providers/openai/chat-request.js';

const parse = (body: unknown) => parseChatRequest(Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)));
const upstreamJson = (result: ReturnType<typeof parse>): unknown => (result.ok ? JSON.parse(Buffer.from(result.request.upstreamBody).toString()) : undefined);

describe('parseChatRequest', () => {
  it('forwards the client\'s own bytes when nothing needs adding', () => {
    const raw = '{ "model": "m",  "messages": [], "stream": true, "stream_options": {"include_usage": true} }';
    const result = parseChatRequest(Buffer.from(raw));
    expect(result.ok && Buffer.from(result.request.upstreamBody).toString()).toBe(raw);
    expect(result.ok && result.request.clientAskedForUsage).toBe(true);
  });

  it('adds include_usage to a stream, keeping the other stream options', () => {
    const result = parse({ model: 'm', messages: [], stream: true, stream_options: { include_obfuscation: false, include_usage: false } });
    expect(result.ok && result.request.clientAskedForUsage).toBe(false);
    expect(upstreamJson(result)).toEqual({ model: 'm', messages: [], stream: true, stream_options: { include_obfuscation: false, include_usage: true } });
  });

  it('leaves non-streaming requests and malformed stream_options alone', () => {
    expect(upstreamJson(parse({ model: 'm', messages: [] }))).toEqual({ model: 'm', messages: [] });
    expect(upstreamJson(parse({ model: 'm', messages: [], stream: true, stream_options: 'yes' }))).toMatchObject({ stream_options: 'yes' });
  });

  it('counts the characters of string contents and text parts only', () => {
    const result = parse({
      model: 'm',
      messages: [
        { role: 'system', content: 'abcd' },
        { role: 'user', content: [{ type: 'text', text: 'efg' }, { type: 'image_url', image_url: { url: 'https://x/y.png' } }] },
        { role: 'assistant', content: null, tool_calls: [] },
      ],
    });
    expect(result.ok && result.request.inputChars).toBe(7);
  });

  it('refuses what the gateway cannot account for', () => {
    const code = (body: unknown): unknown => {
      const result = parse(body);
      return result.ok ? 'ok' : [result.error.status, result.error.body.error.code, result.error.body.error.param];
    };
    expect(code('{')).toEqual([400, 'invalid_json', null]);
    expect(code('[1]')).toEqual([400, 'invalid_json', null]);
    expect(code({ messages: [] })).toEqual([400, 'missing_required_parameter', 'model']);
    expect(code({ model: 3, messages: [] })).toEqual([400, 'invalid_type', 'model']);
    expect(code({ model: 'm' })).toEqual([400, 'missing_required_parameter', 'messages']);
    expect(code({ model: 'm', messages: {} })).toEqual([400, 'invalid_type', 'messages']);
  });
});

describe('modelAllowed', () => {
  it('allows everything for null and only the listed models otherwise', () => {
    expect(modelAllowed(null, 'anything')).toBe(true);
    expect(modelAllowed(['a'], 'a')).toBe(true);
    expect(modelAllowed(['a'], 'b')).toBe(false);
    expect(modelAllowed([], 'a')).toBe(false);
  });
});
