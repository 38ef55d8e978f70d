// `npm run bench`: what the data-plane costs on the proxy path. Starts the fake OpenAI
// upstream and the real data-plane in child processes, drives both with autocannon from this
// one, and prints direct-vs-via throughput and latency, the data-plane's memory, and a check
// that every call through it left exactly one usage event. Exits 0 only when all of that held.
//
// Options (after `npm run bench --`): --duration <s> (measured, default 5), --warmup <s>
// (default 1), --concurrency 1,16,64, --scenarios non-streaming,streaming, --cpu-prof
// (profile the data-plane child while it serves; a summary is printed at the end),
// --cpu-prof-dir <dir> (default .tmp/bench-profiles), --database-url <postgres://…> (run the
// data-plane on a fresh database on that PostgreSQL server, as the planes run apart in
// production, instead of on the embedded PGlite; the database is dropped at the end).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { checkUsage, type TaggedCalls } from './accounting.js';
import { summariseCpuProfile } from './cpu-profile.js';
import { BenchChild, killAllChildren } from './ipc.js';
import { measuredRun, warmUp, type LoadResult, type LoadTarget } from './load.js';
import { machineCpu } from './process-sample.js';
import type { ControlPlaneApi, DataPlaneApi, DataPlaneStarted, ProcessSample, UpstreamApi } from './protocol.js';
import { SCENARIOS, SMOKE_USER_AGENT, smokeTest, targets, type Scenario } from './scenarios.js';
import { comparisonTable, cpuTable, databaseTable, mb, runProblems, stallTable, type ComparisonRow, type CpuPerRequest } from './report.js';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '1' },
    concurrency: { type: 'string', default: '1,16,64' },
    scenarios: { type: 'string', default: SCENARIOS.join(',') },
    'cpu-prof': { type: 'boolean', default: false },
    'cpu-prof-dir': { type: 'string', default: '.tmp/bench-profiles' },
    'database-url': { type: 'string' },
  },
});
const measuredSeconds = Number(args.duration);
const warmupSeconds = Number(args.warmup);
const concurrencies = args.concurrency.split(',').map(Number);
const scenarios = args.scenarios.split(',') as Scenario[];
if (!(measuredSeconds > 0 && measuredSeconds <= 60) || !(warmupSeconds >= 0.5 && warmupSeconds <= 30)) usage('--duration is 0–60 s, --warmup 0.5–30 s');
if (!concurrencies.every((c) => Number.isInteger(c) && c >= 1 && c <= 256)) usage('--concurrency lists integers 1–256');
if (!scenarios.every((s) => SCENARIOS.includes(s))) usage(`--scenarios lists ${SCENARIOS.join(', ')}`);
const cpuProfDir = path.resolve(args['cpu-prof-dir']);
const databaseUrl = args['database-url'];
if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) usage('--database-url is a postgres:// URL');
/** Where the data-plane's database lives, for the printed text. */
const embedded = databaseUrl === undefined;
const serverAddress = databaseUrl === undefined ? '' : new URL(databaseUrl).host;

function usage(message: string): never {
  console.error(`proxy.bench: ${message}`);
  process.exit(2);
}

