/**
 * `certifyClient`: the programmatic API behind `sealfold certify client`. Starts the embedded
 * mock server, pre-flights the vendor's driver, runs every check once per vendor role (the role
 * matrix), writes the same reports as `certify server` and returns the same exit codes
 * (spec/18-driver-protocol.md, spec/17-conformance.md E2EE-CONF-011).
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Level } from '../core/results.js';
import { EXIT } from '../core/results.js';
import { buildReport } from '../report/build.js';
import type { Report, RunMode, ServerSubject, TestResult } from '../report/types.js';
import { writeReports as writeArtefacts } from '../report/write.js';
import { ConfigError } from '../runner/config-error.js';
import { classify, type Classified, type Outcome } from '../runner/outcome.js';
import { Redactor } from '../runner/redact.js';
import { newRunId, runWithBudget } from '../runner/run.js';
import { suiteInfo } from '../runner/suite-info.js';
import { startEmbeddedTarget } from '../targets/embedded.js';
import { MANAGEMENT_PREFIX } from '../../../server-mock/src/config.js';
import { DriverTimeout } from './actor.js';
import type { Actor, ClientCheck, ClientProfile, MockServer } from './check.js';
import { CLIENT_PROFILES, ReasonUnverified } from './check.js';
import { createClientContext, type ClientRunShared } from './context.js';
import { spawnDriver, type DriverConnection } from './driver/connection.js';
import { preflightDriver } from './preflight.js';
import type { HelloResult } from './protocol.js';

/** Test ids: `<group>/<slug>` as for servers (E2EE-CONF-800). */
const TEST_ID = /^[a-z0-9]+(?:-[a-z0-9]+)*\/[a-z0-9]+(?:-[a-z0-9]+)*$/;

export interface ClientCertifyOptions {
  /** The vendor's driver command line (run through the shell; it must hold no secret). */
  driver: string;
  checks: readonly ClientCheck[];
  /** Narrows the profiles the driver claims in its hello. */
  claims?: readonly ClientProfile[];
  seed?: number;
  strict?: boolean;
  mode?: RunMode;
  only?: readonly string[];
  /** Per driver method (default 30 s). */
  methodTimeoutMs?: number;
  /** Per test (default 120 s). */
  testTimeoutMs?: number;
  /** Folder for report.json (default `.sealfold/certify-client` under `cwd`); null writes none. */
  outDir?: string | null;
  junit?: string;
  html?: string;
  argv?: readonly string[];
  env?: Readonly<Record<string, string | undefined>>;
  cwd?: string;
  onEvent?: (e: ClientRunEvent) => void;
}

export type ClientRunEvent =
  { type: 'run-start'; runId: string; total: number } | { type: 'test-end'; result: TestResult };

export interface ClientCertifyResult {
  exitCode: number;
  report?: Report;
  paths: { json?: string; junit?: string; html?: string };
  /** The configuration or pre-flight problem when `exitCode` is 3. */
  error?: string;
}

/** One planned test: a check with the actor the vendor plays. */
interface Planned {
  check: ClientCheck;
  vendorRole: Actor;
  testId: string;
}

/** The role matrix (E2EE-DRV-070): one run per vendor role of each check. */
export function plan(checks: readonly ClientCheck[]): Planned[] {
  return checks.flatMap((check) =>
    (check.vendorRoles ?? check.actors).map((vendorRole) => ({
      check,
      vendorRole,
      testId: `${check.id}-as-${vendorRole}`,
    })),
  );
}

function checkListProblems(checks: readonly ClientCheck[], known: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const c of checks) {
    // E2EE-CONF-800, E2EE-CONF-801, E2EE-CONF-802 (MUST, suite): ids are unique, well-formed and
    // cite known requirements, or the run does not start.
    if (!TEST_ID.test(c.id)) problems.push(`test id ${JSON.stringify(c.id)} is not <group>/<slug>`);
    if (seen.has(c.id)) problems.push(`test id ${c.id} is used twice`);
    seen.add(c.id);
    if (c.requirements.length === 0) problems.push(`${c.id} cites no requirement`);
    for (const r of c.requirements) {
      if (!known.has(r)) problems.push(`${c.id} cites unknown requirement ${r}`);
    }
    for (const r of c.vendorRoles ?? []) {
      if (!c.actors.includes(r))
        problems.push(`${c.id}: vendor role ${r} is not one of its actors`);
    }
  }
  return problems;
}

