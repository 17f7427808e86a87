/**
 * Derives the parts of a report that follow from its results (summary, verdicts per claimed
 * profile, exit code), so that every producer computes them the same way (spec chapter 17,
 * "Reports").
 *
 * @module
 */
import type { ResultStatus } from '../core/results.js';
import type { ProfileVerdict, Report, ReportSummary, TestResult } from './types.js';
import { REPORT_FORMAT, REPORT_VERSION } from './types.js';

/** What the runner supplies; `buildReport` adds the rest. */
export type ReportInput = Omit<
  Report,
  'reportFormat' | 'reportVersion' | 'summary' | 'verdicts' | 'exitCode'
>;

/** Statuses that keep a profile from being certifiable. WARN and SKIP do not. */
const BLOCKING: ReadonlySet<ResultStatus> = new Set(['FAIL', 'UNSUPPORTED', 'TIMEOUT', 'ERROR']);
/** Statuses that make the run inconclusive (exit 2) whatever else happened. */
const HARNESS: ReadonlySet<ResultStatus> = new Set(['TIMEOUT', 'ERROR']);

/** Counts results per status. */
export function summarize(results: readonly TestResult[]): ReportSummary {
  const s: ReportSummary = {
    total: results.length,
    pass: 0,
    fail: 0,
    warn: 0,
    skip: 0,
    unsupported: 0,
    timeout: 0,
    error: 0,
  };
  for (const r of results) s[r.status.toLowerCase() as Exclude<keyof ReportSummary, 'total'>]++;
  return s;
}

/** Whether a result keeps its profiles from being certifiable. */
export function isBlocking(r: TestResult): boolean {
  return BLOCKING.has(r.status);
}

/**
 * One verdict per claimed profile: CERTIFIABLE iff no in-scope result is FAIL, UNSUPPORTED,
 * TIMEOUT or ERROR (WARNs are allowed and listed by the report, SKIPs carry their reason).
 * A deviation never changes a verdict: it only changes the exit code in development mode.
 * E2EE-CONF-010.
 */
export function verdictsFor(
  claims: readonly string[],
  results: readonly TestResult[],
  subject: ProfileVerdict['subject'] = 'server',
): ProfileVerdict[] {
  return claims.map((profile) => {
    const blocking = results
      .filter((r) => r.profiles.includes(profile) && isBlocking(r))
      .map((r) => r.testId);
    return {
      subject,
      profile,
      status: blocking.length === 0 ? ('CERTIFIABLE' as const) : ('NOT CERTIFIABLE' as const),
      blocking,
    };
  });
}

/**
 * The exit code: 2 when any result is ERROR or TIMEOUT (the run is inconclusive); else 1 when a
 * deviation entry is stale or a claimed profile is blocked by a result that no applied
 * deviation expects; else 0. E2EE-CONF-011, E2EE-CONF-041 (a matched deviation counts only in
 * development mode, E2EE-CONF-040).
 */
export function exitCodeFor(
  input: Pick<Report, 'claims' | 'results' | 'deviations'>,
  verdicts: readonly ProfileVerdict[],
): 0 | 1 | 2 {
  if (input.results.some((r) => HARNESS.has(r.status))) return 2;
  if (input.deviations.stale.length > 0) return 1;
  const expected = (r: TestResult): boolean =>
    input.deviations.mode === 'applied' && r.deviation?.expected === r.status;
  const byId = new Map(input.results.map((r) => [r.testId, r]));
  for (const v of verdicts) {
    if (v.blocking.some((id) => !expected(byId.get(id)!))) return 1;
  }
  return 0;
}

/** The full report from the runner's part. */
export function buildReport(input: ReportInput): Report {
  const verdicts = [
    ...verdictsFor(input.claims.server, input.results),
    ...verdictsFor(input.claims.client ?? [], input.results, 'client'),
  ];
  return {
    reportFormat: REPORT_FORMAT,
    reportVersion: REPORT_VERSION,
    run: input.run,
    subjects: input.subjects,
    claims: input.claims,
    summary: summarize(input.results), // E2EE-CONF-202
    verdicts,
    results: input.results,
    deviations: input.deviations,
    exitCode: exitCodeFor(input, verdicts),
  };
}
