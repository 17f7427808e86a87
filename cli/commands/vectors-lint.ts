/**
 * `sealfold vectors lint`: schema and envelope rules of every vector file (vectors/src/lint.ts).
 *
 * @module
 */
import { printJson, type Command } from '../command.js';
import { lintAll } from '../../vectors/src/lint.js';

export const command: Command = {
  name: ['vectors', 'lint'],
  summary: 'check every vector file against its schema and the envelope rules (stable ids, codes)',
  usage: '[--json]',
  help: [
    'Validates each vectors/<family>/<type>.json against vectors/schemas/<type>.schema.json, then:',
    'ids unique and never removed (vectors/ids.txt), tcIds in order, every flag has a note, every',
    'invalid test has an error code of the closed list, every acceptable test a flag, requirement',
    'IDs exist, blobs and SHA256SUMS match. Exit 1 on any problem.',
    '',
    'options:',
    '  --json  print the report as JSON',
  ].join('\n'),
  options: {},
  async run(args, io) {
    const r = lintAll();
    if (args.values.json === true) printJson(io, r);
    else {
      for (const p of r.problems) io.stderr(`sealfold vectors lint: ${p}\n`);
      io.stdout(
        `vectors lint: ${r.files} files, ${r.tests} tests, ${r.problems.length} problem(s)\n`,
      );
    }
    return r.problems.length === 0 ? 0 : 1;
  },
};
