#!/usr/bin/env node
// Entry point of the `sealfold` CLI. It runs the compiled JavaScript in dist/, built by
// `npm run build` (the `prepare` script, so `npm ci` in a checkout builds it; the published
// package ships it). Compiled code starts several times faster than TypeScript through a loader,
// which matters because certification runs start the CLI once per driver.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('sealfold: the compiled CLI (dist/) is missing: run `npm run build`\n');
  process.exit(2);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
