/**
 * `sealfold certify client --driver "<command>"`: certifies an E2EE client through its driver
 * (spec/18-driver-protocol.md) against the embedded mock server, with the reference client in
 * every role the vendor does not play. Same reports and exit codes as `certify server`
 * (E2EE-CONF-011): 0 every in-scope MUST passed; 1 conformance failures; 2 harness errors or
 * timeouts; 3 configuration or pre-flight error.
 *
 * @module
 */
import {
  optionalString,
  printJson,
  requireString,
  UsageError,
  type Command,
  type CommandArgs,
} from '../command.js';
import { recordedArgv } from './certify-server.js';
import { CLIENT_CHECKS } from '../../conformance/src/client/checks/index.js';
import { CLIENT_PROFILES, type ClientProfile } from '../../conformance/src/client/check.js';
import { certifyClient, type ClientCertifyResult } from '../../conformance/src/client/run.js';
import { EXIT } from '../../conformance/src/core/results.js';

const MEANING: Record<number, string> = {
  0: 'every in-scope MUST passed',
  1: 'conformance failures',
  2: 'harness errors or timeouts',
  3: 'configuration or pre-flight error',
};

function intOption(args: CommandArgs, name: string, min: number, max: number): number | undefined {
  const v = optionalString(args, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
    throw new UsageError(`--${name} must be an integer in ${min}..${max}`);
  }
  return Number(v);
}

function claimsOption(args: CommandArgs): ClientProfile[] | undefined {
  const v = optionalString(args, 'claims');
  if (v === undefined) return undefined;
  const list = v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const p of list) {
    if (!(CLIENT_PROFILES as readonly string[]).includes(p)) {
      throw new UsageError(`--claims: unknown profile ${p} (${CLIENT_PROFILES.join(', ')})`);
    }
  }
  return list as ClientProfile[];
}

/** The text summary: counts, what did not pass, the verdict per claimed profile, the reports. */
export function clientSummary(result: ClientCertifyResult, quiet: boolean): string {
  const out: string[] = [];
  const report = result.report;
  if (report) {
    const hello = report.subjects.client?.hello;
    if (hello) out.push(`client: ${hello.name} ${hello.version} (driver API ${hello.driverApi})`);
    if (!quiet) {
      const s = report.summary;
      out.push(
        `  ${s.total} tests: ${s.pass} pass, ${s.fail} fail, ${s.warn} warn, ${s.skip} skip, ${s.unsupported} unsupported, ${s.timeout} timeout, ${s.error} error`,
      );
      for (const r of report.results) {
        if (r.status === 'PASS' || r.status === 'SKIP') continue;
        out.push(`  ${r.status.padEnd(11)} ${r.testId}: ${r.message ?? r.reason ?? ''}`);
      }
    }
    const w = Math.max(7, ...report.verdicts.map((v) => v.profile.length));
    for (const v of report.verdicts) {
      const blocking = v.blocking.length ? `  blocking: ${v.blocking.join(', ')}` : '';
      out.push(`  ${v.profile.padEnd(w)}  ${v.status}${blocking}`);
    }
    for (const [kind, path] of Object.entries(result.paths)) out.push(`  ${kind}: ${path}`);
  }
  out.push(`exit code ${result.exitCode}: ${MEANING[result.exitCode] ?? ''}`);
  return out.join('\n') + '\n';
}

