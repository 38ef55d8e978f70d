// What a benchmark child reports about itself: memory, CPU time (for the cost per request), and
// what stalled its event loop (late timers, GC pauses), each since the previous sample.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { constants, monitorEventLoopDelay, PerformanceObserver, type ELDHistogram } from 'node:perf_hooks';

/** Sizes in bytes. `peakRss` is the kernel's high-water mark (VmHWM) since `peakSince`. */
export interface ProcessSample {
  rss: number;
  heapUsed: number;
  /** V8's committed heap (used or not). */
  heapTotal: number;
  /** Memory of Buffers and other objects outside the V8 heap. */
  external: number;
  peakRss: number;
  peakSince: string;
  /** User + system CPU time this process has used since it started, in microseconds. */
  cpuUs: number;
  /** The part of `cpuUs` used by the main (JavaScript) thread; null where /proc is absent. */
  mainThreadCpuUs: number | null;
  /** How late the event loop ran a 10 ms timer since the previous sample (ms): a blocked loop delays every request. */
  loopDelay: { p99Ms: number; maxMs: number };
  /** Garbage-collection pauses of the main thread since the previous sample (ms). */
  gc: { count: number; totalMs: number; maxMs: number; maxKind: string };
}

const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak callbacks',
};

let gc: ProcessSample['gc'] = { count: 0, totalMs: 0, maxMs: 0, maxKind: '-' };
let gcObserver: PerformanceObserver | undefined;

function takeGc(): ProcessSample['gc'] {
  gcObserver ??= (() => {
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        gc.count += 1;
        gc.totalMs += entry.duration;
        if (entry.duration > gc.maxMs) {
          gc.maxMs = entry.duration;
          // Node's gc entries carry `detail.kind`; the DOM typings of PerformanceEntry do not know it.
          const kind = (entry as unknown as { detail?: { kind?: number } }).detail?.kind ?? -1;
          gc.maxKind = GC_KINDS[kind] ?? 'other';
        }
      }
    });
    observer.observe({ entryTypes: ['gc'] });
    return observer;
  })();
  const taken = gc;
  gc = { count: 0, totalMs: 0, maxMs: 0, maxKind: '-' };
  return taken;
}

/** Started by the first sample, in the processes that report one. */
let loopDelay: ELDHistogram | undefined;

/** Linux reports thread times in USER_HZ ticks, 100 per second on every mainstream architecture. */
const US_PER_TICK = 10_000;

let peakSince = 'process start';

/** VmHWM from /proc/self/status: the most RSS this process has held (bytes); 0 where /proc is absent. */
export function peakRss(): number {
  try {
    const line = /^VmHWM:\s+(\d+)\s+kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return line?.[1] ? Number(line[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Resets VmHWM to the current RSS (Linux: "5" to clear_refs), so later peaks exclude what came before. */
export function resetPeakRss(since: string): void {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    peakSince = since;
  } catch {
    // Not Linux, or not allowed: the peak then covers the whole process lifetime, as `peakSince` says.
  }
}

/** utime + stime of the main thread (its thread id is the process id), 10 ms resolution. */
function mainThreadCpuUs(): number | null {
  try {
    if (!readdirSync('/proc/self/task').includes(String(process.pid))) return null;
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    // Fields after the parenthesised name, which may itself contain spaces: state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * US_PER_TICK;
  } catch {
    return null;
  }
}

export function sampleProcess(): ProcessSample {
  const memory = process.memoryUsage();
  const cpu = process.cpuUsage();
  return {
    rss: memory.rss,
    heapUsed: memory.heapUsed,
    heapTotal: memory.heapTotal,
    external: memory.external,
    peakRss: peakRss(),
    peakSince,
    cpuUs: cpu.user + cpu.system,
    mainThreadCpuUs: mainThreadCpuUs(),
    loopDelay: takeLoopDelay(),
    gc: takeGc(),
  };
}

function takeLoopDelay(): ProcessSample['loopDelay'] {
  if (!loopDelay) {
    // A coarse timer: it is there to catch the loop blocked for milliseconds, and costs 100 wake-ups a second.
    loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    return { p99Ms: 0, maxMs: 0 };
  }
  const ms = (ns: number): number => ns / 1e6;
  const result = { p99Ms: ms(loopDelay.percentile(99)), maxMs: ms(loopDelay.max) };
  loopDelay.reset();
  return result;
}

/** Whole-machine CPU time from /proc/stat (µs): `busy` counts every process and stolen time; null without /proc. */
export function machineCpu(): { busyUs: number; totalUs: number } | null {
  try {
    const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1, 9).map(Number);
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
    return { busyUs: (user + nice + system + irq + softirq + steal) * US_PER_TICK, totalUs: (user + nice + system + idle + iowait + irq + softirq + steal) * US_PER_TICK };
  } catch {
    return null;
  }
}
