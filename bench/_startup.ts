/**
 * Benchmark section: start-up time of the `sealfold` command as installed (`bin/sealfold.js` on
 * the compiled code in dist/), next to `node -e 0` measured in the same run, so the ratio means
 * the same on a loaded machine as on an idle one. Certification starts the CLI once per driver,
 * so start-up multiplies into the length of every run.
 *
 * Two commands: `sealfold --help` (the command table alone), and `sealfold metadata open --help`,
 * which loads a command module and the reference modules behind it (metadata, signatures,
 * certificates, their schemas), as any command that does work does. The three spawns alternate,
 * rotating their order every round; each figure is the median of the rounds.
 *
 * @module
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { median } from './_throughput.js';

export interface StartupTimes {
  nodeMs: number;
  helpMs: number;
  commandMs: number;
  rounds: number;
}

function timeSpawn(cwd: string, args: string[]): number {
  const start = performance.now();
  const r = spawnSync(process.execPath, args, { cwd, encoding: 'utf8' });
  const ms = performance.now() - start;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

/** Measures the three spawns `rounds` times (after one untimed round). */
export function measureStartup(root: string, rounds: number): StartupTimes {
  if (!existsSync(join(root, 'dist/cli/main.js'))) {
    throw new Error('the start-up bench runs the compiled CLI: run `npm run build` first');
  }
  const spawns = [
    ['-e', '0'],
    ['bin/sealfold.js', '--help'],
    ['bin/sealfold.js', 'metadata', 'open', '--help'],
  ];
  for (const args of spawns) timeSpawn(root, args);
  const times: number[][] = spawns.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < spawns.length; i++) {
      const k = (i + round) % spawns.length;
      times[k]!.push(timeSpawn(root, spawns[k]!));
    }
  }
  const [nodeMs, helpMs, commandMs] = times.map(median) as [number, number, number];
  return { nodeMs, helpMs, commandMs, rounds };
}
