#!/usr/bin/env node
// `npm run build` (also the `prepare` script, so `npm ci` and `npm pack` run it): compiles the
// shipped TypeScript (tsconfig.build.json) to ESM JavaScript, declarations and source maps in
// dist/. The folder is emptied first so that a renamed or deleted source leaves no stale module
// behind to be packed.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
