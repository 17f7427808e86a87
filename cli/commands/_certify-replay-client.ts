/**
 * `sealfold certify replay` for a client-certification report (E2EE-CONF-545): re-runs one test
 * of the role matrix (`<check>-as-<actor>`) with the recorded run seed, which gives it the same
 * test seed (a property-based client run replays the same steps and faults), against a fresh
 * embedded mock, with the driver the report names (or `--driver`, when it was given relative to
 * another folder). Only the profile of that test is claimed: the replay judges no other.
 *
 * @module
 */
import { optionalString, printJson, UsageError, type Command } from '../command.js';
import { recordedArgv } from './certify-server.js';
import { CLIENT_CHECKS } from '../../conformance/src/client/checks/index.js';
import { certifyClient, plan } from '../../conformance/src/client/run.js';
import type { ClientProfile } from '../../conformance/src/client/check.js';
import type { Report, TestResult } from '../../conformance/src/report/types.js';

type Args = Parameters<Command['run']>[0];
type Io = Parameters<Command['run']>[1];

export async function replayClient(
  report: Report,
  recorded: TestResult,
  args: Args,
  io: Io,
): Promise<number> {
  const testId = recorded.testId;
  if (args.values.target !== undefined || args.values.url !== undefined)
    throw new UsageError('the report is of a client run against the embedded mock: name no target');
  const planned = plan(CLIENT_CHECKS).find((p) => p.testId === testId);
  if (planned === undefined)
    throw new UsageError(`this suite has no test ${testId} (the report is from another version)`);
  const driver = optionalString(args, 'driver') ?? report.subjects.client!.driver;
  const claimed = (report.claims.client ?? []) as ClientProfile[];
  io.stderr(`re-running ${testId} with run seed ${report.run.seed} and the driver ${driver}\n`);
  const out = optionalString(args, 'out');
  const result = await certifyClient({
    driver,
    checks: [planned.check],
    only: [testId],
    // Only the profile this test belongs to: the replay gives no verdict on the others.
    claims: claimed.filter((p) => p === planned.check.profile),
    seed: report.run.seed,
    strict: report.run.strict,
    mode: report.run.mode,
    outDir: out ?? null,
    argv: recordedArgv(['certify', 'replay'], args),
    env: io.env ?? process.env,
    cwd: io.cwd,
  });
  if (result.error) io.stderr(`sealfold certify: ${result.error}\n`);
  const now = result.report?.results.find((r) => r.testId === testId);
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
}
