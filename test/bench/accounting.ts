// Matches the data-plane's usage events to what the load generator saw: every answered
// request through the data-plane must have left exactly one usage event.
import type { LoadResult } from './load.js';
import type { UsageReport } from './protocol.js';
import { table } from './report.js';

/** The calls made through the data-plane under one user-agent. */
export interface TaggedCalls {
  label: string;
  userAgent: string;
  result: LoadResult;
  /**
   * Requests that may have been in flight when the run was cut off (0 for runs of a fixed
   * amount): each may or may not have left an event, as SUCCESS or CLIENT_ABORT.
   */
  cutOff: number;
}

export interface Accounting {
  lines: string[];
  failures: string[];
}

export function checkUsage(report: UsageReport, calls: TaggedCalls[]): Accounting {
  const failures: string[] = [];
  const rows: string[][] = [];
  const known = new Set(calls.map((c) => c.userAgent));
  for (const call of calls) {
    const groups = report.byUserAgentAndStatus.filter((g) => g.userAgent === call.userAgent);
    const events = groups.reduce((n, g) => n + g.count, 0);
    const success = groups.filter((g) => g.status === 'SUCCESS').reduce((n, g) => n + g.count, 0);
    const others = groups.filter((g) => g.status !== 'SUCCESS');
    const unexpected = others.filter((g) => call.cutOff === 0 || g.status !== 'CLIENT_ABORT');
    const { responses, ok } = call.result;
    const exact = events === responses && success === ok;
    const withinCutOff = events >= responses && events <= responses + call.cutOff && success >= ok && success <= ok + call.cutOff;
    const good = unexpected.length === 0 && (call.cutOff === 0 ? exact : withinCutOff);
    const verdict = good ? (exact ? 'exact' : `ok (+${events - responses} cut off)`) : 'MISMATCH';
    if (!good) {
      failures.push(
        `usage events for ${call.label}: ${events} (${success} SUCCESS${others.map((g) => `, ${g.count} ${g.status}`).join('')}) for ${responses} answers (${ok} 2xx)` +
          (call.cutOff > 0 ? ` and up to ${call.cutOff} cut off` : ''),
      );
    }
    const otherText = others.map((g) => `${g.count} ${g.status}`).join(', ') || '-';
    rows.push([call.label, String(responses), String(ok), String(events), String(success), otherText, verdict]);
  }
  const stray = report.byUserAgentAndStatus.filter((g) => g.userAgent === null || !known.has(g.userAgent));
  for (const g of stray) failures.push(`${g.count} usage events (${g.status}) from an unknown user-agent: ${g.userAgent ?? '(none)'}`);
  const tagged = report.byUserAgentAndStatus.reduce((n, g) => n + g.count, 0);
  if (tagged !== report.total) failures.push(`usage_event has ${report.total} rows but the per-user-agent counts add up to ${tagged}`);
  const { writer } = report;
  if (writer.pending > 0 || writer.spooled > 0 || writer.deadLettered > 0) {
    failures.push(`the usage writer still holds events after a flush: ${JSON.stringify(writer)}`);
  }
  const answered = calls.reduce((n, c) => n + c.result.ok, 0);
  const byStatus = new Map<string, number>();
  for (const g of report.byUserAgentAndStatus) byStatus.set(g.status, (byStatus.get(g.status) ?? 0) + g.count);
  const statusText = [...byStatus].map(([status, n]) => `${n} ${status}`).join(' + ') || '0';
  const lines = [
    `usage events written (select count(*) from usage_event): ${report.total} = ${statusText}`,
    `2xx answers through the data-plane (autocannon's 2xx count + smoke tests): ${answered}; the difference is requests cut off when a warm-up ended`,
    `usage writer after flush: written ${writer.written}, pending ${writer.pending}, spooled ${writer.spooled}, dead-lettered ${writer.deadLettered}`,
    'per run through the data-plane (matched by user-agent; warm-ups end by cutting off in-flight requests):',
    ...table(['run', 'answered', '2xx', 'events', 'SUCCESS', 'other events', 'verdict'], rows).map((line) => `  ${line}`),
  ];
  return { lines, failures };
}
