/**
 * `sealfold certify server`: certifies a Nextcloud-compatible E2EE server (spec/17-conformance.md).
 * Without a target it certifies the embedded mock once per status profile.
 *
 * Exit codes (E2EE-CONF-011): 0 every in-scope MUST passed; 1 conformance failures; 2 harness or
 * network errors or timeouts; 3 configuration or pre-flight error (bad options included).
 *
 * @module
 */
import {
  printJson,
  UsageError,
  optionalString,
  type Command,
  type CommandArgs,
  type CommandIo,
} from '../command.js';
import { SERVER_CHECKS } from '../../conformance/src/server/checks/index.js';
import {
  certifyServer,
  type CertifyOptions,
  type CertifyResult,
  type TargetSpec,
} from '../../conformance/src/runner/certify.js';
import { consoleProgress, summaryText } from '../../conformance/src/runner/console.js';
import { ConfigError } from '../../conformance/src/runner/config-error.js';
import {
  EMBEDDED_STATUS_PROFILES,
  type EmbeddedStatusProfile,
} from '../../conformance/src/targets/embedded.js';
import { parseClaims } from '../../conformance/src/targets/live.js';
import type { RunMode } from '../../conformance/src/report/types.js';
import { EXIT } from '../../conformance/src/core/results.js';

const MODES: readonly RunMode[] = ['certification', 'development'];

function list(args: CommandArgs, name: string): string[] {
  const v = args.values[name];
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
}

/** The target the options describe; a contradiction is a usage error. */
export function targetFrom(args: CommandArgs): TargetSpec {
  const file = optionalString(args, 'target');
  const url = optionalString(args, 'url');
  const users = list(args, 'user');
  const profile = optionalString(args, 'profile');
  const faults = list(args, 'fault');
  if (file !== undefined && (url !== undefined || users.length > 0)) {
    throw new UsageError('--target and --url/--user exclude each other');
  }
  if ((file !== undefined || url !== undefined) && faults.length > 0) {
    throw new UsageError('--fault applies to the embedded mock only');
  }
  if (file !== undefined) {
    if (profile !== undefined)
      throw new UsageError('--profile: the target file names its status profile');
    return { kind: 'file', path: file };
  }
  if (url !== undefined) {
    return {
      kind: 'url',
      url,
      users,
      ...(profile !== undefined ? { statusProfile: profile } : {}),
    };
  }
  if (users.length > 0) throw new UsageError('--user needs --url');
  if (profile !== undefined && !(EMBEDDED_STATUS_PROFILES as readonly string[]).includes(profile)) {
    throw new UsageError(`--profile must be one of ${EMBEDDED_STATUS_PROFILES.join(', ')}`);
  }
  return {
    kind: 'embedded',
    ...(profile !== undefined ? { statusProfiles: [profile as EmbeddedStatusProfile] } : {}),
    ...(faults.length > 0 ? { faults } : {}),
  };
}

/**
 * The command line as the report records it (E2EE-CONF-061): option names and values, which
 * by construction hold no secret (`--user` names an environment variable, not a password).
 */
export function recordedArgv(name: readonly string[], args: CommandArgs): string[] {
  const out = ['sealfold', ...name];
  for (const [k, v] of Object.entries(args.values)) {
    if (v === undefined || v === false) continue;
    for (const x of Array.isArray(v) ? v : [v]) {
      out.push(`--${k}`);
      if (x !== true) out.push(String(x));
    }
  }
  return [...out, ...args.positionals];
}

function intOption(args: CommandArgs, name: string, min: number, max: number): number | undefined {
  const v = optionalString(args, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
    throw new UsageError(`--${name} must be an integer in ${min}..${max}`);
  }
  return Number(v);
}

function jsonSummary(result: CertifyResult) {
  return {
    exitCode: result.exitCode,
    ...(result.error ? { error: result.error } : {}),
    runs: result.runs.map((r) => ({
      statusProfile: r.label,
      runId: r.report.run.id,
      summary: r.report.summary,
      verdicts: r.report.verdicts,
      reports: r.paths,
    })),
  };
}

/**
 * Runs `certifyServer`; anything it throws is a harness failure (exit 2), never a conformance
 * verdict, and its message is passed through the run's redaction by construction (it names no
 * secret: secrets never reach error messages of the harness).
 */
export async function runCertify(io: CommandIo, options: CertifyOptions): Promise<CertifyResult> {
  try {
    return await certifyServer(options);
  } catch (e) {
    io.stderr(`sealfold certify: harness error: ${(e as Error)?.message ?? String(e)}\n`);
    return { exitCode: EXIT.harness, runs: [], error: 'the run did not complete' };
  }
}

