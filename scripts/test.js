#!/usr/bin/env node
// The project's test command (`npm test`): format check, lint, typecheck, build, spec check, the
// hand-written mutants (each must be killed by its tests), then every test. The build comes before
// the stages that run `bin/sealfold.js` (the spec check, and the tests that start the CLI or
// pack the package), so that they run the code checked out.
// It stops at the first failing stage. The last line of a full run is vitest's
// `N passed, N failed` summary (scripts/summary-reporter.ts), which CI reads.
import { spawnSync } from 'node:child_process';

const stages = [
  ['format', 'npx', ['prettier', '--check', '--log-level', 'warn', '.']],
  ['lint', 'npx', ['eslint', '--max-warnings', '0', '.']],
  ['typecheck', 'npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']],
  ['build', 'node', ['scripts/build.js']],
  ['spec check', 'node', ['bin/sealfold.js', 'spec', 'check']],
  // Every hand-written mutant (scripts/mutants.json) must make its test files fail: one vitest
  // run per mutant in a scratch copy, stopping at the first failing test (about 2.5 min).
  ['mutants', 'node', ['bin/run-ts.js', 'scripts/mutants.ts']],
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
