import { describe, expect, it } from 'vitest';
import { parse as parseJunit, type TestSuite, type TestSuites } from 'junit2json';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { renderJunit, xmlText } from '../../src/report/junit.js';
import { fullReport, HOSTILE_BODY, PLANTED, result } from './_fixtures.js';

async function readBack(xml: string): Promise<TestSuites> {
  return (await parseJunit(xml)) as TestSuites;
}

const suiteNamed = (doc: TestSuites, name: string): TestSuite =>
  doc.testsuite!.find((s) => s.name === name)!;

describe('JUnit XML (E2EE-CONF-210)', () => {
  it('one testsuite per group in order, one testcase per result with classname, name and time (E2EE-CONF-210)', async () => {
    const report = fullReport();
    const doc = await readBack(renderJunit(report));
    expect(doc.testsuite!.map((s) => s.name)).toEqual([
      'keys',
      'locking',
      'sharing',
      'security',
      'verdicts',
    ]);
    const cases = doc.testsuite!.filter((s) => s.name !== 'verdicts').flatMap((s) => s.testcase!);
    expect(cases.map((c) => c.name)).toEqual(report.results.map((r) => r.testId));
    expect(cases.map((c) => c.classname)).toEqual(report.results.map((r) => r.group));
    expect(cases.map((c) => c.time)).toEqual(report.results.map((r) => r.durationMs / 1000));
    expect(doc.tests).toBe(report.results.length + report.verdicts.length);
  });

  it('FAIL and UNSUPPORTED are failures, TIMEOUT and ERROR are errors, SKIP is skipped (E2EE-CONF-211, E2EE-CONF-806, E2EE-CONF-807)', async () => {
    const doc = await readBack(renderJunit(fullReport()));
    const byName = new Map(doc.testsuite!.flatMap((s) => s.testcase ?? []).map((c) => [c.name, c]));
    const kind = (id: string) => {
      const c = byName.get(id)!;
      if (c.failure) return `failure:${c.failure[0]!.type}`;
      if (c.error) return `error:${c.error[0]!.type}`;
      if (c.skipped) return `skipped:${c.skipped[0]!.message}`;
      return 'pass';
    };
    expect(kind('keys/csr-issues-own-cn')).toBe('pass');
    expect(kind('keys/second-public-key-rejected')).toBe('failure:FAIL');
    expect(kind('sharing/filedrop-merge')).toBe('failure:UNSUPPORTED');
    expect(kind('security/fuzz-no-5xx')).toBe('error:TIMEOUT');
    expect(kind('security/no-secret-in-errors')).toBe('error:ERROR');
    expect(kind('sharing/read-only-share')).toBe('skipped:needs feature short-lock-ttl');
    // WARN passes, and says so in system-out
    expect(kind('locking/stale-lock-rollback')).toBe('pass');
    expect(byName.get('locking/stale-lock-rollback')!['system-out']![0]).toMatch(
      /^WARN: rollback took longer than the TTL/,
    );
    const fail = byName.get('keys/second-public-key-rejected')!.failure![0]!;
    expect(fail.message).toBe('the server accepted a second public key <b>twice</b>');
    expect(fail.inner).toContain('expected: {"status":409}');
    expect(fail.inner).toContain(
      'http: alice PUT /ocs/v2.php/apps/end_to_end_encryption/api/v1/public-key → 200',
    );
    const keys = suiteNamed(doc, 'keys');
    expect([keys.tests, keys.failures, keys.errors, keys.skipped]).toEqual([2, 1, 0, 0]);
    const security = suiteNamed(doc, 'security');
    expect([security.tests, security.failures, security.errors]).toEqual([2, 0, 2]);
  });

  it('a verdicts testsuite fails each NOT CERTIFIABLE profile and names what blocks it (E2EE-CONF-213)', async () => {
    const doc = await readBack(renderJunit(fullReport()));
    const verdicts = suiteNamed(doc, 'verdicts');
    expect(verdicts.testcase!.map((c) => [c.name, c.failure?.[0]?.inner])).toEqual([
      [
        'server-core',
        'blocking: keys/second-public-key-rejected security/fuzz-no-5xx security/no-secret-in-errors',
      ],
      ['server-sharing', 'blocking: sharing/filedrop-merge'],
    ]);
    const ok = await readBack(
      renderJunit(fullReport([result({ testId: 'keys/a', status: 'PASS' })])),
    );
    expect(suiteNamed(ok, 'verdicts').testcase!.every((c) => !c.failure)).toBe(true);
  });

  it('stays well-formed XML with a hostile body, keeping its text and creating no element (E2EE-CONF-214)', async () => {
    const xml = renderJunit(fullReport());
    expect(XMLValidator.validate(xml)).toBe(true);
    const tree = new XMLParser({ ignoreAttributes: false }).parse(xml);
    // no element or attribute name came from the body
    expect(JSON.stringify(tree)).not.toMatch(/"script"|"img"|"@_onerror"|"a":/);
    const doc = await readBack(xml);
    const fail = suiteNamed(doc, 'keys').testcase![1]!.failure![0]!;
    expect(fail.inner).toContain('<script>window.__pwned = 1</script>');
    expect(fail.inner).toContain(']]></failure>&amp;\\u{0000}\\u{001B}[31m');
    expect(HOSTILE_BODY).toContain('\u0000');
  });

  it('characters XML cannot carry are written visibly, everything else is kept (E2EE-CONF-214)', () => {
    expect(xmlText('a\u0000b\u0008c\td\ne\rf\uFFFEg')).toBe(
      'a\\u{0000}b\\u{0008}c\td\ne\rf\\u{FFFE}g',
    );
    expect(xmlText('lone \uD800 high, lone \uDC00 low, pair \uD83D\uDE00')).toBe(
      'lone \\u{D800} high, lone \\u{DC00} low, pair \uD83D\uDE00',
    );
  });

  it('refuses to write a JUnit file in which a planted secret survived (E2EE-CONF-230)', () => {
    const leaky = fullReport([
      result({
        testId: 'keys/leak',
        status: 'SKIP',
        reason: `needs ${PLANTED[1]}`,
      }),
    ]);
    expect(() => renderJunit(leaky, PLANTED)).toThrow(/planted secret reached the JUnit report/);
    expect(renderJunit(fullReport(), PLANTED)).not.toContain(PLANTED[0]);
  });
});