/** The client outcome mapping: the server runner's, plus WARN for an unverified reason. */
export function classifyClient(level: Level, outcome: Outcome, strict: boolean): Classified {
  if (outcome.kind === 'threw') {
    const e = outcome.error;
    // E2EE-DRV-044 (MUST, suite): an unverifiable refusal is WARN, never PASS.
    if (e instanceof ReasonUnverified) return { status: 'WARN', message: e.message };
    // E2EE-DRV-801 (MUST, suite): a driver method out of time is TIMEOUT, not FAIL.
    if (e instanceof DriverTimeout) {
      return { status: 'TIMEOUT', reason: 'a driver method ran out of time', message: e.message };
    }
  }
  return classify(level, outcome, strict);
}

function mockServer(baseUrl: string): MockServer {
  const manage = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const res = await fetch(`${baseUrl}${MANAGEMENT_PREFIX}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`management ${method} ${path}: HTTP ${res.status}`);
    return text === '' ? null : (JSON.parse(text) as unknown);
  };
  return {
    baseUrl,
    manage,
    async stateFingerprint() {
      return ((await manage('GET', '/state')) as { fingerprint: string }).fingerprint;
    },
  };
}

/** The claimed profiles: what the hello declares, narrowed by `--claims`. */
function claimsOf(
  hello: HelloResult,
  narrowed: readonly ClientProfile[] | undefined,
): ClientProfile[] {
  const declared = hello.profiles.filter((p): p is ClientProfile =>
    (CLIENT_PROFILES as readonly string[]).includes(p),
  );
  if (!narrowed) return declared;
  for (const p of narrowed) {
    if (!declared.includes(p)) {
      throw new ConfigError(`--claims ${p}: the driver's hello does not declare this profile`);
    }
  }
  return declared.filter((p) => narrowed.includes(p));
}

function outOfScope(
  check: ClientCheck,
  claims: readonly ClientProfile[],
  features: readonly string[],
) {
  if (!claims.includes(check.profile)) return `not claimed: needs the profile ${check.profile}`;
  const missing = (check.needs ?? []).filter((f) => !features.includes(f));
  if (missing.length > 0) return `feature not declared by the driver: ${missing.join(', ')}`;
  return null;
}

/**
 * Certifies a client through its driver. Never throws for configuration or pre-flight problems:
 * they come back as exit code 3 with `error`.
 */
