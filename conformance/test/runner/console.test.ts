import { describe, expect, it } from 'vitest';
import { consoleProgress, summaryText } from '../../src/runner/console.js';
import type { RunEvent } from '../../src/runner/run.js';
import type { Report, TestResult } from '../../src/report/types.js';
import { buildReport } from '../../src/report/build.js';

function result(testId: string, status: TestResult['status'], message?: string): TestResult {
  return {
    testId,
    title: testId,
    group: testId.split('/')[0]!,
    profiles: ['server-core'],
    requirements: ['E2EE-API-010'],
    level: 'MUST',
    importance: 'high',
    status,
    ...(status === 'SKIP' ? { reason: 'not claimed' } : {}),
    ...(message ? { message } : {}),
    durationMs: 1,
    evidence: { notes: [], http: [] },
  };
}

const results = [
  result('keys/a', 'PASS'),
  result('keys/b', 'FAIL', 'second key accepted'),
  result('lock/c', 'SKIP'),
];

function events(): RunEvent[] {
  const ev: RunEvent[] = [
    {
      type: 'run-start',
      runId: 'r1',
      statusProfile: 'nc32',
      total: 3,
      groups: [
        { name: 'keys', size: 2 },
        { name: 'lock', size: 1 },
      ],
    },
  ];
  for (const r of results) {
    ev.push({ type: 'test-start', testId: r.testId, group: r.group });
    ev.push({ type: 'test-end', result: r });
  }
  return ev;
}

function report(): Report {
  return buildReport({
    run: {
      id: 'r1',
      mode: 'certification',
      startedAt: '2026-01-01T00:00:00.000Z',
      finishedAt: '2026-01-01T00:00:01.000Z',
      suite: { version: '0.1.0', requirementsSha256: '0'.repeat(64) },
      seed: 1,
      strict: false,
      argv: [],
    },
    subjects: {
      server: {
        kind: 'mock',
        baseUrl: 'http://127.0.0.1:1',
        statusProfile: 'nc32',
        reportedVersion: '32.0.4',
        capabilities: null,
        features: [],
      },
    },
    claims: { server: ['server-core'] },
    results,
    deviations: { mode: 'none', applied: [], stale: [] },
  });
}

describe('console of certify server (E2EE-CONF-010, E2EE-CONF-011)', () => {
  it('E2EE-CONF-010: plain mode prints one line per finished group with its counts', () => {
    let out = '';
    const on = consoleProgress({ write: (t) => (out += t), live: false, quiet: false });
    for (const e of events()) on(e);
    expect(out.split('\n').filter(Boolean)).toEqual([
      'run r1: 3 tests, status profile nc32',
      '  keys        2/2  PASS 1, FAIL 1',
      '  lock        1/1  SKIP 1',
    ]);
  });

  it('E2EE-CONF-010: on a terminal the group line is rewritten in place as tests finish', () => {
    let out = '';
    const on = consoleProgress({ write: (t) => (out += t), live: true, quiet: false });
    for (const e of events()) on(e);
    expect(out).toContain('\r\x1b[K  keys        1/2  PASS 1');
    expect(out).toContain('\r\x1b[K  keys        2/2  PASS 1, FAIL 1\n');
  });

  it('E2EE-CONF-010: quiet mode prints no progress', () => {
    let out = '';
    const on = consoleProgress({ write: (t) => (out += t), live: false, quiet: true });
    for (const e of events()) on(e);
    expect(out).toBe('');
  });

  it('E2EE-CONF-010 E2EE-CONF-011: the summary lists failures, the verdict with its blocking tests, the paths and the exit code', () => {
    const r = report();
    const text = summaryText(
      {
        exitCode: r.exitCode,
        runs: [{ label: 'nc32', report: r, paths: { json: '/x/report.json' }, secrets: [] }],
      },
      false,
    );
    expect(text).toBe(
      [
        '',
        'nc32: mock server http://127.0.0.1:1 (version 32.0.4)',
        '  3 tests: PASS 1, FAIL 1, SKIP 1',
        '  FAIL    keys/b: second key accepted',
        '  server-core  NOT CERTIFIABLE  blocking: keys/b',
        '  json: /x/report.json',
        'exit code 1: conformance failures',
        '',
      ].join('\n'),
    );
  });

  it('E2EE-CONF-010: several runs end with the verdicts side by side', () => {
    const r = report();
    const run = (label: string) => ({ label, report: r, paths: {}, secrets: [] });
    const text = summaryText({ exitCode: 1, runs: [run('nc30'), run('nc32')] }, true);
    expect(text).toContain(
      [
        'verdicts     nc30             nc32',
        'server-core  NOT CERTIFIABLE  NOT CERTIFIABLE',
        'exit code 1: conformance failures',
      ].join('\n'),
    );
  });
});
