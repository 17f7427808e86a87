/**
 * The runner: runs a list of server checks against one prepared target and one status profile,
 * and returns the report. Independent of vitest: it is the product that certifies other people's
 * servers (spec/17-conformance.md).
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import type { Replay } from '../core/results.js';
import { buildReport } from '../report/build.js';
import type {
  Report,
  ReportDeviations,
  RunMode,
  ServerSubject,
  TestResult,
} from '../report/types.js';
import type { Actor, ManagementApi, ServerCheck, ServerProfile } from '../server/check.js';
import { ACTORS } from '../server/check.js';
import { ConfigError } from './config-error.js';
import { createTestContext, type RunShared } from './context.js';
import { applyDeviations, type Deviation } from './deviations.js';
import type { Account } from './http.js';
import { classify, type Outcome } from './outcome.js';
import { pool, RateLimiter } from './pace.js';
import { cleanup, preflight, serverInfo } from './preflight.js';
import { Redactor } from './redact.js';
import { checkListProblems, groupOf, outOfScope } from './scope.js';
import { suiteInfo } from './suite-info.js';

/** A target ready to be certified: reachable, with credentials resolved. */
export interface PreparedTarget {
  kind: 'mock' | 'live';
  baseUrl: string;
  accounts: Readonly<Record<Actor, Account>>;
  claims: {
    profiles: readonly ServerProfile[];
    statusProfile: string;
    features: readonly string[];
  };
  isolation: {
    /** With `${runId}` to be replaced, e.g. `/sealfold-conformance/${runId}`. */
    rootFolder: string;
    cleanup: 'on-success' | 'always' | 'never';
    allowKeyReset: boolean;
  };
  limits: { maxRps: number; parallelism: number; testTimeoutMs: number };
  budget: { numRuns: number; maxCommands: number; wallClockMs: number };
  management?: ManagementApi;
  /** Mock fault switches that are on (recorded in the run information). */
  faults?: readonly string[];
}

/** Progress events for a console (or any other observer). */
export type RunEvent =
  | {
      type: 'run-start';
      runId: string;
      statusProfile: string;
      total: number;
      /** Test groups in first-run order, with the number of tests in each. */
      groups: Array<{ name: string; size: number }>;
    }
  | { type: 'test-start'; testId: string; group: string }
  | { type: 'test-end'; result: TestResult }
  | { type: 'cleanup-problem'; message: string }
  | { type: 'run-end'; report: Report };

export interface RunOptions {
  checks: readonly ServerCheck[];
  target: PreparedTarget;
  seed?: number;
  strict?: boolean;
  mode?: RunMode;
  /** Loaded deviation entries (development mode applies them; certification ignores them). */
  deviations?: readonly Deviation[];
  /** Run only tests whose id starts with one of these prefixes. */
  only?: readonly string[];
  /** Re-run exactly these property-based cases (`certify replay`). */
  replay?: ReadonlyMap<string, Replay>;
  /** The command line, already free of secrets (it is passed through the redactor anyway). */
  argv?: readonly string[];
  runId?: string;
  onEvent?: (e: RunEvent) => void;
}

/** The report plus the secrets the writers must check their output against. */
export interface RunOutcome {
  report: Report;
  /** Every secret the run knows (and its encodings), for the writers' last-line check. */
  secrets: string[];
  /** The run folder on the target (relative to each actor's root). */
  runFolder: string;
}

