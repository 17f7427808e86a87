/**
 * `sealfold spec check` reads the suite's citations from source (spec/tools/suite-citations.ts);
 * this test holds that reading to the check list the runner actually runs.
 */
import { describe, expect, it } from 'vitest';
import { checksIn, suiteChecks, suiteCitations } from '../../../spec/tools/suite-citations.js';
import { checkSpec } from '../../../spec/tools/check.js';
import { SERVER_CHECKS } from '../../src/server/checks/index.js';
import { REPO_ROOT } from '../../src/runner/suite-info.js';

describe("spec check knows the suite's citations (E2EE-CONF-801)", () => {
  it('E2EE-CONF-801: the parsed checks are exactly the runnable checks, with the same requirement lists', () => {
    const parsed = new Map(
      suiteChecks(REPO_ROOT).map((c) => [c.id, c.requirements && [...c.requirements].sort()]),
    );
    for (const c of SERVER_CHECKS) {
      expect(parsed.get(c.id), c.id).toEqual([...new Set(c.requirements)].sort());
    }
    const runnable = new Set(SERVER_CHECKS.map((c) => c.id));
    expect([...parsed.keys()].filter((id) => !runnable.has(id))).toEqual([]);
  });

  it('E2EE-CONF-801: reads id and requirements of object literals, nothing else', () => {
    const source = `
      const a = { id: 'keys/x', requirements: ['E2EE-API-022', 'E2EE-API-022'], level: 'MUST' };
      const b = { id: 'keys/y', title: 'no requirements here' };
      // { id: 'keys/z', requirements: ['E2EE-API-001'] } in a comment does not count
      export const LIST = [a, b, { id: 'lock/z', requirements: ['E2EE-LOCK-011'] }];
    `;
    expect(checksIn('x.ts', source)).toEqual([
      { id: 'keys/x', requirements: ['E2EE-API-022'], file: 'x.ts' },
      { id: 'lock/z', requirements: ['E2EE-LOCK-011'], file: 'x.ts' },
    ]);
    expect(suiteCitations(checksIn('x.ts', source)).get('E2EE-API-022')).toEqual(['keys/x']);
  });

  it('E2EE-CONF-801: follows spreads and same-file const arrays, and flags what it cannot read', () => {
    const source = `
      const BASE = ['E2EE-LOCK-001', 'E2EE-LOCK-002'] as const;
      const a = { id: 'model/a', requirements: BASE };
      const b = { id: 'model/b', requirements: [...BASE, 'E2EE-API-235'] };
      const c = { id: 'model/c', requirements: computeThem() };
    `;
    expect(checksIn('m.ts', source).map((c) => [c.id, c.requirements])).toEqual([
      ['model/a', ['E2EE-LOCK-001', 'E2EE-LOCK-002']],
      ['model/b', ['E2EE-LOCK-001', 'E2EE-LOCK-002', 'E2EE-API-235']],
      ['model/c', null],
    ]);
  });

  it('E2EE-CONF-801: spec check reports per requirement whether the suite, unit tests or both check it', () => {
    const report = checkSpec(REPO_ROOT);
    const byId = new Map(report.requirements.map((r) => [r.id, r]));
    const cited = SERVER_CHECKS.flatMap((c) => c.requirements);
    for (const id of cited) expect(byId.get(id)!.suite.length).toBeGreaterThan(0);
    expect(report.counts.checkedBySuite).toBe(new Set(cited).size);
    expect(report.counts.suiteChecks).toBe(SERVER_CHECKS.length);
    // A requirement no check cites has an empty suite list.
    expect(byId.get('E2EE-CONF-060')!.suite).toEqual([]);
  });
});
