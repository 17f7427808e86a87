/**
 * Known deviations (E2EE-CONF-040, E2EE-CONF-041): results a vendor already knows about, applied
 * only in development mode; an entry that no longer happens is STALE and fails the run.
 *
 * @module
 */
import type { ResultStatus } from '../core/results.js';
import type { ReportDeviations, RunMode, TestResult } from '../report/types.js';
import { ConfigError } from './config-error.js';
import { readJsonFile, validateOrThrow } from './schemas.js';

/** One entry of a deviations file. */
export interface Deviation {
  testId: string;
  expected: ResultStatus;
  reason: string;
}

/**
 * Reads and validates a deviations file; entries must name tests the suite has (a typo would
 * otherwise silently excuse nothing) and each test at most once.
 */
export function loadDeviations(path: string, knownTests: ReadonlySet<string>): Deviation[] {
  const entries = validateOrThrow<Deviation[]>(
    'conformance-deviations.schema.json',
    readJsonFile(path, 'deviations file'),
    `deviations file ${path}`,
  );
  const seen = new Set<string>();
  for (const e of entries) {
    if (!knownTests.has(e.testId)) {
      throw new ConfigError(`deviations file ${path}: no test has the id ${e.testId}`);
    }
    if (seen.has(e.testId)) {
      throw new ConfigError(`deviations file ${path}: ${e.testId} is listed twice`);
    }
    seen.add(e.testId);
  }
  return entries;
}

/**
 * Applies deviation entries to results. In certification mode the entries are ignored; in
 * development mode matching results are marked and non-matching entries are stale. Entries for
 * tests that were not selected (`--only`) are neither.
 */
export function applyDeviations(
  results: TestResult[],
  entries: readonly Deviation[] | undefined,
  mode: RunMode,
): ReportDeviations {
  if (entries === undefined) return { mode: 'none', applied: [], stale: [] };
  // E2EE-CONF-040 (MUST, suite): certification never takes excuses.
  if (mode === 'certification') return { mode: 'ignored', applied: [], stale: [] };
  const byId = new Map(results.map((r) => [r.testId, r]));
  const out: ReportDeviations = { mode: 'applied', applied: [], stale: [] };
  for (const e of entries) {
    const r = byId.get(e.testId);
    if (!r) continue;
    const record = { testId: e.testId, expected: e.expected, reason: e.reason, actual: r.status };
    // E2EE-CONF-041 (MUST, suite): an entry that no longer happens is STALE.
    if (r.status === e.expected) {
      r.deviation = { expected: e.expected, reason: e.reason };
      out.applied.push(record);
    } else out.stale.push(record);
  }
  return out;
}
