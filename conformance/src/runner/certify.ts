/**
 * `certifyServer`: the programmatic API behind `sealfold certify server` and
 * `sealfold certify replay`. Resolves the target, runs the checks once per status profile,
 * writes the reports and combines the exit codes (E2EE-CONF-011).
 *
 * @module
 */
import { mkdirSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import type { Replay } from '../core/results.js';
import { EXIT } from '../core/results.js';
import { writeReports as writeArtefacts, type ReportTargets } from '../report/write.js';
import type { Report, RunMode } from '../report/types.js';
import type { ServerCheck, ServerProfile } from '../server/check.js';
import {
  EMBEDDED_STATUS_PROFILES,
  startEmbeddedTarget,
  type EmbeddedStatusProfile,
} from '../targets/embedded.js';
import { loadTargetFile, shortFormTarget } from '../targets/live.js';
import { ConfigError } from './config-error.js';
import { loadDeviations, type Deviation } from './deviations.js';
import { runChecks, type PreparedTarget, type RunEvent } from './run.js';

/** Where the target comes from. */
export type TargetSpec =
  | {
      kind: 'embedded';
      /** Default: every status profile the mock imitates, one run each. */
      statusProfiles?: readonly EmbeddedStatusProfile[];
      faults?: readonly string[];
      ca?: 'software' | 'softhsm';
    }
  | { kind: 'file'; path: string }
  | { kind: 'url'; url: string; users: readonly string[]; statusProfile?: string };

export interface CertifyOptions {
  target: TargetSpec;
  checks: readonly ServerCheck[];
  /** Replaces the target's claimed profiles. */
  claims?: readonly ServerProfile[];
  seed?: number;
  strict?: boolean;
  mode?: RunMode;
  /** A deviations file (development mode applies it; certification mode ignores it). */
  deviationsFile?: string;
  only?: readonly string[];
  replay?: ReadonlyMap<string, Replay>;
  /** Replaces the target's per-test time budget. */
  testTimeoutMs?: number;
  /** Folder for report.json (default `.sealfold/certify` under `cwd`); null writes nothing. */
  outDir?: string | null;
  junit?: string;
  html?: string;
  /** The command line for `run.argv` (already free of secrets). */
  argv?: readonly string[];
  env?: Readonly<Record<string, string | undefined>>;
  cwd?: string;
  onEvent?: (e: RunEvent) => void;
  /** Lines for the user that are not progress (e.g. that a deviations file was ignored). */
  onNotice?: (line: string) => void;
}

/** One run's report and where it was written. */
export interface CertifyRun {
  label: string;
  report: Report;
  paths: { json?: string; junit?: string; html?: string };
  /** Secrets of the run (for callers that write more artefacts). */
  secrets: string[];
}

export interface CertifyResult {
  exitCode: number;
  runs: CertifyRun[];
  /** The configuration or pre-flight problem when `exitCode` is 3. */
  error?: string;
}

/** `out.xml` → `out-nc30.xml` when several runs share one file option. */
function suffixed(file: string, label: string | null): string {
  if (label === null) return file;
  const ext = extname(file);
  return `${file.slice(0, file.length - ext.length)}-${label}${ext}`;
}

/** Where this run's artefacts go; several runs get a sub-folder or a suffix each. */
function reportTargets(opts: CertifyOptions, cwd: string, label: string | null): ReportTargets {
  const t: ReportTargets = {};
  if (opts.outDir !== null) {
    const dir = resolve(cwd, opts.outDir ?? join('.sealfold', 'certify'));
    t.json = join(label === null ? dir : join(dir, label), 'report.json');
  }
  if (opts.junit) t.junit = resolve(cwd, suffixed(opts.junit, label));
  if (opts.html) {
    const dir = resolve(cwd, opts.html);
    t.html = label === null ? dir : join(dir, label);
  }
  return t;
}

function writeReports(
  opts: CertifyOptions,
  cwd: string,
  label: string | null,
  report: Report,
  secrets: string[],
): CertifyRun['paths'] {
  const targets = reportTargets(opts, cwd, label);
  for (const file of [targets.json, targets.junit]) {
    if (file !== undefined) mkdirSync(dirname(file), { recursive: true });
  }
  return writeArtefacts(report, targets, secrets);
}

function applyOverrides(t: PreparedTarget, opts: CertifyOptions): PreparedTarget {
  return {
    ...t,
    ...(opts.claims ? { claims: { ...t.claims, profiles: opts.claims } } : {}),
    ...(opts.testTimeoutMs ? { limits: { ...t.limits, testTimeoutMs: opts.testTimeoutMs } } : {}),
  };
}

/**
 * Certifies a server: one run per status profile for the embedded mock, one run for a live
 * target. Never throws for configuration problems: they come back as exit code 3 with `error`.
 */
export async function certifyServer(opts: CertifyOptions): Promise<CertifyResult> {
  const cwd = opts.cwd ?? process.cwd();
  const env = opts.env ?? process.env;
  const runs: CertifyRun[] = [];
  try {
    const mode = opts.mode ?? 'certification';
    let deviations: Deviation[] | undefined;
    if (opts.deviationsFile !== undefined) {
      const known = new Set(opts.checks.map((c) => c.id));
      deviations = loadDeviations(resolve(cwd, opts.deviationsFile), known);
      if (mode === 'certification') {
        // E2EE-CONF-040 (MUST, suite): say that the file was ignored.
        opts.onNotice?.(
          `deviations file ${opts.deviationsFile} ignored: certification mode takes no deviations (use --mode development)`,
        );
      }
    }
    const common = {
      checks: opts.checks,
      ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
      strict: opts.strict ?? false,
      mode,
      ...(deviations ? { deviations } : {}),
      ...(opts.only ? { only: opts.only } : {}),
      ...(opts.replay ? { replay: opts.replay } : {}),
      argv: opts.argv ?? [],
      ...(opts.onEvent ? { onEvent: opts.onEvent } : {}),
    };

    const spec = opts.target;
    if (spec.kind === 'embedded') {
      const profiles = spec.statusProfiles ?? EMBEDDED_STATUS_PROFILES;
      const label = (p: string) => (profiles.length > 1 ? p : null);
      for (const statusProfile of profiles) {
        const embedded = await startEmbeddedTarget({
          statusProfile,
          ...(spec.faults ? { faults: spec.faults } : {}),
          ...(spec.ca ? { ca: spec.ca } : {}),
        });
        try {
          const out = await runChecks({ ...common, target: applyOverrides(embedded.target, opts) });
          const paths = writeReports(opts, cwd, label(statusProfile), out.report, out.secrets);
          runs.push({ label: statusProfile, report: out.report, paths, secrets: out.secrets });
        } finally {
          await embedded.close();
        }
      }
    } else {
      const target =
        spec.kind === 'file'
          ? loadTargetFile(resolve(cwd, spec.path), env)
          : shortFormTarget({
              url: spec.url,
              users: spec.users,
              env,
              ...(spec.statusProfile ? { statusProfile: spec.statusProfile } : {}),
            });
      const out = await runChecks({ ...common, target: applyOverrides(target, opts) });
      const paths = writeReports(opts, cwd, null, out.report, out.secrets);
      runs.push({
        label: target.claims.statusProfile,
        report: out.report,
        paths,
        secrets: out.secrets,
      });
    }
  } catch (e) {
    if (e instanceof ConfigError) return { exitCode: EXIT.config, runs, error: e.message };
    throw e;
  }
  // E2EE-CONF-011 (MUST, suite): several runs → the highest exit code.
  const exitCode = Math.max(EXIT.ok, ...runs.map((r) => r.report.exitCode));
  return { exitCode, runs };
}
