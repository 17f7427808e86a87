/**
 * The console of `sealfold certify server`: one line per test group with a live count on a
 * terminal, plain finished-group lines otherwise (CI logs), and a summary per run with the
 * verdicts and the report paths. Nothing here sees a secret: results are redacted before they
 * are reported.
 *
 * @module
 */
import type { ResultStatus } from '../core/results.js';
import type { TestResult } from '../report/types.js';
import type { CertifyResult } from './certify.js';
import type { RunEvent } from './run.js';

export interface ConsoleOptions {
  write: (text: string) => void;
  /** Rewrite the current group's line in place (a terminal). */
  live: boolean;
  /** Only the verdicts, the exit code and problems. */
  quiet: boolean;
}

const EXIT_MEANING: Record<number, string> = {
  0: 'every in-scope MUST passed',
  1: 'conformance failures',
  2: 'harness or network errors, or timeouts',
  3: 'configuration or pre-flight error',
};

/** `PASS 3, FAIL 1` for the statuses that occurred, in vocabulary order. */
function counts(results: readonly TestResult[]): string {
  const order: ResultStatus[] = ['PASS', 'FAIL', 'WARN', 'SKIP', 'UNSUPPORTED', 'TIMEOUT', 'ERROR'];
  const n = new Map<ResultStatus, number>();
  for (const r of results) n.set(r.status, (n.get(r.status) ?? 0) + 1);
  return order
    .filter((s) => n.has(s))
    .map((s) => `${s} ${n.get(s)}`)
    .join(', ');
}

/** A progress observer for {@link RunEvent}s. */
export function consoleProgress(opts: ConsoleOptions): (e: RunEvent) => void {
  let sizes = new Map<string, number>();
  let width = 0;
  const done = new Map<string, TestResult[]>();
  let current: string | null = null;
  const line = (group: string) => {
    const rs = done.get(group) ?? [];
    const tally = counts(rs);
    return `  ${group.padEnd(width)}  ${String(rs.length).padStart(3)}/${sizes.get(group) ?? '?'}${tally ? `  ${tally}` : ''}`;
  };
  return (e) => {
    if (opts.quiet) return;
    switch (e.type) {
      case 'run-start':
        sizes = new Map(e.groups.map((g) => [g.name, g.size]));
        width = Math.max(8, ...e.groups.map((g) => g.name.length));
        done.clear();
        current = null;
        opts.write(`run ${e.runId}: ${e.total} tests, status profile ${e.statusProfile}\n`);
        break;
      case 'test-start':
        if (opts.live && current !== e.group) {
          if (current !== null) opts.write('\n');
          current = e.group;
          opts.write(line(e.group));
        }
        break;
      case 'test-end': {
        const g = e.result.group;
        done.set(g, [...(done.get(g) ?? []), e.result]);
        const finished = done.get(g)!.length === sizes.get(g);
        if (opts.live) opts.write(`\r\x1b[K${line(g)}`);
        else if (finished) opts.write(`${line(g)}\n`);
        break;
      }
      case 'cleanup-problem':
        if (opts.live && current !== null) opts.write('\n');
        current = null;
        opts.write(`  cleanup: ${e.message}\n`);
        break;
      case 'run-end':
        if (opts.live && current !== null) opts.write('\n');
        current = null;
        break;
    }
  };
}

/** The final summary: per run the counts, the failures, the verdict per profile, the reports. */
export function summaryText(result: CertifyResult, quiet: boolean): string {
  const out: string[] = [];
  for (const run of result.runs) {
    const { report } = run;
    const s = report.subjects.server;
    out.push('');
    out.push(
      `${run.label}: ${s.kind} server ${s.baseUrl}${s.reportedVersion ? ` (version ${s.reportedVersion})` : ''}`,
    );
    if (!quiet) {
      out.push(`  ${report.summary.total} tests: ${counts(report.results) || 'none'}`);
      for (const r of report.results) {
        if (r.status === 'PASS' || r.status === 'SKIP') continue;
        const note = r.deviation ? ' (known deviation)' : '';
        out.push(`  ${r.status.padEnd(7)} ${r.testId}${note}: ${r.message ?? r.reason ?? ''}`);
      }
      for (const d of report.deviations.stale) {
        out.push(`  STALE   ${d.testId}: expected ${d.expected}, was ${d.actual} (${d.reason})`);
      }
    }
    const w = Math.max(...report.verdicts.map((v) => v.profile.length), 7);
    for (const v of report.verdicts) {
      const blocking = v.blocking.length ? `  blocking: ${v.blocking.join(', ')}` : '';
      out.push(`  ${v.profile.padEnd(w)}  ${v.status}${blocking}`);
    }
    for (const [kind, path] of Object.entries(run.paths)) out.push(`  ${kind}: ${path}`);
  }
  if (result.runs.length > 1) out.push('', ...verdictTable(result));
  out.push(`exit code ${result.exitCode}: ${EXIT_MEANING[result.exitCode] ?? ''}`);
  return out.join('\n') + '\n';
}

/** One row per claimed profile, one column per run (status profile): the verdicts side by side. */
function verdictTable(result: CertifyResult): string[] {
  const profiles = [...new Set(result.runs.flatMap((r) => r.report.claims.server))];
  const cell = (run: CertifyResult['runs'][number], p: string) =>
    run.report.verdicts.find((v) => v.profile === p)?.status ?? '-';
  const rows = [
    ['verdicts', ...result.runs.map((r) => r.label)],
    ...profiles.map((p) => [p, ...result.runs.map((r) => cell(r, p))]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd(),
  );
}
