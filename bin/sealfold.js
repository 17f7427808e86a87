#!/usr/bin/env node
// Entry point of the `sealfold` CLI. The sources are TypeScript; tsx compiles them on load so
// that `npx sealfold` always runs the checked-out code with no separate build step.
import { register } from 'tsx/esm/api';
import { fileURLToPath } from 'node:url';

register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
