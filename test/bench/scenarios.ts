// The calls the benchmark makes: a short chat completion, streamed or not, sent to the fake
// upstream directly and through the data-plane, and how each answer is checked.
import type { LoadTarget } from './load.js';
import type { DataPlaneStarted } from './protocol.js';

export const SCENARIOS = ['non-streaming', 'streaming'] as const;
export type Scenario = (typeof SCENARIOS)[number];

/** The user-agent of the smoke tests, so their usage events are told apart from the runs'. */
export const SMOKE_USER_AGENT = 'tokenbyte-bench smoke';

const MESSAGES = [{ role: 'user', content: 'Say hello to the benchmark.' }];

/** The call a client makes, and the one the data-plane makes upstream for it (a stream asks for usage). */
function bodies(scenario: Scenario): { client: string; upstream: string } {
  const client = { model: 'gpt-4o-mini', messages: MESSAGES, ...(scenario === 'streaming' ? { stream: true } : {}) };
  const upstream = scenario === 'streaming' ? { ...client, stream_options: { include_usage: true } } : client;
  return { client: JSON.stringify(client), upstream: JSON.stringify(upstream) };
}

/** Direct: what the fake answers. Via: the same, with the usage the data-plane asked for hidden again. */
function verifier(scenario: Scenario, via: boolean): (body: string) => boolean {
  if (scenario === 'non-streaming') return (body) => body.includes('"object":"chat.completion"') && body.includes('"usage":{');
  if (via) return (body) => body.endsWith('data: [DONE]\n\n') && !body.includes('"usage"');
  return (body) => body.endsWith('data: [DONE]\n\n') && body.includes('"usage":{');
}

export function targets(scenario: Scenario, upstream: { url: string; apiKey: string }, plane: DataPlaneStarted): { direct: LoadTarget; via: LoadTarget } {
  const { client, upstream: upstreamBody } = bodies(scenario);
  const json = { 'content-type': 'application/json' };
  return {
    // Direct gets exactly the request the data-plane sends upstream, so the fake does the same work in both.
    direct: {
      url: `${upstream.url}/chat/completions`,
      headers: { ...json, authorization: `Bearer ${upstream.apiKey}` },
      body: upstreamBody,
      verify: verifier(scenario, false),
    },
    via: { url: `${plane.url}/v1/chat/completions`, headers: { ...json, authorization: `Bearer ${plane.apiKey}` }, body: client, verify: verifier(scenario, true) },
  };
}

/** One request per scenario each way before any load, so a broken setup fails with a readable reason. */
export async function smokeTest(scenario: Scenario, target: LoadTarget, name: string): Promise<void> {
  const response = await fetch(target.url, {
    method: 'POST',
    headers: { ...target.headers, 'user-agent': SMOKE_USER_AGENT },
    body: target.body,
    signal: AbortSignal.timeout(10_000),
  });
  const body = await response.text();
  if (response.status !== 200 || !target.verify(body)) {
    throw new Error(`smoke test ${scenario} ${name}: HTTP ${response.status}: ${body.slice(0, 500)}`);
  }
}

