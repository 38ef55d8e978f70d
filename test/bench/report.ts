// Formatting of the benchmark's printed report: plain fixed-width text.
import type { LoadResult } from './load.js';
import type { StatementStats } from './timed-sql.js';

/** CPU time (user + system) each process spent per answered request of a measured run, in µs. */
export interface CpuPerRequest {
  client: number;
  fake: number;
  dataPlane: number;
  /** The data-plane's main (JavaScript) thread; the rest is GC helpers, compilers and libuv's pool. */
  dataPlaneMain: number;
}

/** One row of the comparison: the same calls direct to the fake upstream and through the data-plane. */
export interface ComparisonRow {
  scenario: string;
  connections: number;
  direct: LoadResult;
  via: LoadResult;
  directCpu: CpuPerRequest;
  viaCpu: CpuPerRequest;
  /** Share of the machine's CPU used by processes outside the benchmark during each measured run (0–1). */
  others: { direct: number; via: number };
  /** The data-plane's RSS right after the via run (bytes). */
  rssAfter: number;
  /** How late the data-plane's event loop ran during the via run (ms). */
  viaLoopDelay: { p99Ms: number; maxMs: number };
  /** The data-plane's GC pauses during the via run. */
  viaGc: { count: number; totalMs: number; maxMs: number; maxKind: string };
  /** The data-plane's database statements during the via run. */
  viaSql: StatementStats[];
}

export function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function ms(value: number): string {
  return Number.isFinite(value) ? value.toFixed(3) : 'n/a';
}

function signedMs(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  return `${value >= 0 ? '+' : ''}${value.toFixed(3)}`;
}

function rps(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** Renders rows of cells as a table with a header rule; numbers are right-aligned. */
export function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => (row[i] ?? '').length)));
  const numeric = header.map((_, i) => rows.every((row) => /^[-+\d.,]+( MB|%)?$|^n\/a$|^-$/.test(row[i] ?? '')));
  const render = (row: string[]): string =>
    row.map((cell, i) => (numeric[i] ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  return [render(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(render)];
}

export function comparisonTable(rows: ComparisonRow[]): string[] {
  return table(
    ['scenario', 'conc', 'direct req/s', 'via req/s', 'direct p50', 'via p50', 'added p50', 'direct p99', 'via p99', 'added p99', 'dp RSS'],
    rows.map((row) => [
      row.scenario,
      String(row.connections),
      rps(row.direct.rps),
      rps(row.via.rps),
      ms(row.direct.p50Ms),
      ms(row.via.p50Ms),
      signedMs(row.via.p50Ms - row.direct.p50Ms),
      ms(row.direct.p99Ms),
      ms(row.via.p99Ms),
      signedMs(row.via.p99Ms - row.direct.p99Ms),
      mb(row.rssAfter),
    ]),
  );
}

function us(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : 'n/a';
}

function share(value: number): string {
  return Number.isFinite(value) ? `${(100 * value).toFixed(0)}%` : 'n/a';
}

export function cpuTable(rows: ComparisonRow[]): string[] {
  return table(
    ['scenario', 'conc', 'direct: client', 'fake', 'total', 'others', 'via: client', 'fake', 'data-plane', '(main thread)', 'total', 'others'],
    rows.map((row) => [
      row.scenario,
      String(row.connections),
      us(row.directCpu.client),
      us(row.directCpu.fake),
      us(row.directCpu.client + row.directCpu.fake),
      share(row.others.direct),
      us(row.viaCpu.client),
      us(row.viaCpu.fake),
      us(row.viaCpu.dataPlane),
      us(row.viaCpu.dataPlaneMain),
      us(row.viaCpu.client + row.viaCpu.fake + row.viaCpu.dataPlane),
      share(row.others.via),
    ]),
  );
}

/** What stalls the data-plane's event loop: every request in flight waits while it is blocked. */
export function stallTable(rows: ComparisonRow[]): string[] {
  return table(
    ['scenario', 'conc', 'loop delay p99 ms', 'max ms', 'GC pauses', 'GC total ms', 'of the run', 'longest GC ms', 'kind'],
    rows.map((row) => [
      row.scenario,
      String(row.connections),
      ms(row.viaLoopDelay.p99Ms),
      ms(row.viaLoopDelay.maxMs),
      String(row.viaGc.count),
      ms(row.viaGc.totalMs),
      `${((100 * row.viaGc.totalMs) / 1000 / row.via.seconds).toFixed(1)}%`,
      ms(row.viaGc.maxMs),
      row.viaGc.maxKind,
    ]),
  );
}

export function databaseTable(rows: ComparisonRow[]): string[] {
  const cells: string[][] = [];
  for (const row of rows) {
    for (const st of row.viaSql) {
      cells.push([
        row.scenario,
        String(row.connections),
        st.statement,
        String(st.count),
        st.rows > 0 ? (st.rows / st.count).toFixed(0) : '-',
        ms(st.totalMs / st.count),
        ms(st.maxMs),
        `${((100 * st.totalMs) / 1000 / row.via.seconds).toFixed(1)}%`,
      ]);
    }
  }
  return table(['scenario', 'conc', 'statement', 'count', 'rows each', 'avg ms', 'max ms', 'of the run'], cells);
}

/** Anything but clean 2xx answers, as a short phrase; empty when the run was clean. */
export function runProblems(result: LoadResult): string[] {
  const problems: string[] = [];
  if (result.non2xx > 0) problems.push(`${result.non2xx} non-2xx`);
  if (result.errors > 0) problems.push(`${result.errors} errors (${result.timeouts} timeouts)`);
  if (result.mismatches > 0) problems.push(`${result.mismatches} bodies failed the check`);
  if (result.truncated) problems.push('stopped by the guard timer before its planned amount');
  return problems;
}
