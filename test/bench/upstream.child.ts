// Benchmark child: the fake OpenAI upstream in a process of its own, so its CPU shows
// up apart from the data-plane's.
import { startFakeOpenAI, type FakeOpenAI } from '../helpers/fake-openai.js';
import { serveCalls } from './ipc.js';
import { sampleProcess } from './process-sample.js';
import type { UpstreamApi } from './protocol.js';

/** The fake keeps every request for test assertions; forgetting them often keeps its memory flat under load. */
const FORGET_REQUESTS_EVERY_MS = 250;

let fake: FakeOpenAI | undefined;

const api: UpstreamApi = {
  async start() {
    // No pause between stream chunks: the streaming figures then measure the proxy, not sleeps.
    // The default reply is fixed and short: 5 one-token pieces.
    fake = await startFakeOpenAI({ chunkDelayMs: 0 });
    const started = fake;
    setInterval(() => started.reset(), FORGET_REQUESTS_EVERY_MS).unref();
    return { url: started.url, apiKey: started.apiKey };
  },
  async sample() {
    return sampleProcess();
  },
  async stop() {
    await fake?.close();
  },
};

serveCalls(api);
