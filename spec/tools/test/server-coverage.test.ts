/**
 * The server-coverage rule of `sealfold spec check` (spec/tools/server-coverage.ts), on made-up
 * requirements and list files in a temporary folder (made-up IDs are data here, which is why
 * spec/tools is not scanned).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Requirement } from '../registry.js';
import { serverCoverage } from '../server-coverage.js';

const roots: string[] = [];
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

function req(
  id: string,
  subject: Requirement['subject'] = 'server',
  level: Requirement['level'] = 'MUST',
): Requirement {
  return {
    id,
    level,
    subject,
    text: 't',
    chapter: 'spec/x.md',
    anchor: `spec/x.md#${id}`,
  } as Requirement;
}

function repo(
  requirements: Record<string, string>,
  notYetChecked: Record<string, string> = {},
): string {
  const root = mkdtempSync(join(tmpdir(), 'sealfold-scov-'));
  roots.push(root);
  mkdirSync(join(root, 'conformance'), { recursive: true });
  writeFileSync(
    join(root, 'conformance', 'not-live-checkable.json'),
    JSON.stringify({ requirements, notYetChecked }),
  );
  return root;
}

const reqs = [
  req('E2EE-API-901'),
  req('E2EE-API-902', 'server', 'MUST NOT'),
  req('E2EE-API-903'),
  req('E2EE-API-904', 'server', 'SHOULD'),
  req('E2EE-API-905', 'client'),
];
const bySuite = new Map([['E2EE-API-901', ['webdav/x']]]);

describe('server coverage (spec check)', () => {
  it('accepts server MUSTs that are checked, listed as not checkable live, or listed as not yet checked, and counts them', () => {
    const c = serverCoverage(
      repo({ 'E2EE-API-902': 'data directory' }, { 'E2EE-API-903': 'no check yet' }),
      reqs,
      bySuite,
    );
    expect(c.problems).toEqual([]);
    expect(c.counts).toEqual({
      serverMusts: 3,
      checked: 1,
      notLiveCheckable: 1,
      notYetChecked: 1,
      neither: 0,
    });
  });
  it('fails on a server MUST that is neither checked nor listed, and ignores SHOULDs and client MUSTs', () => {
    const c = serverCoverage(repo({ 'E2EE-API-902': 'data directory' }), reqs, bySuite);
    const p = c.problems.join('\n');
    expect(p).toMatch(/E2EE-API-903: server MUST requirement is checked by no suite check/);
    expect(p).not.toMatch(/E2EE-API-90[1245]/);
    expect(c.counts.neither).toBe(1);
  });
  it('fails on a listed requirement that a check cites, in either list', () => {
    const listed = serverCoverage(
      repo({ 'E2EE-API-901': 'x', 'E2EE-API-902': 'y', 'E2EE-API-903': 'z' }),
      reqs,
      bySuite,
    );
    expect(listed.problems).toEqual([
      'conformance/not-live-checkable.json: E2EE-API-901 is checked by webdav/x; remove it from requirements',
    ]);
    const pending = serverCoverage(
      repo({ 'E2EE-API-902': 'y' }, { 'E2EE-API-901': 'x', 'E2EE-API-903': 'z' }),
      reqs,
      bySuite,
    );
    expect(pending.problems.join('\n')).toMatch(
      /E2EE-API-901 is checked by webdav\/x; remove it from notYetChecked/,
    );
  });
  it('fails on a listed ID that is not a live server MUST, on a double listing and on an empty reason', () => {
    const c = serverCoverage(
      repo(
        { 'E2EE-API-902': 'y', 'E2EE-API-903': '', 'E2EE-API-904': 'x', 'E2EE-API-905': 'x' },
        { 'E2EE-API-902': 'y' },
      ),
      reqs,
      bySuite,
    );
    const p = c.problems.join('\n');
    expect(p).toMatch(/requirements: E2EE-API-904 is not a live server MUST/);
    expect(p).toMatch(/requirements: E2EE-API-905 is not a live server MUST/);
    expect(p).toMatch(/E2EE-API-902 is listed both/);
    expect(p).toMatch(/requirements: E2EE-API-903 gives no reason/);
  });
});
