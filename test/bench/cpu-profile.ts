// Summarises a V8 .cpuprofile (from `node --cpu-prof`) as text: where the busy time went,
// by area (our code, each package, node internals, GC) and by function (self and inclusive).
// Also a CLI: node .bench-dist/test/bench/cpu-profile.js <file.cpuprofile> [rows]
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Not work: the thread was waiting for I/O. */
const IDLE = '(idle)';

function shortUrl(url: string): string {
  const dist = url.indexOf('/.bench-dist/');
  if (dist !== -1) return url.slice(dist + '/.bench-dist/'.length);
  const modules = url.lastIndexOf('/node_modules/');
  if (modules !== -1) return url.slice(modules + '/node_modules/'.length);
  return url;
}

/** Our folder (`data-plane/proxy`), a package name, `node internals`, or a V8 pseudo-frame like `(garbage collector)`. */
function areaOf(frame: CallFrame): string {
  const url = frame.url;
  if (url === '') return frame.functionName.startsWith('(') ? frame.functionName : 'native';
  if (url.startsWith('node:')) return 'node internals';
  const dist = url.indexOf('/.bench-dist/');
  if (dist !== -1) return url.slice(dist + '/.bench-dist/'.length).split('/').slice(0, -1).join('/');
  const modules = url.lastIndexOf('/node_modules/');
  if (modules !== -1) {
    const [scope, name] = url.slice(modules + '/node_modules/'.length).split('/');
    return scope?.startsWith('@') ? `${scope}/${name}` : (scope ?? url);
  }
  return url;
}

function label(frame: CallFrame): string {
  const where = frame.url === '' ? '' : ` ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
  return `${frame.functionName || '(anonymous)'}${where}`;
}

function top(map: Map<string, number>, rows: number): [string, number][] {
  return [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, rows);
}

/** The summary as printable lines; times are the sampled microseconds V8 attributes to each frame. */
export function summariseCpuProfile(file: string, rows = 25): string[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const selfByArea = new Map<string, number>();
  const selfByFunction = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  const add = (map: Map<string, number>, key: string, us: number): void => {
    map.set(key, (map.get(key) ?? 0) + us);
  };
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i] ?? -1);
    // V8 gives the time since the previous sample: the time until the next one belongs to this sample.
    const us = profile.timeDeltas[i + 1] ?? 0;
    if (!node || us <= 0) continue;
    if (node.callFrame.functionName === IDLE) {
      idle += us;
      continue;
    }
    busy += us;
    add(selfByArea, areaOf(node.callFrame), us);
    add(selfByFunction, label(node.callFrame), us);
    // Each frame once per sample, however deep the recursion.
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id)?.callFrame;
      if (!frame || frame.functionName === '(root)') continue;
      const key = label(frame);
      if (!seen.has(key)) {
        seen.add(key);
        add(inclusive, key, us);
      }
    }
  }

  const pct = (us: number): string => `${((100 * us) / busy).toFixed(1).padStart(5)}%`;
  const ms = (us: number): string => `${(us / 1000).toFixed(0).padStart(7)} ms`;
  const lines = [
    `CPU profile ${file}`,
    `busy ${(busy / 1000).toFixed(0)} ms, idle ${(idle / 1000).toFixed(0)} ms; percentages are of busy time`,
    '',
    'self time by area:',
    ...top(selfByArea, rows).map(([area, us]) => `  ${pct(us)} ${ms(us)}  ${area}`),
    '',
    'self time by function:',
    ...top(selfByFunction, rows).map(([name, us]) => `  ${pct(us)} ${ms(us)}  ${name}`),
    '',
    'inclusive time by function (the function and everything it called):',
    ...top(inclusive, rows * 2).map(([name, us]) => `  ${pct(us)} ${ms(us)}  ${name}`),
  ];
  return lines;
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href) {
  const [file, rows] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node cpu-profile.js <file.cpuprofile> [rows]');
    process.exit(2);
  }
  console.log(summariseCpuProfile(file, rows ? Number(rows) : undefined).join('\n'));
}
