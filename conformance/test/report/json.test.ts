import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildReport } from '../../src/report/build.js';
import {
  parseJsonReport,
  renderJsonReport,
  reportProblems,
  writeJsonReport,
} from '../../src/report/json.js';
import { fullReport, PLANTED, result, runnerOutput } from './_fixtures.js';

describe('report.json (E2EE-CONF-200)', () => {
  it('a full report with every status validates against conformance-report.schema.json (E2EE-CONF-200)', () => {
    const report = fullReport();
    expect(reportProblems(report)).toEqual([]);
    // The written text is what the schema must accept, not only the in-memory object.
    expect(reportProblems(JSON.parse(renderJsonReport(report)))).toEqual([]);
  });

  it('writes a report that reads back identically (E2EE-CONF-200, E2EE-CONF-201)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sealfold-report-'));
    try {
      const file = join(dir, 'report.json');
      const report = fullReport();
      writeJsonReport(file, report);
      expect(parseJsonReport(readFileSync(file, 'utf8'))).toEqual(
        JSON.parse(JSON.stringify(report)),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ['a missing summary', (r: any) => delete r.summary],
    ['another reportVersion', (r: any) => (r.reportVersion = 2)],
    ['another reportFormat', (r: any) => (r.reportFormat = 'e2ee-conformance-report')],
    ['an unknown status', (r: any) => (r.results[0].status = 'REVIEW')],
    ['a SKIP without a reason', (r: any) => delete r.results[3].reason],
    ['an unknown top-level field', (r: any) => (r.extra = 1)],
    ['a malformed requirement id', (r: any) => (r.results[0].requirements = ['API-22'])],
    ['a bad timestamp', (r: any) => (r.run.startedAt = 'yesterday')],
    ['an exit code of 3', (r: any) => (r.exitCode = 3)],
  ])('a report with %s is never written: the writer throws (E2EE-CONF-200)', (_, spoil) => {
    const report = fullReport() as any;
    spoil(report);
    expect(() => renderJsonReport(report)).toThrow(/harness bug: the report does not validate/);
  });

  it('readers refuse text that is not a valid report, with INPUT_MALFORMED (E2EE-CONF-201)', () => {
    expect(() => parseJsonReport('{')).toThrow(
      expect.objectContaining({ code: 'INPUT_MALFORMED' }),
    );
    const v2 = { ...fullReport(), reportVersion: 2 };
    expect(() => parseJsonReport(JSON.stringify(v2))).toThrow(
      expect.objectContaining({ code: 'INPUT_MALFORMED' }),
    );
  });

  it('refuses to write a report in which a planted secret survived redaction (E2EE-CONF-230)', () => {
    const leaky = fullReport([
      result({ testId: 'keys/leak', status: 'FAIL', message: `server echoed ${PLANTED[0]}` }),
    ]);
    expect(() => renderJsonReport(leaky, PLANTED)).toThrow(/planted secret reached report.json/);
    // and the error does not repeat the secret
    try {
      renderJsonReport(leaky, PLANTED);
    } catch (e) {
      expect((e as Error).message).not.toContain(PLANTED[0]);
    }
    expect(() => renderJsonReport(fullReport(), PLANTED)).not.toThrow();
  });
});

describe('summary, verdicts and exit code (E2EE-CONF-202)', () => {
  it('counts every status and lists blocking tests per claimed profile (E2EE-CONF-202, E2EE-CONF-010)', () => {
    const r = fullReport();
    expect(r.summary).toEqual({
      total: 7,
      pass: 1,
      fail: 1,
      warn: 1,
      skip: 1,
      unsupported: 1,
      timeout: 1,
      error: 1,
    });
    expect(r.verdicts).toEqual([
      {
        subject: 'server',
        profile: 'server-core',
        status: 'NOT CERTIFIABLE',
        blocking: [
          'keys/second-public-key-rejected',
          'security/fuzz-no-5xx',
          'security/no-secret-in-errors',
        ],
      },
      {
        subject: 'server',
        profile: 'server-sharing',
        status: 'NOT CERTIFIABLE',
        blocking: ['sharing/filedrop-merge'],
      },
    ]);
  });

  it('WARN and SKIP leave a profile certifiable; unclaimed profiles get no verdict (E2EE-CONF-010)', () => {
    const r = fullReport([
      result({ testId: 'keys/a', status: 'PASS' }),
      result({ testId: 'keys/b', status: 'WARN', level: 'SHOULD' }),
      result({ testId: 'keys/c', status: 'SKIP', reason: 'needs feature x' }),
      result({ testId: 'hsm/d', status: 'FAIL', profiles: ['server-hsm'] }),
    ]);
    expect(r.verdicts.map((v) => [v.profile, v.status])).toEqual([
      ['server-core', 'CERTIFIABLE'],
      ['server-sharing', 'CERTIFIABLE'],
    ]);
    expect(r.exitCode).toBe(0);
  });

  it('exit code: 2 for ERROR/TIMEOUT, 1 for a blocked profile or a stale deviation, else 0; deviations only in development mode (E2EE-CONF-011, E2EE-CONF-040, E2EE-CONF-041)', () => {
    expect(fullReport().exitCode).toBe(2);
    const failing = [result({ testId: 'keys/a', status: 'FAIL' })];
    expect(fullReport(failing).exitCode).toBe(1);
    expect(fullReport([result({ testId: 'keys/a', status: 'PASS' })]).exitCode).toBe(0);

    const expectedFail = [
      result({
        testId: 'keys/a',
        status: 'FAIL',
        deviation: { expected: 'FAIL', reason: 'known bug #12' },
      }),
    ];
    const applied = runnerOutput(expectedFail);
    applied.deviations = {
      mode: 'applied',
      applied: [{ testId: 'keys/a', expected: 'FAIL', actual: 'FAIL', reason: 'known bug #12' }],
      stale: [],
    };
    const dev = buildReport(applied);
    expect(dev.exitCode).toBe(0);
    // the verdict stays honest: a deviation changes only the exit code
    expect(dev.verdicts[0]!.status).toBe('NOT CERTIFIABLE');

    // certification mode ignores the file: the same result fails the run
    const ignored = runnerOutput(expectedFail);
    ignored.deviations = { mode: 'ignored', applied: [], stale: [] };
    expect(buildReport(ignored).exitCode).toBe(1);

    const stale = runnerOutput([result({ testId: 'keys/a', status: 'PASS' })]);
    stale.deviations = {
      mode: 'applied',
      applied: [],
      stale: [{ testId: 'keys/a', expected: 'FAIL', actual: 'PASS', reason: 'known bug #12' }],
    };
    expect(buildReport(stale).exitCode).toBe(1);
  });
});
