/**
 * The vector-coverage check of `sealfold spec check`, on made-up requirements and vector files in
 * a temporary folder (made-up IDs are data here, which is why spec/tools is not scanned).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Requirement } from '../registry.js';
import { vectorCoverage } from '../vector-citations.js';

const roots: string[] = [];
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

function req(id: string, level: Requirement['level'] = 'MUST'): Requirement {
  return {
    id,
    level,
    subject: 'client',
    text: 't',
    chapter: 'spec/x.md',
    anchor: `spec/x.md#${id}`,
  } as Requirement;
}

function repo(cites: string[][], uncovered: Record<string, string> = {}): string {
  const root = mkdtempSync(join(tmpdir(), 'sealfold-vcov-'));
  roots.push(root);
  mkdirSync(join(root, 'vectors', 'primitives'), { recursive: true });
  const tests = cites.map((requirements, i) => ({ id: `t/${i}`, requirements }));
  writeFileSync(
    join(root, 'vectors', 'primitives', 't.json'),
    JSON.stringify({ testGroups: [{ tests }] }),
  );
  writeFileSync(
    join(root, 'vectors', 'uncovered.json'),
    JSON.stringify({ requirements: uncovered }),
  );
  return root;
}

describe('vector coverage (spec check)', () => {
  const reqs = [
    req('E2EE-FILE-101'),
    req('E2EE-FILE-102'),
    req('E2EE-FILE-103', 'SHOULD'),
    req('E2EE-API-101'),
  ];

  it('counts the vectors citing each requirement', () => {
    const c = vectorCoverage(repo([['E2EE-FILE-101'], ['E2EE-FILE-101', 'E2EE-FILE-102']]), reqs);
    expect(c.problems).toEqual([]);
    expect(c.perRequirement.get('E2EE-FILE-101')).toBe(2);
    expect(c.counts).toEqual({ vectors: 2, areaMusts: 2, areaMustsCited: 2, notObservable: 0 });
  });
  it('fails on a MUST of a vector area that no vector cites and no entry explains', () => {
    const c = vectorCoverage(repo([['E2EE-FILE-101']]), reqs);
    expect(c.problems.join('\n')).toMatch(/E2EE-FILE-102: MUST requirement is cited by no vector/);
    expect(c.problems.join('\n')).not.toMatch(/E2EE-API-101|E2EE-FILE-103/);
  });
  it('accepts an explained MUST, and fails on a stale or unknown explanation and an unknown citation', () => {
    expect(
      vectorCoverage(repo([['E2EE-FILE-101']], { 'E2EE-FILE-102': 'randomness' }), reqs).problems,
    ).toEqual([]);
    const c = vectorCoverage(
      repo([['E2EE-FILE-101', 'E2EE-FILE-999']], {
        'E2EE-FILE-101': 'x',
        'E2EE-FILE-102': 'y',
        'E2EE-API-101': 'z',
      }),
      reqs,
    );
    const p = c.problems.join('\n');
    expect(p).toMatch(/E2EE-FILE-101 is cited by 1 vector\(s\); remove it/);
    expect(p).toMatch(/E2EE-API-101 is not a live MUST/);
    expect(p).toMatch(/cites unknown requirement E2EE-FILE-999/);
  });
});
