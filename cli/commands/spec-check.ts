/**
 * `sealfold spec check`: see spec/tools/check.ts.
 *
 * @module
 */
import { printJson, UsageError, type Command } from '../command.js';
import { isSourceCheckout, repoRoot } from '../paths.js';

export const command: Command = {
  name: ['spec', 'check'],
  summary: 'extract the requirement registry and check IDs, citations and coverage',
  usage: '[--no-write] [--json]',
  help: [
    'Reads spec/NN-*.md, writes spec/requirements.json and fails (exit 1) when an ID is malformed',
    'or duplicated, a test or source file cites an unknown ID, a MUST / MUST NOT has no test',
    "citing it, the error-code table differs from the reference's list, a schema is broken, or a",
    'server MUST is neither checked by the conformance suite nor listed in',
    'conformance/not-live-checkable.json.',
    '',
    'options:',
    '  --no-write  check only; do not rewrite spec/requirements.json',
    '  --json      print the report as JSON',
  ].join('\n'),
  options: { 'no-write': { type: 'boolean' } },
  async run(args, io) {
    const root = repoRoot();
    // The check reads the tests and the TypeScript sources for citations; an installed package
    // has neither, so it would report every MUST as untested. Its registry ships ready-made.
    if (!isSourceCheckout(root)) {
      throw new UsageError(
        'spec check runs in a Sealfold source checkout; the installed package ships the registry it writes, spec/requirements.json',
      );
    }
    // Loaded here, past that check: the checker needs the TypeScript compiler, a development
    // dependency that an installed package does not have.
    const { checkSpec, writeRegistry } = await import('../../spec/tools/check.js');
    const { VECTOR_AREAS } = await import('../../spec/tools/vector-citations.js');
    const { NOT_LIVE_CHECKABLE } = await import('../../spec/tools/server-coverage.js');
    const report = checkSpec(root);
    if (args.values['no-write'] !== true) writeRegistry(root, report);
    if (args.values.json === true) {
      printJson(io, { ok: report.ok, problems: report.problems, counts: report.counts });
    } else {
      const c = report.counts;
      const levels = Object.entries(c.perLevel)
        .map(([l, n]) => `${l} ${n}`)
        .join(', ');
      io.stdout(
        [
          `requirements: ${c.total} (${levels})${c.withdrawn ? `, ${c.withdrawn} withdrawn` : ''}`,
          `MUST/MUST NOT cited by tests: ${c.mustCited}/${c.mustTotal}` +
            (c.mustOnlyConditional.length > 0
              ? `; ${c.mustOnlyConditional.length} only by tests that may be skipped (skipIf/runIf): ${c.mustOnlyConditional.join(', ')}`
              : ''),
          `cited by tests: ${c.citedByTests}/${c.total}`,
          `enforced by a line comment in code: ${c.enforcedByCode}/${c.total} (reference: ${c.citedByReference}, server-mock: ${c.citedByServer}); only mentioned: ${c.mentionedOnly}`,
          `test vectors: ${c.vectors.vectors}; MUST/MUST NOT of ${VECTOR_AREAS.join(', ')} cited by vectors: ${c.vectors.areaMustsCited}/${c.vectors.areaMusts}, listed as not observable from bytes: ${c.vectors.notObservable} (vectors/uncovered.json)`,
          `checked against live targets by the conformance suite: ${c.checkedBySuite}/${c.total} ` +
            `(${c.suiteChecks} checks, ${c.suiteCitations} citations; ${c.checkedByBoth} also by ` +
            `unit tests, ${c.checkedBySuite - c.checkedByBoth} by the suite only); ` +
            `cited by unit tests only: ${c.citedByTests - c.checkedByBoth}`,
          `server MUSTs: ${c.server.checked} checked by the suite, ${c.server.notLiveCheckable} not checkable live (${NOT_LIVE_CHECKABLE}), ` +
            `${c.server.notYetChecked} observable but not yet checked, ${c.server.neither} neither (of ${c.server.serverMusts})`,
          '',
        ].join('\n'),
      );
      for (const p of report.problems) io.stderr(`sealfold spec check: ${p}\n`);
      io.stdout(
        report.ok ? 'spec check: ok\n' : `spec check: ${report.problems.length} problem(s)\n`,
      );
    }
    return report.ok ? 0 : 1;
  },
};
