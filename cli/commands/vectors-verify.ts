/**
 * `sealfold vectors verify`: runs every vector against the reference (vectors/src/verify.ts).
 *
 * @module
 */
import { printJson, type Command } from '../command.js';
import { verifyAll } from '../../vectors/src/verify.js';

export const command: Command = {
  name: ['vectors', 'verify'],
  summary: 'run every test vector against the reference and print per-family counts',
  usage: '[--type TYPE]... [--json]',
  help: [
    'Runs each vector through the reference implementation and compares the verdict (and every',
    'output of a valid test) with the file. Prints valid/invalid/acceptable counts per file and',
    'family; exit 1 when any vector disagrees.',
    '',
    'options:',
    '  --type TYPE  only this vector type (repeatable)',
    '  --json       print the report as JSON',
  ].join('\n'),
  options: { type: { type: 'string', multiple: true } },
  async run(args, io) {
    const only = args.values.type as string[] | undefined;
    const reports = await verifyAll(undefined, only);
    const failures = reports.reduce((n, r) => n + r.failures.length, 0);
    if (args.values.json === true) printJson(io, reports);
    else {
      const families = new Map<string, number>();
      for (const r of reports) {
        const n = r.valid + r.invalid + r.acceptable;
        families.set(r.family, (families.get(r.family) ?? 0) + n);
        io.stdout(
          `${r.family}/${r.type}: ${n} passed (valid ${r.valid}, invalid ${r.invalid}, acceptable ${r.acceptable})${r.failures.length ? `, ${r.failures.length} FAILED` : ''}\n`,
        );
        for (const f of r.failures)
          io.stderr(
            `sealfold vectors verify: ${f.id}: expected ${JSON.stringify(f.expected)}, got ${JSON.stringify(f.got)}\n`,
          );
      }
      for (const [family, n] of families) io.stdout(`family ${family}: ${n}\n`);
      // The reference reader's row of the cross-decrypt matrix (spec/19 §7).
      for (const r of reports)
        for (const [producer, c] of Object.entries(r.producers))
          io.stdout(`producer ${producer}: reference read ${c.passed}/${c.total} as expected\n`);
      io.stdout(
        failures === 0 ? 'vectors verify: ok\n' : `vectors verify: ${failures} failure(s)\n`,
      );
    }
    return failures === 0 ? 0 : 1;
  },
};
