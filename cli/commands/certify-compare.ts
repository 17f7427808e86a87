/**
 * `sealfold certify compare OLD NEW`: what regressed between two conformance reports
 * (E2EE-CONF-240..242). Exit codes: 0 nothing regressed, 1 something regressed, 3 a file that
 * cannot be read or is not a valid report (E2EE-CONF-201), 2 usage error.
 *
 * @module
 */
import { readInputText, UsageError, type Command, type CommandIo } from '../command.js';
import { LIMITS } from '../input.js';
import { SealfoldError } from '../../reference/src/errors/index.js';
import {
  compareReports,
  type Comparison,
  type Finding,
} from '../../conformance/src/report/compare.js';
import { parseJsonReport } from '../../conformance/src/report/json.js';
import type { Report } from '../../conformance/src/report/types.js';

/** Exit code for a file that is unreadable or not a report (the certify commands' "config"). */
const INVALID_INPUT = 3;

/** Reads and validates one report; the error names the argument, never the file's content. */
function readReport(cwd: string, file: string, which: 'OLD' | 'NEW'): Report {
  const text = readInputText(cwd, file, which, LIMITS.json);
  return parseJsonReport(text, `${which} ${file}`);
}

const arrow = (f: Finding) =>
  `${f.kind === 'verdict' ? 'verdict ' : ''}${f.id}: ${f.before ?? '(absent)'} → ${f.after ?? '(absent)'}`;

function section(title: string, lines: string[]): string[] {
  return lines.length === 0 ? [] : [`${title} (${lines.length}):`, ...lines.map((l) => `  ${l}`)];
}

function text(c: Comparison): string {
  const lines = [
    ...c.warnings.map((w) => `warning: ${w}`),
    ...section('regressions', c.regressions.map(arrow)),
    ...section('improvements', c.improvements.map(arrow)),
    ...section('other changes', c.changed.map(arrow)),
    ...section(
      'added tests',
      c.added.map((a) => `${a.testId} (${a.status})`),
    ),
    ...section(
      'removed tests',
      c.removed.map((r) => `${r.testId} (was ${r.status})`),
    ),
    `certify compare: ${c.regressions.length} regression(s), ${c.improvements.length} improvement(s), ` +
      `${c.changed.length} other change(s), ${c.added.length} added, ${c.removed.length} removed`,
  ];
  return lines.join('\n') + '\n';
}

function fail(io: CommandIo, json: boolean, e: SealfoldError): number {
  if (json)
    io.stdout(JSON.stringify({ ok: false, error: { code: e.code, message: e.message } }) + '\n');
  io.stderr(`sealfold: ${e.code}: ${e.message}\n`);
  return INVALID_INPUT;
}

export const command: Command = {
  name: ['certify', 'compare'],
  summary: 'show what regressed between two conformance reports (report.json)',
  usage: 'OLD NEW [--json]',
  help: [
    'Matches the results of two report.json files by test id and the verdicts by profile.',
    'A regression is a test that passed in OLD and does not in NEW, a test that went from WARN',
    'or SKIP to FAIL, UNSUPPORTED, TIMEOUT or ERROR, a new test with one of those results, or a',
    'profile that was CERTIFIABLE and no longer is. Improvements are the reverse. Also lists',
    'other changes of result and the tests added and removed, and warns when the reports come',
    'from different suites, status profiles or servers.',
    '',
    'exit codes: 0 nothing regressed; 1 something regressed; 3 a file cannot be read or is not',
    'a valid report; 2 usage error.',
    '',
    'options:',
    '  --json   print the comparison as one JSON object',
  ].join('\n'),
  options: {},
  allowPositionals: true,
  refusalExitCode: INVALID_INPUT,
  async run(args, io) {
    if (args.positionals.length !== 2) throw new UsageError('expects two reports: OLD NEW');
    const json = args.values.json === true;
    let oldR: Report;
    let newR: Report;
    try {
      oldR = readReport(io.cwd, args.positionals[0]!, 'OLD');
      newR = readReport(io.cwd, args.positionals[1]!, 'NEW');
    } catch (e) {
      // E2EE-CONF-201, E2EE-CONF-241: an unreadable or invalid report is exit code 3.
      if (e instanceof SealfoldError) return fail(io, json, e);
      throw e;
    }
    const c = compareReports(oldR, newR);
    if (json) io.stdout(JSON.stringify({ ok: true, ...c }, null, 2) + '\n');
    else io.stdout(text(c));
    // E2EE-CONF-241: 1 when something regressed.
    return c.regressions.length > 0 ? 1 : 0;
  },
};
