/**
 * What changed between two reports, matched by test id and profile (spec chapter 17,
 * "Comparing two reports", E2EE-CONF-240..242). Pure: reading and printing are the CLI's.
 *
 * @module
 */
import type { ResultStatus, Verdict } from '../core/results.js';
import type { Report, TestResult } from './types.js';

/** One difference between OLD and NEW: a test's result or a profile's verdict. */
export interface Finding {
  kind: 'test' | 'verdict';
  /** The test id, or the profile for a verdict. */
  id: string;
  /** null when OLD has no such test or verdict. */
  before: ResultStatus | Verdict | null;
  /** null when NEW has no such test or verdict. */
  after: ResultStatus | Verdict | null;
}

export interface Comparison {
  regressions: Finding[];
  improvements: Finding[];
  /** Result changes that are neither (e.g. FAIL → ERROR, WARN → SKIP). */
  changed: Finding[];
  added: { testId: string; status: ResultStatus }[];
  removed: { testId: string; status: ResultStatus }[];
  /** Every verdict that differs, including profiles claimed in only one report. */
  verdicts: Finding[];
  /** Why the two runs may not be comparable (E2EE-CONF-242). */
  warnings: string[];
}

/** Results that block certification (E2EE-CONF-010). */
const BLOCKING: ReadonlySet<ResultStatus> = new Set(['FAIL', 'UNSUPPORTED', 'TIMEOUT', 'ERROR']);

/** Whether a change of result is a regression, an improvement or neither (E2EE-CONF-240). */
function classify(
  before: ResultStatus,
  after: ResultStatus,
): 'regression' | 'improvement' | 'changed' {
  if (before === 'PASS') return 'regression';
  if (after === 'PASS') return 'improvement';
  if (!BLOCKING.has(before) && BLOCKING.has(after)) return 'regression';
  if (BLOCKING.has(before) && !BLOCKING.has(after)) return 'improvement';
  return 'changed';
}

function byTestId(report: Report): Map<string, TestResult> {
  return new Map(report.results.map((r) => [r.testId, r]));
}

function warningsFor(oldR: Report, newR: Report): string[] {
  const w: string[] = [];
  // E2EE-CONF-242: say when a changed result may come from the suite or the target.
  if (oldR.run.suite.requirementsSha256 !== newR.run.suite.requirementsSha256)
    w.push('the reports were made by suites with different requirement registries');
  const a = oldR.subjects.server;
  const b = newR.subjects.server;
  const ca = oldR.subjects.client;
  const cb = newR.subjects.client;
  // E2EE-CONF-546: a client report and a server report certify different subjects.
  if ((ca === undefined) !== (cb === undefined))
    w.push(
      `one report certifies a client and the other a server: ${ca ? 'client' : 'server'} → ${cb ? 'client' : 'server'}`,
    );
  // E2EE-CONF-546: two client runs of different drivers judge different clients.
  if (ca && cb && (ca.hello.name !== cb.hello.name || ca.hello.version !== cb.hello.version))
    w.push(
      `different clients: ${ca.hello.name} ${ca.hello.version} → ${cb.hello.name} ${cb.hello.version}`,
    );
  if (a.statusProfile !== b.statusProfile)
    w.push(`different status profiles: ${a.statusProfile} → ${b.statusProfile}`);
  // A client run starts its own embedded mock on a fresh port: its address says nothing.
  const freshMock = ca && cb && a.kind === 'mock' && b.kind === 'mock';
  if (a.kind !== b.kind || (a.baseUrl !== b.baseUrl && !freshMock))
    w.push(`different servers: ${a.kind} ${a.baseUrl} → ${b.kind} ${b.baseUrl}`);
  return w;
}

/** Compares OLD with NEW. */
export function compareReports(oldR: Report, newR: Report): Comparison {
  const out: Comparison = {
    regressions: [],
    improvements: [],
    changed: [],
    added: [],
    removed: [],
    verdicts: [],
    warnings: warningsFor(oldR, newR),
  };
  const before = byTestId(oldR);
  const after = byTestId(newR);
  for (const [id, o] of before) {
    const n = after.get(id);
    if (!n) {
      out.removed.push({ testId: id, status: o.status });
      continue;
    }
    if (n.status === o.status) continue;
    const f: Finding = { kind: 'test', id, before: o.status, after: n.status };
    const c = classify(o.status, n.status);
    if (c === 'regression') out.regressions.push(f);
    else if (c === 'improvement') out.improvements.push(f);
    else out.changed.push(f);
  }
  for (const [id, n] of after) {
    if (before.has(id)) continue;
    out.added.push({ testId: id, status: n.status });
    // E2EE-CONF-240: a new test that blocks is a new failure.
    if (BLOCKING.has(n.status))
      out.regressions.push({ kind: 'test', id, before: null, after: n.status });
  }

  const oldV = new Map(oldR.verdicts.map((v) => [v.profile, v.status]));
  const newV = new Map(newR.verdicts.map((v) => [v.profile, v.status]));
  for (const profile of new Set([...oldV.keys(), ...newV.keys()])) {
    const b = oldV.get(profile) ?? null;
    const a = newV.get(profile) ?? null;
    if (a === b) continue;
    const f: Finding = { kind: 'verdict', id: profile, before: b, after: a };
    out.verdicts.push(f);
    if (b === 'CERTIFIABLE') out.regressions.push(f);
    else if (a === 'CERTIFIABLE') out.improvements.push(f);
  }
  return out;
}
