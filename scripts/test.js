#!/usr/bin/env node
// The project's test command (`npm test`): format check, lint, typecheck, spec check, then every
// test. It stops at the first failing stage. The last line of a full run is vitest's
// `N passed, N failed` summary (scripts/summary-reporter.ts), which CI reads.
import { spawnSync } from 'node:child_process';

const stages = [
  ['format', 'npx', ['prettier', '--check', '--log-level', 'warn', '.']],
  ['lint', 'npx', ['eslint', '--max-warnings', '0', '.']],
  ['typecheck', 'npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']],
  ['spec check', 'node', ['bin/sealfold.js', 'spec', 'check']],
  ['tests', 'npx', ['vitest', 'run', ...process.argv.slice(2)]],
];

for (const [name, cmd, args] of stages) {
  process.stdout.write(`\n== ${name}\n`);
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) {
    process.stdout.write(`\n${name} failed (exit ${r.status ?? r.signal})\n`);
    process.exit(1);
  }
}
