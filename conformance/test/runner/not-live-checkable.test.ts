/**
 * The repository's own server coverage (E2EE-CONF-803..805): every server MUST is checked by a suite
 * check or listed in conformance/not-live-checkable.json, and nothing listed is checked.
 */
import { describe, expect, it } from 'vitest';
import { checkSpec } from '../../../spec/tools/check.js';
import { NOT_LIVE_CHECKABLE } from '../../../spec/tools/server-coverage.js';
import { SERVER_CHECKS } from '../../src/server/checks/index.js';
import { REPO_ROOT } from '../../src/runner/suite-info.js';

describe('server MUSTs are checked by the suite or explained (E2EE-CONF-803)', () => {
  it('E2EE-CONF-803: E2EE-CONF-804: no server MUST is neither checked nor listed, and no listed one is checked', () => {
    const report = checkSpec(REPO_ROOT);
    expect(report.problems.filter((p) => p.includes(NOT_LIVE_CHECKABLE))).toEqual([]);
    const c = report.counts.server;
    expect(c.neither).toBe(0);
    expect(c.checked + c.notLiveCheckable + c.notYetChecked).toBe(c.serverMusts);
    const serverMusts = report.requirements.filter(
      (r) => !r.withdrawn && /^MUST/.test(r.level) && r.subject === 'server',
    );
    const cited = new Set(SERVER_CHECKS.flatMap((k) => k.requirements));
    expect(c.checked).toBe(serverMusts.filter((r) => cited.has(r.id)).length);
  });
});