/** A new run id: UTC time plus randomness, safe as a folder name. */
export function newRunId(now = new Date()): string {
  const t = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${t}-${randomBytes(3).toString('hex')}`;
}

function selected(check: ServerCheck, only: readonly string[] | undefined): boolean {
  return !only || only.length === 0 || only.some((p) => check.id.startsWith(p));
}

function baseResult(check: ServerCheck): Omit<TestResult, 'status' | 'durationMs' | 'evidence'> {
  return {
    testId: check.id,
    title: check.title,
    group: groupOf(check.id),
    profiles: [...check.profiles],
    requirements: [...check.requirements],
    level: check.level,
    importance: check.importance,
  };
}

/** Runs `check.run(ctx)` and waits for its end or its time budget, whichever comes first. */
export async function runWithBudget(
  run: () => Promise<void>,
  controller: AbortController,
  timeoutMs: number,
): Promise<Outcome> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => {
      // E2EE-CONF-004 (MUST, suite): abort the test's requests and move on.
      controller.abort(new Error(`test time budget of ${timeoutMs} ms ran out`));
      resolve({ kind: 'timeout', afterMs: timeoutMs });
    }, timeoutMs);
  });
  const ran = run().then(
    (): Outcome => ({ kind: 'completed' }),
    (error: unknown): Outcome =>
      controller.signal.aborted
        ? { kind: 'timeout', afterMs: timeoutMs }
        : { kind: 'threw', error },
  );
  try {
    return await Promise.race([ran, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs the checks against `target` and returns the report. Throws ConfigError (exit 3) for an
 * unusable check list or a failed pre-flight; everything after that ends in a report.
 */
export async function runChecks(opts: RunOptions): Promise<RunOutcome> {
  const { target } = opts;
  const info = suiteInfo();
  const problems = checkListProblems(opts.checks, info.requirements);
  if (problems.length > 0) throw new ConfigError(`the test list is unusable: ${problems[0]}`);
  // E2EE-CONF-006 (MUST, suite): no verdict for a profile that no test examines.
  for (const p of target.claims.profiles) {
    if (!opts.checks.some((c) => c.profiles.includes(p))) {
      throw new ConfigError(`the suite has no test for the profile ${p}, so it cannot be claimed`);
    }
  }

  const runId = opts.runId ?? newRunId();
  const seed = opts.seed ?? randomBytes(4).readUInt32BE(0) & 0x7fffffff;
  const strict = opts.strict ?? false;
  const mode = opts.mode ?? 'certification';
  const startedAt = new Date().toISOString();
  const rootFolder = target.isolation.rootFolder.replace('${runId}', runId);
  const runFolder = rootFolder.replace(/^\/+/, '').replace(/\/+$/, '');
  if (runFolder === '' || runFolder.split('/').some((s) => s === '..' || s === '.')) {
    throw new ConfigError(
      `isolation.rootFolder ${JSON.stringify(rootFolder)} is not a folder path`,
    );
  }

  const redactor = new Redactor();
  for (const actor of ACTORS) redactor.add(target.accounts[actor].password, actor);
  const limiter = new RateLimiter(target.limits.maxRps);
  const alice = { name: 'alice', ...target.accounts.alice };

  const server = await serverInfo(target.baseUrl, alice, limiter);
  await preflight({
    baseUrl: target.baseUrl,
    accounts: target.accounts,
    allowKeyReset: target.isolation.allowKeyReset,
    runFolder,
    limiter,
  });

  const shared: RunShared = {
    baseUrl: target.baseUrl,
    accounts: target.accounts,
    claims: target.claims.profiles,
    statusProfile: target.claims.statusProfile,
    features: target.claims.features,
    budget: target.budget,
    runFolder,
    seed,
    limiter,
    redactor,
    ...(target.management ? { management: target.management } : {}),
  };

  const chosen = opts.checks.filter((c) => selected(c, opts.only));
  // E2EE-CONF-530 (MUST, suite): checks that exhaust a per-address limit run last.
  const checks = [
    ...chosen.filter((c) => c.exhaustsAddressLimits !== true),
    ...chosen.filter((c) => c.exhaustsAddressLimits === true),
  ];
  const sizes = new Map<string, number>();
  for (const c of checks) sizes.set(groupOf(c.id), (sizes.get(groupOf(c.id)) ?? 0) + 1);
  const groups = [...sizes].map(([name, size]) => ({ name, size }));
  opts.onEvent?.({
    type: 'run-start',
    runId,
    statusProfile: target.claims.statusProfile,
    total: checks.length,
    groups,
  });

  const runOne = async (check: ServerCheck): Promise<TestResult> => {
    const base = baseResult(check);
    opts.onEvent?.({ type: 'test-start', testId: check.id, group: base.group });
    const skip = outOfScope(check, target.claims);
    if (skip !== null) {
      const r: TestResult = {
        ...base,
        status: 'SKIP',
        reason: skip,
        durationMs: 0,
        evidence: { notes: [], http: [] },
      };
      opts.onEvent?.({ type: 'test-end', result: r });
      return r;
    }
    const controller = new AbortController();
    const replay = opts.replay?.get(check.id);
    const t = createTestContext(shared, check.id, controller.signal, replay);
    const started = performance.now();
    const outcome = await runWithBudget(
      () => check.run(t.ctx),
      controller,
      target.limits.testTimeoutMs,
    );
    const c = classify(check.level, outcome, strict);
    // E2EE-CONF-060 (MUST, suite): nothing leaves the test unredacted.
    const r: TestResult = redactor.value({
      ...base,
      ...c,
      durationMs: Math.round(performance.now() - started),
      evidence: t.evidence(),
    });
    opts.onEvent?.({ type: 'test-end', result: r });
    return r;
  };

  // E2EE-CONF-032 (MUST, suite): at most `parallelism` tests at a time.
  const results = await pool(checks, target.limits.parallelism, runOne);
  const deviations: ReportDeviations = applyDeviations(results, opts.deviations, mode);

  const subject: ServerSubject = {
    kind: target.kind,
    baseUrl: target.baseUrl,
    statusProfile: target.claims.statusProfile,
    reportedVersion: server.reportedVersion,
    capabilities: server.capabilities,
    features: [...target.claims.features],
    ...(target.faults && target.faults.length > 0 ? { faults: [...target.faults] } : {}),
  };
  const report = buildReport(
    // Redacted once more as a whole: a secret planted by a later test may occur in an earlier one.
    redactor.value({
      run: {
        id: runId,
        mode,
        startedAt,
        finishedAt: new Date().toISOString(),
        suite: info.suite,
        seed,
        strict,
        argv: [...(opts.argv ?? [])],
      },
      subjects: { server: subject },
      claims: { server: [...target.claims.profiles] },
      results,
      deviations,
    }),
  );

  // E2EE-CONF-030 (MUST, suite): clean up after a successful run; keep the evidence otherwise.
  const clean =
    target.isolation.cleanup === 'always' ||
    (target.isolation.cleanup === 'on-success' && report.exitCode === 0);
  if (clean) {
    const problems = await cleanup({
      baseUrl: target.baseUrl,
      accounts: target.accounts,
      runFolder,
      limiter,
    });
    for (const message of problems) opts.onEvent?.({ type: 'cleanup-problem', message });
  }
  opts.onEvent?.({ type: 'run-end', report });
  return { report, secrets: redactor.secrets(), runFolder };
}