export const command: Command = {
  name: ['certify', 'client'],
  summary: 'certify an E2EE client through its driver (JSON-RPC over stdin/stdout)',
  usage:
    '--driver "COMMAND" [--claims LIST] [--only PREFIX ...] [--strict] [--seed N] [--method-timeout MS] [--timeout MS] [--out DIR] [--junit FILE] [--html DIR] [--quiet] [--json]',
  help: `Certifies an end-to-end encrypted client. COMMAND starts the client's driver, a process that
speaks the driver protocol (spec/18-driver-protocol.md: JSON-RPC 2.0, one message per line on
stdin/stdout). The embedded mock server runs in-process on 127.0.0.1; the reference client plays
every actor the vendor does not, and each scenario runs once per role the vendor can take.

  --driver COMMAND     the driver command line, run through the shell in the current folder
                       (e.g. "npx sealfold driver reference"); it must hold no secret
  --claims LIST        narrow the profiles the driver's hello declares (client-identity,
                       client-core, client-sharing, client-filedrop, client-log,
                       client-recovery-key),
                       comma-separated
  --only PREFIX        run only tests whose id starts with PREFIX (repeatable)
  --strict             count SHOULD violations as FAIL
  --seed N             run seed
  --method-timeout MS  time budget per driver method (default 30000): TIMEOUT when exceeded
  --timeout MS         time budget per test (default 120000)
  --out DIR            where report.json goes (default .sealfold/certify-client)
  --junit FILE         also write JUnit XML
  --html DIR           also write the HTML report (DIR/index.html)
  --quiet              only verdicts, report paths and the exit code
  --json               print a JSON summary on stdout instead of the text summary

exit codes: 0 every in-scope MUST passed; 1 conformance failures; 2 harness errors or timeouts;
3 configuration or pre-flight error.
`,
  options: {
    driver: { type: 'string' },
    claims: { type: 'string' },
    only: { type: 'string', multiple: true },
    strict: { type: 'boolean' },
    seed: { type: 'string' },
    'method-timeout': { type: 'string' },
    timeout: { type: 'string' },
    out: { type: 'string' },
    junit: { type: 'string' },
    html: { type: 'string' },
    quiet: { type: 'boolean' },
    json: { type: 'boolean' },
  },
  usageExitCode: EXIT.config,
  async run(args, io) {
    const driver = requireString(args, 'driver');
    const claims = claimsOption(args);
    const seed = intOption(args, 'seed', 0, 0x7fffffff);
    const methodTimeout = intOption(args, 'method-timeout', 100, 3_600_000);
    const timeout = intOption(args, 'timeout', 100, 3_600_000);
    const only = args.values.only;
    const out = optionalString(args, 'out');
    const junit = optionalString(args, 'junit');
    const html = optionalString(args, 'html');
    const json = args.values.json === true;
    let result: ClientCertifyResult;
    try {
      result = await certifyClient({
        driver,
        checks: CLIENT_CHECKS,
        ...(claims ? { claims } : {}),
        ...(seed !== undefined ? { seed } : {}),
        strict: args.values.strict === true,
        ...(Array.isArray(only) ? { only } : {}),
        ...(methodTimeout !== undefined ? { methodTimeoutMs: methodTimeout } : {}),
        ...(timeout !== undefined ? { testTimeoutMs: timeout } : {}),
        ...(out !== undefined ? { outDir: out } : {}),
        ...(junit !== undefined ? { junit } : {}),
        ...(html !== undefined ? { html } : {}),
        argv: recordedArgv(['certify', 'client'], args),
        env: io.env ?? process.env,
        cwd: io.cwd,
        onEvent: (e) => {
          if (json || args.values.quiet === true) return;
          if (e.type === 'test-end')
            io.stderr(`${e.result.status.padEnd(11)} ${e.result.testId}\n`);
        },
      });
    } catch (e) {
      io.stderr(`sealfold certify client: harness error: ${(e as Error)?.message ?? String(e)}\n`);
      return EXIT.harness;
    }
    if (json) {
      printJson(io, {
        exitCode: result.exitCode,
        ...(result.error ? { error: result.error } : {}),
        ...(result.report
          ? { summary: result.report.summary, verdicts: result.report.verdicts }
          : {}),
        reports: result.paths,
      });
    } else io.stdout(clientSummary(result, args.values.quiet === true));
    if (result.error) io.stderr(`sealfold certify client: ${result.error}\n`);
    return result.exitCode;
  },
};
