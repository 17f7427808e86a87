/**
 * `sealfold certify replay REPORT --test ID`: re-runs exactly one recorded case (E2EE-CONF-050).
 * A property-based result's replay data (fast-check seed, path, shrunk commands) is handed to the
 * check through `ctx.replay`, so it re-runs that counterexample instead of searching anew; any
 * other test re-runs with the recorded run seed, which gives it the same test seed.
 *
 * The embedded mock is restarted with the recorded status profile and fault switches; a live
 * target must be named again (`--target` or `--url/--user`), because a report holds no secrets.
 *
 * @module
 */
import { UsageError, optionalString, printJson, readInputText, type Command } from '../command.js';
import { LIMITS } from '../input.js';
import { SERVER_CHECKS } from '../../conformance/src/server/checks/index.js';
import type { ServerProfile } from '../../conformance/src/server/check.js';
import type { TargetSpec } from '../../conformance/src/runner/certify.js';
import { consoleProgress } from '../../conformance/src/runner/console.js';
import { parseJsonReport } from '../../conformance/src/report/json.js';
import type { Report } from '../../conformance/src/report/types.js';
import {
  EMBEDDED_STATUS_PROFILES,
  type EmbeddedStatusProfile,
} from '../../conformance/src/targets/embedded.js';
import { EXIT } from '../../conformance/src/core/results.js';
import { isSealfoldError } from '../../reference/src/errors/index.js';
import { recordedArgv, runCertify, targetFrom } from './certify-server.js';
import { replayClient } from './_certify-replay-client.js';

function readReport(cwd: string, file: string): Report {
  try {
    return parseJsonReport(readInputText(cwd, file, 'REPORT', LIMITS.json), file);
  } catch (e) {
    if (isSealfoldError(e)) throw new UsageError(e.message);
    throw e;
  }
}

/** The target to replay against: the recorded mock, or the live target named again. */
function replayTarget(report: Report, args: Parameters<Command['run']>[0]): TargetSpec {
  const server = report.subjects.server;
  const named = args.values.target !== undefined || args.values.url !== undefined;
  if (server.kind === 'mock') {
    if (named) throw new UsageError('the report is of the embedded mock: name no target');
    if (!(EMBEDDED_STATUS_PROFILES as readonly string[]).includes(server.statusProfile)) {
      throw new UsageError(`the report's status profile ${server.statusProfile} is not the mock's`);
    }
    return {
      kind: 'embedded',
      statusProfiles: [server.statusProfile as EmbeddedStatusProfile],
      ...(server.faults && server.faults.length > 0 ? { faults: server.faults } : {}),
    };
  }
  if (!named) {
    throw new UsageError(
      'the report is of a live server: name it again with --target FILE or --url/--user (reports hold no secrets)',
    );
  }
  return targetFrom(args);
}

export const command: Command = {
  name: ['certify', 'replay'],
  summary: 're-run exactly one recorded test case of a report.json',
  usage:
    'REPORT --test ID [--target FILE | --url URL --user ACTOR=USERID:ENVVAR ... | --driver CMD] [--out DIR] [--json]',
  help: `Re-runs the test ID of REPORT against the same kind of target and status profile. A
property-based test re-runs its recorded counterexample (seed, path, shrunk commands); other tests
re-run with the recorded run seed. The embedded mock is restarted with the recorded fault
switches; a live server must be named again with --target or --url/--user. A client report's
test re-runs with its driver (or --driver) against a fresh embedded mock.

  --test ID       the test to re-run (required)
  --target FILE   the live target file (live reports only)
  --url, --user   the short form (live reports only; see sealfold certify server --help)
  --driver CMD    client reports: the driver command instead of the report's
  --out DIR       also write the replay's report.json into DIR

exit codes: those of sealfold certify server, for the one test.
`,
  options: {
    test: { type: 'string' },
    target: { type: 'string' },
    url: { type: 'string' },
    user: { type: 'string', multiple: true },
    out: { type: 'string' },
    driver: { type: 'string' },
  },
  allowPositionals: true,
  usageExitCode: EXIT.config,
  refusalExitCode: EXIT.config,
  async run(args, io) {
    if (args.positionals.length !== 1) throw new UsageError('give exactly one REPORT file');
    const testId = optionalString(args, 'test');
    if (testId === undefined) throw new UsageError('--test ID is required');
    const report = readReport(io.cwd, args.positionals[0]!);
    const recorded = report.results.find((r) => r.testId === testId);
    if (!recorded) throw new UsageError(`the report has no result for ${testId}`);
    // E2EE-CONF-545: a client report replays its test through the client runner.
    if (report.subjects.client !== undefined) return replayClient(report, recorded, args, io);
    if (args.values.driver !== undefined)
      throw new UsageError('--driver is for client reports; this is a server report');
    const checks = SERVER_CHECKS.filter((c) => c.id === testId);
    if (checks.length === 0) {
      throw new UsageError(`this suite has no test ${testId} (the report is from another version)`);
    }
    const target = replayTarget(report, args);
    const out = optionalString(args, 'out');
    io.stderr(
      recorded.replay
        ? `replaying ${testId}: seed ${recorded.replay.seed}, path ${recorded.replay.path ?? '(none)'}, ${recorded.replay.commands?.length ?? 0} command(s)\n`
        : `re-running ${testId} with run seed ${report.run.seed} (no property-based case recorded)\n`,
    );
    const result = await runCertify(io, {
      target,
      checks,
      // Only the profiles this test belongs to: the replay gives no verdict on the others.
      claims: (report.claims.server as ServerProfile[]).filter((p) =>
        checks[0]!.profiles.includes(p),
      ),
      seed: report.run.seed,
      strict: report.run.strict,
      mode: report.run.mode,
      ...(recorded.replay ? { replay: new Map([[testId, recorded.replay]]) } : {}),
      outDir: out ?? null,
      argv: recordedArgv(['certify', 'replay'], args),
      env: io.env ?? process.env,
      cwd: io.cwd,
      onEvent: consoleProgress({ write: io.stderr, live: false, quiet: true }),
    });
    if (result.error) io.stderr(`sealfold certify: ${result.error}\n`);
    const now = result.runs[0]?.report.results[0];
    if (args.values.json === true) {
      printJson(io, {
        testId,
        before: recorded.status,
        after: now?.status ?? null,
        exitCode: result.exitCode,
        ...(now ? { result: now } : {}),
      });
    } else if (now) {
      io.stdout(
        `${testId}: ${recorded.status} → ${now.status}${now.message ? `: ${now.message}` : ''}\n`,
      );
    }
    return result.exitCode;
  },
};
