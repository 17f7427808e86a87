/**
 * Rewrites the generated profile table in spec/10-server-api.md §2.1 from the server's profile
 * data (`../src/profile-table.ts`). Run after changing a profile's facts or a status:
 * `node bin/run-ts.js server-mock/tools/write-profile-table.ts`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { replaceProfileTable } from '../src/profile-table.js';

const specUrl = new URL('../../spec/10-server-api.md', import.meta.url);
const before = readFileSync(specUrl, 'utf8');
const after = replaceProfileTable(before);
if (after !== before) writeFileSync(specUrl, after);
process.stdout.write(
  after === before ? 'profile table: up to date\n' : 'profile table: rewritten\n',
);
