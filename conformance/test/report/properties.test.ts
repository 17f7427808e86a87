/**
 * Property-based tests of the report formats: arbitrary results (every status, any Unicode in
 * titles, messages, notes and HTTP bodies, markup and control characters included) always give
 * a report that validates and reads back, well-formed JUnit with one testcase per result, an
 * HTML page whose markup does not depend on the data, and a symmetric comparison.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { XMLValidator } from 'fast-xml-parser';
import { parse as parseJunit, type TestSuites } from 'junit2json';
import { RESULT_STATUSES, type HttpExchange } from '../../src/core/results.js';
import { compareReports } from '../../src/report/compare.js';
import { loadRequirementTexts, renderHtml } from '../../src/report/html.js';
import { parseJsonReport, renderJsonReport } from '../../src/report/json.js';
import { renderJunit } from '../../src/report/junit.js';
import type { Report, TestResult } from '../../src/report/types.js';
import { fullReport, result } from './_fixtures.js';

/** Hostile text: markup, entities, CDATA ends, controls, lone surrogates, anything. */
const text = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '<script>alert(1)</script>',
    ']]>',
    '&amp;',
    '"\'<>',
    '\u0000\u001b\uD800',
    '«secret:x»',
  ),
);

const slug = fc.stringMatching(/^[a-z0-9-]{1,12}$/);

const exchange: fc.Arbitrary<HttpExchange> = fc.record({
  actor: fc.constantFrom('alice', 'bob', 'anonymous'),
  method: fc.constantFrom('GET', 'PUT', 'LOCK'),
  path: text,
  requestHeaders: fc.dictionary(fc.stringMatching(/^[a-z-]{1,10}$/), text, { maxKeys: 3 }),
  responseBody: text,
  status: fc.integer({ min: 100, max: 599 }),
  durationMs: fc.nat(10_000),
});

const results: fc.Arbitrary<TestResult[]> = fc
  .uniqueArray(
    fc.record({
      group: fc.constantFrom('keys', 'lock', 'sharing'),
      slug,
      status: fc.constantFrom(...RESULT_STATUSES),
      title: text.filter((t) => t.length > 0),
      message: text,
      reason: text.filter((t) => t.length > 0),
      notes: fc.array(text, { maxLength: 3 }),
      http: fc.array(exchange, { maxLength: 3 }),
      durationMs: fc.nat(100_000),
    }),
    { selector: (r) => `${r.group}/${r.slug}`, minLength: 1, maxLength: 8 },
  )
  .map((rs) =>
    rs.map((r) =>
      result({
        testId: `${r.group}/${r.slug}`,
        status: r.status,
        title: r.title,
        message: r.message,
        reason: r.reason,
        durationMs: r.durationMs,
        expected: { body: r.message },
        evidence: { notes: r.notes, http: r.http },
      }),
    ),
  );

/** The same report with every piece of untrusted text replaced by `x`. */
function neutral(report: Report): Report {
  const copy = structuredClone(report);
  for (const r of copy.results) {
    r.title = 'x';
    r.message = 'x';
    r.reason = 'x';
    r.expected = { body: 'x' };
    r.evidence.notes = r.evidence.notes.map(() => 'x');
    r.evidence.http = r.evidence.http.map((x) => ({
      ...x,
      path: 'x',
      responseBody: 'x',
      requestHeaders: Object.fromEntries(Object.keys(x.requestHeaders).map((k) => [k, 'x'])),
    }));
  }
  return copy;
}

/** XML 1.0 `Char`: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]. */
function isXmlChar(cp: number): boolean {
  return (
    cp === 0x9 ||
    cp === 0xa ||
    cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

const tags = (page: string) => [...page.matchAll(/<\/?[a-zA-Z][^\s>/]*/g)].map((m) => m[0]);

describe('report formats under arbitrary results (E2EE-CONF-200, E2EE-CONF-214, E2EE-CONF-222)', () => {
  it('report.json always validates and reads back equal (E2EE-CONF-200, E2EE-CONF-202)', () => {
    fc.assert(
      fc.property(results, (rs) => {
        const report = fullReport(rs);
        const back = parseJsonReport(renderJsonReport(report));
        expect(back).toEqual(JSON.parse(JSON.stringify(report)));
        expect(back.summary.total).toBe(rs.length);
      }),
      { numRuns: 100 },
    );
  });

  it('JUnit is always well-formed with one testcase per result and per verdict (E2EE-CONF-210, E2EE-CONF-214)', async () => {
    await fc.assert(
      fc.asyncProperty(results, async (rs) => {
        const report = fullReport(rs);
        const xml = renderJunit(report);
        expect(XMLValidator.validate(xml)).toBe(true);
        // fast-xml-parser and junit2json tolerate characters XML forbids; check them directly
        for (const ch of xml) expect(isXmlChar(ch.codePointAt(0)!)).toBe(true);
        const doc = (await parseJunit(xml)) as TestSuites;
        const names = doc
          .testsuite!.filter((s) => s.name !== 'verdicts')
          .flatMap((s) => s.testcase!.map((c) => c.name));
        expect(names.sort()).toEqual(rs.map((r) => r.testId).sort());
        expect(doc.tests).toBe(rs.length + report.verdicts.length);
      }),
      { numRuns: 60 },
    );
  });

  it('the HTML page has the same markup whatever the untrusted text is (E2EE-CONF-222)', () => {
    const texts = loadRequirementTexts();
    fc.assert(
      fc.property(results, (rs) => {
        const report = fullReport(rs);
        expect(tags(renderHtml(report, texts))).toEqual(tags(renderHtml(neutral(report), texts)));
      }),
      { numRuns: 60 },
    );
  });

  it('compare is symmetric: each regression one way is an improvement the other way, and a report equals itself (E2EE-CONF-240)', () => {
    fc.assert(
      fc.property(results, results, (a, b) => {
        const ra = fullReport(a);
        const rb = fullReport(b);
        const key = (f: { id: string; before: unknown; after: unknown }) =>
          `${f.id}:${f.before}>${f.after}`;
        const flip = (f: { id: string; before: unknown; after: unknown }) =>
          `${f.id}:${f.after}>${f.before}`;
        const ab = compareReports(ra, rb);
        const ba = compareReports(rb, ra);
        // tests present in both reports (added/removed tests are one-sided by nature)
        const both = (f: { kind: string; before: unknown; after: unknown }) =>
          f.kind === 'test' && f.before !== null && f.after !== null;
        expect(ab.regressions.filter(both).map(flip).sort()).toEqual(
          ba.improvements.filter(both).map(key).sort(),
        );
        expect(ab.changed.map(flip).sort()).toEqual(ba.changed.map(key).sort());
        const same = compareReports(ra, ra);
        expect([
          same.regressions,
          same.improvements,
          same.changed,
          same.added,
          same.removed,
          same.verdicts,
        ]).toEqual([[], [], [], [], [], []]);
      }),
      { numRuns: 200 },
    );
  });
});
