/**
 * `sealfold vectors generate`: regenerates vectors/ from a seed (see vectors/src/generate.ts).
 *
 * @module
 */
import { UsageError, optionalString, type Command } from '../command.js';
import { DEFAULT_SEED } from '../../vectors/src/context.js';
import { diffAgainstDisk, generateAll, writeAll } from '../../vectors/src/generate.js';

export const command: Command = {
  name: ['vectors', 'generate'],
  summary: 'regenerate the test vectors deterministically from a seed (or --check them)',
  usage: '[--seed SEED] [--check]',
  help: [
    'Regenerates every file under vectors/ (vector files, blobs, schemas, the id ledger and',
    'SHA256SUMS) from the seed and the committed input keys in vectors/keys/. The same seed and',
    'inputs always give the same bytes.',
    '',
    'options:',
    `  --seed SEED  the seed (default: ${DEFAULT_SEED}, the published set)`,
    '  --check      write nothing; exit 1 when a committed file differs from a fresh generation',
  ].join('\n'),
  options: { seed: { type: 'string' }, check: { type: 'boolean' } },
  async run(args, io) {
    const seed = optionalString(args, 'seed') ?? DEFAULT_SEED;
    if (seed === '') throw new UsageError('--seed must not be empty');
    const files = await generateAll(seed);
    if (args.values.check === true) {
      const differ = diffAgainstDisk(files);
      for (const p of differ)
        io.stderr(`sealfold vectors generate: ${p} differs from a fresh generation\n`);
      io.stdout(
        differ.length === 0
          ? `vectors: ${files.length} files match\n`
          : `vectors: ${differ.length} file(s) differ\n`,
      );
      return differ.length === 0 ? 0 : 1;
    }
    writeAll(files);
    io.stdout(`vectors: wrote ${files.length} files (seed ${JSON.stringify(seed)})\n`);
    return 0;
  },
};