// Never leave a child or the database folder behind, however this process ends.
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'tokenbyte-bench-'));
process.on('exit', () => {
  killAllChildren();
  rmSync(dataDir, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
// Every run is bounded by its own guard; this bounds the whole in case something else hangs.
const runs = scenarios.length * concurrencies.length * 2;
const overallLimitMs = (runs * (warmupSeconds + 10 + measuredSeconds * 3 + 5) + 180) * 1000;
setTimeout(() => {
  console.error(`proxy.bench: still running after ${overallLimitMs / 1000} s; giving up`);
  process.exit(3);
}, overallLimitMs).unref();

const log = (line = ''): void => console.log(line);
const progress = (line: string): void => console.error(`  … ${line}`);

function header(): void {
  const cpus = os.cpus();
  log('TokenByte proxy benchmark: the fake OpenAI upstream called directly vs through the data-plane');
  log(`node ${process.version} · ${os.platform()} ${os.arch()} · ${cpus.length} CPUs (${cpus[0]?.model.trim() ?? 'unknown'}) · ${mb(os.totalmem())} RAM`);
  log(`runs: concurrency ${concurrencies.join(', ')} × ${scenarios.join(', ')}; each a ${warmupSeconds} s warm-up, then the number of`);
  log(`  requests the warm-up rate predicts for ${measuredSeconds} s (every one answered before the run ends)`);
  log('processes: this one (autocannon: closed loop, keep-alive, no pipelining); the fake upstream (chunkDelayMs 0,');
  log('  a 5-token reply); the data-plane: startDataPlane with NODE_ENV=production, one JSON log line per request at');
  if (embedded) {
    log('  info to /dev/null, usage events on; with the control-plane in its process, both on the embedded PGlite,');
    log('  as `npm start` composes them (control-plane/all-in-one.ts).');
  } else {
    log(`  info to /dev/null, usage events on; alone on a fresh database on the PostgreSQL server at ${serverAddress}, which`);
    log('  a control-plane migrated and seeded first, as the planes run apart in production (the server shares the cores).');
  }
  log('direct = the request the data-plane would send upstream, sent to the fake; via = the client request sent to');
  log('  the data-plane with a TokenByte key. Streams: 9 SSE events + [DONE] upstream, the usage-only one hidden via.');
  log('latency = request written → last byte of the response parsed, per response, in ms (µs resolution).');
  log(`reading it: one run on ${cpus.length} shared cores, where the load generator, the fake and the data-plane compete.`);
  log('  Compare direct with via in a row (seconds apart, same conditions); absolute figures drift between runs.');
  log('  Concurrency 1 shows what one request costs; at 16 and 64 the cores are saturated, so latency is mostly');
  log('  queueing (about concurrency ÷ throughput) and req/s shows capacity.');
  log();
}

interface Children {
  upstream: BenchChild<UpstreamApi>;
  plane: BenchChild<DataPlaneApi>;
  /** Server mode only. */
  control?: BenchChild<ControlPlaneApi> | undefined;
}

/** Graceful stops, each bounded; the data-plane first (it flushes usage), the control-plane last (it drops the database). */
async function stopChildren(children: Children): Promise<void> {
  await children.plane.stop(30_000);
  await children.upstream.stop(10_000);
  await children.control?.stop(30_000);
}

/** CPU time used so far by each process (µs), and the data-plane's own sample. */
async function sampleAll(children: Children) {
  const own = process.cpuUsage();
  const [fake, plane] = await Promise.all([children.upstream.call('sample', undefined, 10_000), children.plane.call('sample', undefined, 10_000)]);
  const cpu: CpuPerRequest = { client: own.user + own.system, fake: fake.cpuUs, dataPlane: plane.cpuUs, dataPlaneMain: plane.mainThreadCpuUs ?? Number.NaN };
  return { cpu, plane, machine: machineCpu() };
}

/** The share of the machine's CPU that processes other than the benchmark's used between two samples. */
function othersShare(before: Awaited<ReturnType<typeof sampleAll>>, after: Awaited<ReturnType<typeof sampleAll>>): number {
  if (!before.machine || !after.machine) return Number.NaN;
  const ours = after.cpu.client - before.cpu.client + (after.cpu.fake - before.cpu.fake) + (after.cpu.dataPlane - before.cpu.dataPlane);
  const busy = after.machine.busyUs - before.machine.busyUs;
  return Math.max(0, busy - ours) / (after.machine.totalUs - before.machine.totalUs);
}

/** A warm-up, then a measured run with the CPU each process spent on it. */
async function side(children: Children, target: LoadTarget, connections: number, userAgent: string) {
  const warmup = await warmUp(target, { connections, seconds: warmupSeconds, userAgent: `${userAgent} warm-up` });
  const before = await sampleAll(children);
  const measured = await measuredRun(target, { connections, seconds: measuredSeconds, userAgent, ratePerSecond: warmup.rps });
  const after = await sampleAll(children);
  const per = (key: keyof CpuPerRequest): number => (after.cpu[key] - before.cpu[key]) / measured.responses;
  const cpu = { client: per('client'), fake: per('fake'), dataPlane: per('dataPlane'), dataPlaneMain: per('dataPlaneMain') };
  return { warmup, measured, cpu, plane: after.plane, others: othersShare(before, after) };
}

async function main(): Promise<number> {
  header();
  const production = { env: { ...process.env, NODE_ENV: 'production' } };
  const children: Children = {
    upstream: BenchChild.fork<UpstreamApi>('fake upstream', './upstream.child.js'),
    plane: BenchChild.fork<DataPlaneApi>('data-plane', './data-plane.child.js', { ...production, execArgv: ['--expose-gc'] }),
    // Server mode: a control-plane of its own prepares the database, so the data-plane runs alone.
    control: databaseUrl === undefined ? undefined : BenchChild.fork<ControlPlaneApi>('control-plane', './control-plane.child.js', production),
  };
  try {
    return await benchmark(children);
  } finally {
    await stopChildren(children);
  }
}

async function benchmark(children: Children): Promise<number> {
  const upstream = await children.upstream.call('start', undefined, 30_000);
  const server = children.control && databaseUrl ? await children.control.call('prepare', { serverUrl: databaseUrl, dataDir }, 120_000) : undefined;
  const cpuProfilePath = args['cpu-prof'] ? profilePath() : undefined;
  const plane = await children.plane.call(
    'start',
    { upstreamUrl: upstream.url, upstreamApiKey: upstream.apiKey, dataDir, ...(server ? { server } : {}), cpuProfilePath },
    120_000,
  );
  progress(`fake upstream ${upstream.url} (pid ${children.upstream.pid}), data-plane ${plane.url} (pid ${children.plane.pid})`);

  const failures: string[] = [];
  const rows: ComparisonRow[] = [];
  const viaCalls: TaggedCalls[] = [{ label: 'smoke tests', userAgent: SMOKE_USER_AGENT, result: smokeResult(scenarios.length), cutOff: 0 }];
  for (const scenario of scenarios) {
    const { direct, via } = targets(scenario, upstream, plane);
    await smokeTest(scenario, direct, 'direct');
    await smokeTest(scenario, via, 'via the data-plane');
  }
  for (const scenario of scenarios) {
    const { direct, via } = targets(scenario, upstream, plane);
    for (const connections of concurrencies) {
      const name = `${scenario} c=${connections}`;
      const userAgent = `tokenbyte-bench ${scenario} c=${connections}`;
      const directRun = await side(children, direct, connections, userAgent);
      progress(`${name} direct: ${Math.round(directRun.measured.rps)} req/s, p50 ${directRun.measured.p50Ms.toFixed(3)} ms`);
      const viaRun = await side(children, via, connections, userAgent);
      progress(`${name} via:    ${Math.round(viaRun.measured.rps)} req/s, p50 ${viaRun.measured.p50Ms.toFixed(3)} ms, data-plane RSS ${mb(viaRun.plane.rss)}`);
      rows.push({
        scenario,
        connections,
        direct: directRun.measured,
        via: viaRun.measured,
        directCpu: directRun.cpu,
        viaCpu: viaRun.cpu,
        others: { direct: directRun.others, via: viaRun.others },
        rssAfter: viaRun.plane.rss,
        viaLoopDelay: viaRun.plane.loopDelay,
        viaGc: viaRun.plane.gc,
        viaSql: viaRun.plane.sql,
      });
      viaCalls.push({ label: `${name} warm-up`, userAgent: `${userAgent} warm-up`, result: viaRun.warmup, cutOff: connections });
      viaCalls.push({ label: `${name} measured`, userAgent, result: viaRun.measured, cutOff: 0 });
      failures.push(...problemsOf(`${name} direct`, directRun), ...problemsOf(`${name} via`, viaRun));
    }
  }
  const profile = await children.plane.call('stopProfile', undefined, 60_000);
  const end = await children.plane.call('sample', undefined, 10_000);
  const retained = await children.plane.call('sample', { collectGarbage: true }, 30_000);
  const usage = await children.plane.call('usage', undefined, 60_000);
  await stopChildren(children);

  log();
  comparisonTable(rows).forEach((line) => log(line));
  log('(req/s: answers per second; p50/p99 in ms; added = via − direct; dp RSS: data-plane RSS after the via run)');
  log();
  log('CPU time per answered request, µs (user + system, per process, over the measured run):');
  cpuTable(rows).forEach((line) => log(line));
  log('(steadier than latency under contention: on 2 cores, req/s is at most about 2 s ÷ the total per request; "main thread"');
  log(' is the data-plane\'s JavaScript thread, the rest its GC/compiler threads; "others": the share of the machine that');
  log(' processes outside the benchmark used meanwhile — when it is not near 0%, the figures of that row are disturbed)');
  if (!embedded) log(' (the PostgreSQL server is outside the benchmark\'s processes: its work on the usage inserts counts under "others")');
  log();
  log('the data-plane\'s event loop during the measured via runs (how late a 10 ms timer fired; main-thread GC pauses):');
  stallTable(rows).forEach((line) => log(line));
  log();
  log(
    embedded
      ? 'the data-plane\'s database statements during the measured via runs (PGlite runs them on the data-plane\'s JavaScript thread):'
      : 'the data-plane\'s database statements during the measured via runs (time waiting for the server; the thread is free meanwhile):',
  );
  databaseTable(rows).forEach((line) => log(line));
  log();
  printMemory(plane, end, retained);
  log();
  const accounting = checkUsage(usage, viaCalls);
  accounting.lines.forEach((line) => log(line));
  failures.push(...accounting.failures);
  if (profile) {
    log();
    summariseCpuProfile(profile).forEach((line) => log(line));
  }
  log();
  if (failures.length > 0) {
    log('FAILED:');
    failures.forEach((failure) => log(`  - ${failure}`));
    return 1;
  }
  log('OK: every run answered 2xx with the expected bodies, and every call through the data-plane left one usage event.');
  return 0;
}

/** The smoke tests through the data-plane: one 2xx answer per scenario. */
function smokeResult(count: number): LoadResult {
  return { responses: count, ok: count, non2xx: 0, errors: 0, timeouts: 0, mismatches: 0, seconds: 0, rps: 0, p50Ms: 0, p99Ms: 0, truncated: false };
}

function problemsOf(name: string, run: { warmup: LoadResult; measured: LoadResult }): string[] {
  return [
    ...runProblems(run.warmup).map((p) => `${name} warm-up: ${p}`),
    ...runProblems(run.measured).map((p) => `${name}: ${p}`),
  ];
}

function printMemory(plane: DataPlaneStarted, end: ProcessSample, retained: ProcessSample): void {
  log(embedded ? 'data-plane memory (its process also holds the embedded PGlite database):' : 'data-plane memory:');
  log(`  RSS before the data-plane started: ${mb(plane.beforeDataPlane.rss)} (${embedded ? 'control-plane up on its PGlite' : 'the database is elsewhere'}); after: ${mb(plane.afterStart.rss)}`);
  log(`  peak RSS during startup: ${mb(plane.startupPeakRss)}`);
  log(`  RSS at the end: ${mb(end.rss)} (V8 heap ${mb(end.heapUsed)} used of ${mb(end.heapTotal)}, external ${mb(end.external)}); peak RSS since ${end.peakSince}: ${mb(end.peakRss)}`);
  log(`  after a full GC: V8 heap ${mb(retained.heapUsed)} used of ${mb(retained.heapTotal)}, RSS ${mb(retained.rss)} (what the serving retained)`);
}

function profilePath(): string {
  mkdirSync(cpuProfDir, { recursive: true });
  return path.join(cpuProfDir, `data-plane-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('proxy.bench failed:', error);
    process.exit(1);
  },
);
