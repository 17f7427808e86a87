import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './_run.js';
import { renderJsonReport } from '../../conformance/src/report/json.js';
import { compareReports } from '../../conformance/src/report/compare.js';
import type { Report, TestResult } from '../../conformance/src/report/types.js';
import { fullReport, result } from '../../conformance/test/report/_fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'sealfold-cli-compare-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function file(report: Report): string {
  const name = `r${n++}.json`;
  writeFileSync(join(dir, name), renderJsonReport(report));
  return name;
}

const run = (argv: string[]) => runCli(['certify', 'compare', ...argv], dir);

const base: TestResult[] = [
  result({ testId: 'keys/a', status: 'PASS' }),
  result({ testId: 'keys/b', status: 'WARN', level: 'SHOULD' }),
  result({ testId: 'keys/c', status: 'FAIL' }),
  result({ testId: 'keys/d', status: 'FAIL' }),
  result({ testId: 'keys/e', status: 'SKIP', reason: 'needs feature x' }),
  result({ testId: 'keys/gone', status: 'PASS' }),
];

describe('certify compare (E2EE-CONF-240, E2EE-CONF-241)', () => {
  it('classifies regressions, improvements, other changes, added and removed tests (E2EE-CONF-240)', () => {
    const oldR = fullReport(base);
    const newR = fullReport([
      result({ testId: 'keys/a', status: 'SKIP', reason: 'now skipped' }), // PASS → non-PASS
      result({ testId: 'keys/b', status: 'FAIL' }), // WARN → blocking
      result({ testId: 'keys/c', status: 'PASS' }), // → PASS
      result({ testId: 'keys/d', status: 'ERROR', message: 'reset' }), // blocking → blocking
      result({ testId: 'keys/e', status: 'SKIP', reason: 'needs feature x' }), // unchanged
      result({ testId: 'keys/new-fail', status: 'UNSUPPORTED', reason: 'no' }), // new, blocking
      result({ testId: 'keys/new-pass', status: 'PASS' }),
    ]);
    const c = compareReports(oldR, newR);
    expect(c.regressions.map((f) => [f.id, f.before, f.after])).toEqual([
      ['keys/a', 'PASS', 'SKIP'],
      ['keys/b', 'WARN', 'FAIL'],
      ['keys/new-fail', null, 'UNSUPPORTED'],
    ]);
    expect(c.improvements.map((f) => [f.id, f.before, f.after])).toEqual([
      ['keys/c', 'FAIL', 'PASS'],
    ]);
    expect(c.changed.map((f) => [f.id, f.before, f.after])).toEqual([['keys/d', 'FAIL', 'ERROR']]);
    expect(c.added).toEqual([
      { testId: 'keys/new-fail', status: 'UNSUPPORTED' },
      { testId: 'keys/new-pass', status: 'PASS' },
    ]);
    expect(c.removed).toEqual([{ testId: 'keys/gone', status: 'PASS' }]);
    expect(c.warnings).toEqual([]);
  });

  it('a profile that stops being certifiable is a regression, the reverse an improvement (E2EE-CONF-240)', () => {
    const good = fullReport([result({ testId: 'keys/a', status: 'PASS' })]);
    const bad = fullReport([result({ testId: 'keys/a', status: 'FAIL' })]);
    const worse = compareReports(good, bad);
    expect(worse.regressions).toContainEqual({
      kind: 'verdict',
      id: 'server-core',
      before: 'CERTIFIABLE',
      after: 'NOT CERTIFIABLE',
    });
    const better = compareReports(bad, good);
    expect(better.improvements).toContainEqual({
      kind: 'verdict',
      id: 'server-core',
      before: 'NOT CERTIFIABLE',
      after: 'CERTIFIABLE',
    });
    expect(better.regressions).toEqual([]);
    // a profile no longer claimed has no verdict: a regression too
    const unclaimed = { ...good, claims: { server: ['server-sharing'] } } as Report;
    unclaimed.verdicts = good.verdicts.filter((v) => v.profile === 'server-sharing');
    expect(compareReports(good, unclaimed).regressions).toEqual([
      { kind: 'verdict', id: 'server-core', before: 'CERTIFIABLE', after: null },
    ]);
  });

  it('exit 1 and the regressions printed when something regressed, 0 when nothing did (E2EE-CONF-241)', async () => {
    const oldF = file(fullReport(base));
    const sameF = file(fullReport(base));
    const worseF = file(
      fullReport(base.map((r) => (r.testId === 'keys/a' ? { ...r, status: 'FAIL' } : r))),
    );
    const same = await run([oldF, sameF]);
    expect([same.code, same.err]).toEqual([0, '']);
    expect(same.out).toContain('certify compare: 0 regression(s), 0 improvement(s)');
    const worse = await run([oldF, worseF]);
    expect(worse.code).toBe(1);
    expect(worse.out).toContain('regressions (1):\n  keys/a: PASS → FAIL\n');
    const better = await run([worseF, oldF]);
    expect(better.code).toBe(0);
    expect(better.out).toContain('improvements (1):\n  keys/a: FAIL → PASS\n');
  });

  it('--json prints one object with every list (E2EE-CONF-241)', async () => {
    const oldF = file(fullReport(base));
    const newF = file(fullReport(base.filter((r) => r.testId !== 'keys/gone')));
    const r = await run([oldF, newF, '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(Object.keys(doc).sort()).toEqual(
      [
        'added',
        'changed',
        'improvements',
        'ok',
        'regressions',
        'removed',
        'verdicts',
        'warnings',
      ].sort(),
    );
    expect(doc.removed).toEqual([{ testId: 'keys/gone', status: 'PASS' }]);
  });

  it('exit 3 for a missing file, a file that is not JSON, or a report that does not validate (E2EE-CONF-241, E2EE-CONF-201)', async () => {
    const good = file(fullReport(base));
    writeFileSync(join(dir, 'garbage.json'), '{ not json');
    writeFileSync(join(dir, 'v2.json'), JSON.stringify({ ...fullReport(base), reportVersion: 2 }));
    writeFileSync(join(dir, 'junit.xml'), '<testsuites/>');
    for (const [argv, pattern] of [
      [[good, 'missing.json'], /NOT_FOUND: NEW missing.json: ENOENT/],
      [['garbage.json', good], /OLD garbage.json is not JSON/],
      [
        [good, 'v2.json'],
        /NEW v2.json is not a valid Sealfold conformance report: \/reportVersion/,
      ],
      [[good, 'junit.xml'], /NEW junit.xml is not JSON/],
    ] as const) {
      const r = await run([...argv]);
      expect(r.code).toBe(3);
      expect(r.err).toMatch(pattern);
      expect(r.err).toMatch(/^sealfold: (?:INPUT_MALFORMED|NOT_FOUND): /);
    }
    const j = await run([good, 'v2.json', '--json']);
    expect(j.code).toBe(3);
    expect(JSON.parse(j.out).error.code).toBe('INPUT_MALFORMED');
  });

  it('usage error (exit 2) without exactly two reports', async () => {
    expect((await run(['only-one.json'])).code).toBe(2);
  });

  it('warns when the suites, status profiles or servers differ (E2EE-CONF-242)', () => {
    const a = fullReport(base);
    const b = structuredClone(a);
    b.run.suite.requirementsSha256 = 'b'.repeat(64);
    b.subjects.server.statusProfile = 'nc32';
    b.subjects.server.baseUrl = 'https://other.test';
    expect(compareReports(a, b).warnings).toEqual([
      'the reports were made by suites with different requirement registries',
      'different status profiles: nc30 → nc32',
      'different servers: live https://«host» → live https://other.test',
    ]);
  });

  it('E2EE-CONF-546: compares client reports by test and profile, warns about a client report against a server report and about different drivers, not about the mock address', async () => {
    const client = (status: 'PASS' | 'FAIL', port: number, version = '1.0.0'): Report => {
      const r = fullReport([
        result({
          testId: 'adversarial/x-as-alice',
          status,
          group: 'adversarial',
          profiles: ['client-core'],
        }),
      ]);
      r.subjects = {
        server: { ...r.subjects.server, kind: 'mock', baseUrl: `http://127.0.0.1:${port}` },
        client: {
          driver: 'node driver.js',
          hello: {
            name: 'vendor',
            version,
            driverApi: '1',
            profiles: ['client-core'],
            features: [],
          },
        },
      };
      r.claims = { server: [], client: ['client-core'] };
      return r;
    };
    const c = compareReports(client('PASS', 4001), client('FAIL', 4002));
    expect(c.regressions.map((f) => [f.id, f.before, f.after])).toEqual([
      ['adversarial/x-as-alice', 'PASS', 'FAIL'],
    ]);
    expect(c.warnings).toEqual([]);
    expect(compareReports(client('PASS', 1), client('PASS', 2, '1.1.0')).warnings).toEqual([
      'different clients: vendor 1.0.0 → vendor 1.1.0',
    ]);
    expect(compareReports(fullReport(base), client('PASS', 1)).warnings).toContain(
      'one report certifies a client and the other a server: server → client',
    );
    const r = await run([file(client('PASS', 4001)), file(client('FAIL', 4002))]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/adversarial\/x-as-alice: PASS → FAIL/);
    expect(r.out).not.toMatch(/warning/);
  });
});
