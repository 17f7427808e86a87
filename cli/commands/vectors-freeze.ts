/**
 * `sealfold vectors freeze`: turns a recorded run — a failing case of the client certification
 * suite, or any run in the recorded-run format — into a scenario vector (vectors/src/freeze.ts).
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError, optionalString, printJson, type Command } from '../command.js';
import { freezeRun, FreezeRefused } from '../../vectors/src/freeze.js';
import { generateAll, writeAll } from '../../vectors/src/generate.js';
import {
  SUITE_READER_KEY_ID,
  suiteReaderKeyPem,
} from '../../conformance/src/client/adversarial/suite-reader.js';

/**
 * A report's run with its key reference resolved (E2EE-CONF-544): a report names the suite
 * reader's committed test key by id, a vector carries the key. Any other reference is refused,
 * so that no file outside the committed test keys can be pulled into a vector.
 */
function withReaderKey(run: unknown): unknown {
  if (typeof run !== 'object' || run === null) return run;
  const actor = (run as { actor?: unknown }).actor;
  if (typeof actor !== 'object' || actor === null || !('privateKeyRef' in actor)) return run;
  const { privateKeyRef, ...rest } = actor as { privateKeyRef: unknown };
  // E2EE-CONF-544: only the suite reader's committed key may be referenced.
  if (privateKeyRef !== SUITE_READER_KEY_ID)
    throw new FreezeRefused(
      `the run names the key ${JSON.stringify(privateKeyRef)}; only ${SUITE_READER_KEY_ID} is a committed key`,
    );
  return { ...run, actor: { ...rest, privateKeyPemWire: suiteReaderKeyPem() } };
}

/**
 * The recorded run of test `testId` in a client-certification report: the result whose `testId`
 * matches carries it as `evidence.recordedRun` (the contract the suite writes; spec/17, "Recorded
 * runs of failing attacks"), its reader's key named by id and resolved here.
 */
export function runFromReport(reportText: string, testId: string): string {
  let report: unknown;
  try {
    report = JSON.parse(reportText);
  } catch {
    throw new UsageError('the report is not JSON');
  }
  const results = (report as { results?: unknown }).results;
  if (!Array.isArray(results)) throw new UsageError('the report has no results[]');
  const result = results.find(
    (r): r is { evidence?: { recordedRun?: unknown } } =>
      typeof r === 'object' && r !== null && (r as { testId?: unknown }).testId === testId,
  );
  if (result === undefined) throw new UsageError(`the report has no result for ${testId}`);
  const run = result.evidence?.recordedRun;
  if (run === undefined)
    throw new UsageError(`the result of ${testId} carries no evidence.recordedRun to freeze`);
  return JSON.stringify(withReaderKey(run));
}

export const command: Command = {
  name: ['vectors', 'freeze'],
  summary: 'turn a recorded run (a failing client-certification case) into a scenario vector',
  usage: 'RUN.json [--name NAME] | --report REPORT.json --test ID [--name NAME]',
  help: [
    'Validates the recorded run (vectors/schemas/recorded-run.schema.json), runs it through the',
    "reference's passive client, and when the reference reaches every expected verdict stores it as",
    'vectors/frozen/NAME.json and regenerates the set: the run becomes the vector',
    'scenario/frozen-NAME (lints, verifies, stable id). Exit 1 when the run is malformed, when the',
    'reference disagrees with it, or when NAME is taken by other content (ids are never reused).',
    '',
    'options:',
    '  --report FILE  a client-certification report.json; take the run of --test from it',
    '  --test ID      the test whose evidence.recordedRun to freeze (with --report)',
    '  --name NAME    the vector name (lowercase slug; default: the run name)',
    '  --json         print the result as JSON',
  ].join('\n'),
  options: {
    report: { type: 'string' },
    test: { type: 'string' },
    name: { type: 'string' },
  },
  allowPositionals: true,
  async run(args, io) {
    const report = optionalString(args, 'report');
    const testId = optionalString(args, 'test');
    const name = optionalString(args, 'name');
    let reportText: string | undefined;
    let text = '';
    if (report !== undefined) {
      if (args.positionals.length !== 0)
        throw new UsageError('give RUN.json or --report, not both');
      if (testId === undefined) throw new UsageError('--report needs --test ID');
      reportText = readFileSync(resolve(io.cwd, report), 'utf8');
    } else {
      if (testId !== undefined) throw new UsageError('--test needs --report');
      if (args.positionals.length !== 1) throw new UsageError('give exactly one RUN.json');
      text = readFileSync(resolve(io.cwd, args.positionals[0]!), 'utf8');
    }
    try {
      if (reportText !== undefined) text = runFromReport(reportText, testId!);
      const r = await freezeRun(text, name === undefined ? {} : { name });
      if (r.written) writeAll(await generateAll());
      if (args.values.json === true) printJson(io, r);
      else
        io.stdout(
          r.written
            ? `vectors freeze: ${r.id} (${r.path}); the set was regenerated\n`
            : `vectors freeze: ${r.id} is already frozen with this content\n`,
        );
      return 0;
    } catch (e) {
      if (!(e instanceof FreezeRefused)) throw e;
      io.stderr(`sealfold vectors freeze: ${e.message}\n`);
      return 1;
    }
  },
};
