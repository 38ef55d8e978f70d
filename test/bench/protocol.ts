// What the orchestrator (proxy.bench.ts) can ask each benchmark child. Type aliases, not
// interfaces, so they fit the index signature of ipc.ts's `Api`.
import type { ProcessSample } from './process-sample.js';
import type { StatementStats } from './timed-sql.js';

export type { ProcessSample, StatementStats };

/** A data-plane sample also says what its database statements cost since the previous one. */
export type DataPlaneSample = ProcessSample & { sql: StatementStats[] };

/** The API-key pepper of every plane in the benchmark (at least 32 characters, as production requires). */
export const BENCH_PEPPER = 'bench-pepper-0123456789abcdef0123456789abcdef';

/** The upstream-credentials key of every plane in the benchmark (production requires one). */
export const BENCH_UPSTREAM_CREDENTIALS_KEY = 'be7c4'.padEnd(64, '0');

export type UpstreamApi = {
  /** Starts the fake OpenAI upstream on 127.0.0.1. */
  start(): Promise<{ url: string; apiKey: string }>;
  sample(): Promise<ProcessSample>;
  stop(): Promise<void>;
};

export interface DataPlaneStartParams {
  upstreamUrl: string;
  upstreamApiKey: string;
  /** A fresh folder for the embedded database and the usage spool; the orchestrator removes it. */
  dataDir: string;
  /** A server database prepared by the control-plane child, and the key it issued; the embedded PGlite when absent. */
  server?: { databaseUrl: string; apiKey: string };
  /** Where to write a CPU profile of the serving phase (startup excluded); none when absent. */
  cpuProfilePath?: string;
}

/** Server mode only: the control-plane that prepares the data-plane's database. */
export type ControlPlaneApi = {
  /** Creates a fresh database on `serverUrl`, migrates and seeds it, issues a key, and stops the control-plane. */
  prepare(params: { serverUrl: string; dataDir: string }): Promise<{ databaseUrl: string; apiKey: string }>;
  /** Drops the database it prepared. */
  stop(): Promise<void>;
};

export interface DataPlaneStarted {
  url: string;
  /** A TokenByte key issued by the control-plane's api-key service. */
  apiKey: string;
  /** Once the control-plane was up (database opened, migrated, seeded) and the key issued, before the data-plane started. */
  beforeDataPlane: ProcessSample;
  /** Once the data-plane was listening. */
  afterStart: ProcessSample;
  /** Startup high-water mark, read before it was reset (includes opening and migrating an embedded database). */
  startupPeakRss: number;
}

export interface UsageCount {
  userAgent: string | null;
  status: string;
  count: number;
}

export interface UsageReport {
  /** `select count(*) from usage_event`, after flushing the writer. */
  total: number;
  byUserAgentAndStatus: UsageCount[];
  /** The usage writer's own counters after the flush (pending, spooled, dead-lettered should be 0). */
  writer: { pending: number; spooled: number; written: number; deadLettered: number };
}

export type DataPlaneApi = {
  start(params: DataPlaneStartParams): Promise<DataPlaneStarted>;
  /** With `collectGarbage`, after a full GC first, so the heap figures show what is retained. */
  sample(params?: { collectGarbage?: boolean }): Promise<DataPlaneSample>;
  usage(): Promise<UsageReport>;
  /** Ends the CPU profile started with the data-plane, writes it, and returns its path (null when not profiling). */
  stopProfile(): Promise<string | null>;
  stop(): Promise<void>;
};