export const command: Command = {
  name: ['certify', 'server'],
  summary: 'certify a Nextcloud-compatible E2EE server (the embedded mock without a target)',
  usage:
    '[--target FILE | --url URL --user ACTOR=USERID:ENVVAR ...] [--profile nc30|nc32|nc33] [--claims LIST] [--strict] [--seed N] [--mode certification|development] [--deviations FILE] [--only PREFIX ...] [--out DIR] [--junit FILE] [--html DIR] [--plain | --quiet] [--json]',
  help: `Runs the server conformance suite and prints a verdict per claimed profile. Without
--target or --url it starts the embedded mock server in-process on 127.0.0.1 (fresh state,
management API on) and certifies it once per status profile (nc30, then nc32).

targets:
  --target FILE        a live server described by FILE (spec/schemas/conformance-target.schema.json);
                       secrets are read from environment variables or files named in it
  --url URL            a live server, short form; needs --user for alice, bob, carol and mallory
  --user A=ID:ENVVAR   actor A is user ID, whose login password is in environment variable
                       ENVVAR (never the password itself); repeat for each actor
  --profile P          status profile: embedded nc30|nc32|nc33 (default all); with --url (default nc32)
  --fault NAME         embedded only: turn on a mock fault switch (repeatable; see sealfold serve)

scope and rules:
  --claims LIST        claimed profiles, comma-separated (server-core, server-sharing,
                       server-filedrop, server-hsm, server-recovery-key, server-log);
                       replaces the target's claims
  --only PREFIX        run only tests whose id starts with PREFIX (repeatable)
  --strict             count SHOULD violations as FAIL
  --seed N             run seed (each test's seed derives from it and the test id)
  --mode M             certification (default; deviation files ignored) or development
  --deviations FILE    known deviations [{testId, expected, reason}] (development mode only;
                       an entry that no longer happens is STALE and fails the run)
  --timeout MS         time budget per test (default 60000)

output:
  --out DIR            where report.json goes (default .sealfold/certify; one sub-folder per
                       status profile when several run)
  --junit FILE         also write JUnit XML
  --html DIR           also write the HTML report (DIR/index.html)
  --plain              one line per finished test group, no in-place updates (CI logs)
  --quiet              no progress; only verdicts, report paths and the exit code
  --json               print a JSON summary on stdout instead of the text summary

exit codes: 0 every in-scope MUST passed; 1 conformance failures; 2 harness or network errors or
timeouts; 3 configuration or pre-flight error.
`,
  options: {
    target: { type: 'string' },
    url: { type: 'string' },
    user: { type: 'string', multiple: true },
    profile: { type: 'string' },
    fault: { type: 'string', multiple: true },
    claims: { type: 'string' },
    only: { type: 'string', multiple: true },
    strict: { type: 'boolean' },
    seed: { type: 'string' },
    mode: { type: 'string' },
    deviations: { type: 'string' },
    timeout: { type: 'string' },
    out: { type: 'string' },
    junit: { type: 'string' },
    html: { type: 'string' },
    plain: { type: 'boolean' },
    quiet: { type: 'boolean' },
  },
  usageExitCode: EXIT.config,
  refusalExitCode: EXIT.config,
  async run(args, io) {
    const target = targetFrom(args);
    const mode = optionalString(args, 'mode') ?? 'certification';
    if (!(MODES as readonly string[]).includes(mode)) {
      throw new UsageError(`--mode must be one of ${MODES.join(', ')}`);
    }
    let claims;
    try {
      const c = optionalString(args, 'claims');
      claims = c === undefined ? undefined : parseClaims(c);
    } catch (e) {
      if (e instanceof ConfigError) throw new UsageError(e.message);
      throw e;
    }
    const json = args.values.json === true;
    const quiet = args.values.quiet === true || json;
    const seed = intOption(args, 'seed', 0, 0x7fffffff);
    const timeout = intOption(args, 'timeout', 100, 3_600_000);
    const deviations = optionalString(args, 'deviations');
    const out = optionalString(args, 'out');
    const junit = optionalString(args, 'junit');
    const html = optionalString(args, 'html');
    const only = list(args, 'only');
    const onEvent = consoleProgress({
      write: io.stderr,
      live: io.stderrIsTty === true && args.values.plain !== true,
      quiet,
    });
    const result = await runCertify(io, {
      target,
      checks: SERVER_CHECKS,
      ...(claims ? { claims } : {}),
      ...(seed !== undefined ? { seed } : {}),
      strict: args.values.strict === true,
      mode: mode as RunMode,
      ...(deviations !== undefined ? { deviationsFile: deviations } : {}),
      ...(only.length > 0 ? { only } : {}),
      ...(timeout !== undefined ? { testTimeoutMs: timeout } : {}),
      ...(out !== undefined ? { outDir: out } : {}),
      ...(junit !== undefined ? { junit } : {}),
      ...(html !== undefined ? { html } : {}),
      argv: recordedArgv(['certify', 'server'], args),
      env: io.env ?? process.env,
      cwd: io.cwd,
      onEvent,
      onNotice: (line) => io.stderr(`sealfold certify: ${line}\n`),
    });
    if (json) printJson(io, jsonSummary(result));
    else io.stdout(summaryText(result, args.values.quiet === true));
    if (result.error) io.stderr(`sealfold certify: ${result.error}\n`);
    return result.exitCode;
  },
};