export async function certifyClient(opts: ClientCertifyOptions): Promise<ClientCertifyResult> {
  const cwd = opts.cwd ?? process.cwd();
  const env = { ...(opts.env ?? process.env) };
  const info = suiteInfo();
  const problems = checkListProblems(opts.checks, info.requirements);
  if (problems.length > 0) {
    return { exitCode: EXIT.config, paths: {}, error: `the test list is unusable: ${problems[0]}` };
  }
  const scratch = mkdtempSync(join(tmpdir(), 'sealfold-client-'));
  const embedded = await startEmbeddedTarget({ statusProfile: 'nc32' });
  try {
    const spawnVendor = (dir: string): DriverConnection => {
      mkdirSync(dir, { recursive: true });
      // The driver runs in the caller's folder (its command may be relative to it); its work
      // folder is given in session.configure.
      return spawnDriver(opts.driver, { cwd, env });
    };
    const methodTimeoutMs = opts.methodTimeoutMs ?? 30_000;
    const server = mockServer(embedded.target.baseUrl);
    let hello: HelloResult;
    let claims: ClientProfile[];
    try {
      hello = await preflightDriver({
        spawn: () => spawnVendor(join(scratch, 'preflight')),
        server,
        workDir: join(scratch, 'preflight'),
        timeoutMs: methodTimeoutMs,
      });
      claims = claimsOf(hello, opts.claims);
      // E2EE-CONF-006 (MUST, suite): no verdict for a profile that no test examines.
      for (const p of claims) {
        if (!opts.checks.some((c) => c.profile === p)) {
          throw new ConfigError(
            `the suite has no test for the profile ${p}, so it cannot be claimed`,
          );
        }
      }
      if (claims.length === 0) throw new ConfigError('the driver claims no client profile');
    } catch (e) {
      if (e instanceof ConfigError) return { exitCode: EXIT.config, paths: {}, error: e.message };
      throw e;
    }

    const runId = newRunId();
    const seed = opts.seed ?? randomBytes(4).readUInt32BE(0) & 0x7fffffff;
    const strict = opts.strict ?? false;
    const mode = opts.mode ?? 'certification';
    const startedAt = new Date().toISOString();
    const redactor = new Redactor();
    const shared: ClientRunShared = {
      server,
      hello,
      claims,
      spawnVendor,
      scratch,
      methodTimeoutMs,
      seed,
      redactor,
    };
    const only = opts.only ?? [];
    const planned = plan(opts.checks).filter(
      (p) => only.length === 0 || only.some((o) => p.testId.startsWith(o)),
    );
    opts.onEvent?.({ type: 'run-start', runId, total: planned.length });
    const results: TestResult[] = [];
    let index = 0;
    for (const p of planned) {
      index++;
      const base = {
        testId: p.testId,
        title: `${p.check.title} (vendor as ${p.vendorRole})`,
        group: p.testId.slice(0, p.testId.indexOf('/')),
        profiles: [p.check.profile],
        requirements: [...p.check.requirements],
        level: p.check.level,
        importance: p.check.importance,
      };
      const skip = outOfScope(p.check, claims, hello.features);
      if (skip !== null) {
        const r: TestResult = {
          ...base,
          status: 'SKIP',
          reason: skip,
          durationMs: 0,
          evidence: { notes: [], http: [] },
        };
        results.push(r);
        opts.onEvent?.({ type: 'test-end', result: r });
        continue;
      }
      const ctl = new AbortController();
      const t = createClientContext(shared, {
        testId: p.testId,
        index,
        vendorRole: p.vendorRole,
        signal: ctl.signal,
      });
      const started = performance.now();
      // The server runner's budget: abort the test's calls and move on (E2EE-CONF-004).
      const outcome = await runWithBudget(
        () => p.check.run(t.ctx),
        ctl,
        opts.testTimeoutMs ?? 120_000,
      );
      await t.close();
      const c = classifyClient(p.check.level, outcome, strict);
      const recordedRun = c.status === 'FAIL' || c.status === 'WARN' ? t.recordedRun() : undefined;
      // E2EE-CONF-060 (MUST, suite): nothing leaves the test unredacted.
      const r: TestResult = redactor.value({
        ...base,
        ...c,
        durationMs: Math.round(performance.now() - started),
        // E2EE-CONF-542: a failing (or unverified) refusal carries the run a vector is made of.
        evidence: { notes: t.notes(), http: [], ...(recordedRun ? { recordedRun } : {}) },
      });
      results.push(r);
      opts.onEvent?.({ type: 'test-end', result: r });
    }

    const serverSubject: ServerSubject = {
      kind: 'mock',
      baseUrl: embedded.target.baseUrl,
      statusProfile: embedded.target.claims.statusProfile,
      reportedVersion: null,
      capabilities: null,
      features: [...embedded.target.claims.features],
    };
    const report = buildReport(
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
        subjects: {
          server: serverSubject,
          client: {
            driver: opts.driver,
            hello: {
              name: hello.name,
              ...(hello.vendor !== undefined ? { vendor: hello.vendor } : {}),
              version: hello.version,
              driverApi: hello.driverApi,
              profiles: [...hello.profiles],
              features: [...hello.features],
            },
          },
        },
        claims: { server: [], client: [...claims] },
        results,
        deviations: { mode: 'none', applied: [], stale: [] },
      }),
    );
    const targets: { json?: string; junit?: string; html?: string } = {};
    if (opts.outDir !== null) {
      targets.json = join(
        resolve(cwd, opts.outDir ?? join('.sealfold', 'certify-client')),
        'report.json',
      );
    }
    if (opts.junit) targets.junit = resolve(cwd, opts.junit);
    if (opts.html) targets.html = resolve(cwd, opts.html);
    for (const f of [targets.json, targets.junit])
      if (f) mkdirSync(dirname(f), { recursive: true });
    const paths = writeArtefacts(report, targets, redactor.secrets());
    return { exitCode: report.exitCode, report, paths };
  } finally {
    await embedded.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}
