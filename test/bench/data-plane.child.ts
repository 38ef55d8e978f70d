// Benchmark child: the real data-plane, composed as it ships (see bench-stack.ts), serving the
// orchestrator's load and answering its questions about memory, CPU, the database and usage.
import { rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { pino } from 'pino';
import { createLogger } from '../../shared/logger.js';
import { startBenchStack, type BenchStack } from './bench-stack.js';
import { serveCalls } from './ipc.js';
import { peakRss, resetPeakRss, sampleProcess } from './process-sample.js';
import type { DataPlaneApi, UsageReport } from './protocol.js';

let stack: BenchStack | undefined;
let ownDataDir: string | undefined;
let profiler: { session: Session; path: string } | undefined;

/** Samples every 100 µs (V8's default is 1 ms): a proxied request lasts well under a millisecond. */
async function startProfile(file: string): Promise<void> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
  profiler = { session, path: file };
}

function started(): BenchStack {
  if (!stack) throw new Error('not started');
  return stack;
}

const api: DataPlaneApi = {
  async start({ upstreamUrl, upstreamApiKey, dataDir, server, cpuProfilePath }) {
    ownDataDir = dataDir;
    // Production logs JSON lines to stdout; the same lines go to /dev/null here, so their
    // cost is measured without flooding the benchmark's output.
    const logger = createLogger({ level: 'info', name: 'tokenbyte', destination: pino.destination({ dest: '/dev/null', sync: true }) });
    stack = await startBenchStack({ dataDir, server, upstream: { url: upstreamUrl, apiKey: upstreamApiKey }, logger });
    const afterStart = sampleProcess();
    const startupPeakRss = peakRss();
    resetPeakRss('serving start');
    stack.sql.take();
    if (cpuProfilePath) await startProfile(cpuProfilePath);
    return { url: stack.plane.url, apiKey: stack.apiKey, beforeDataPlane: stack.beforeDataPlane, afterStart, startupPeakRss };
  },

  async sample(params) {
    // The orchestrator starts this child with --expose-gc for exactly this.
    if (params?.collectGarbage) (globalThis as { gc?: () => void }).gc?.();
    return { ...sampleProcess(), sql: stack?.sql.take() ?? [] };
  },

  async usage(): Promise<UsageReport> {
    const { plane, sql } = started();
    await plane.usage.flush();
    const rows = await sql.sql.query<{ user_agent: string | null; status: string; n: number }>(
      'select user_agent, status, count(*)::int as n from usage_event group by user_agent, status order by user_agent, status',
    );
    const [total] = await sql.sql.query<{ n: number }>('select count(*)::int as n from usage_event');
    return {
      total: total?.n ?? 0,
      byUserAgentAndStatus: rows.map((row) => ({ userAgent: row.user_agent, status: row.status, count: row.n })),
      writer: plane.usage.stats(),
    };
  },

  async stopProfile() {
    if (!profiler) return null;
    const { session, path: file } = profiler;
    profiler = undefined;
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    writeFileSync(file, JSON.stringify(profile));
    return file;
  },

  async stop() {
    await stack?.close();
  },
};

// Normally the orchestrator removes the folder; killed, it cannot, and the embedded database is large.
serveCalls(api, () => {
  if (ownDataDir) rmSync(ownDataDir, { recursive: true, force: true });
});
