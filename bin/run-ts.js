#!/usr/bin/env node
// Runs one TypeScript file of this repository with tsx (used by `npm run bench`).
import { register } from 'tsx/esm/api';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
const [file, ...rest] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: run-ts.js FILE [ARGS...]\n');
  process.exit(2);
}
process.argv = [process.argv[0], file, ...rest];
await import(pathToFileURL(resolve(file)).href);
