import { describe, expect, it } from 'vitest';
import { markup } from '../../src/report/_html.js';
import { loadRequirementTexts, renderHtml } from '../../src/report/html.js';
import { fullReport, HOSTILE_BODY, PLANTED, result } from './_fixtures.js';

describe('the html template tag (E2EE-CONF-222)', () => {
  it('escapes every interpolated string, in text and in attributes (E2EE-CONF-222)', () => {
    const hostile = `"'><script>x</script>&amp;`;
    expect(markup`<p title="${hostile}">${hostile}</p>`.html).toBe(
      '<p title="&quot;&#39;&gt;&lt;script&gt;x&lt;/script&gt;&amp;amp;">&quot;&#39;&gt;&lt;script&gt;x&lt;/script&gt;&amp;amp;</p>',
    );
  });

  it('keeps nested fragments as markup and escapes strings inside lists (E2EE-CONF-222)', () => {
    const items = ['<a>', 'b&c'].map((s) => markup`<li>${s}</li>`);
    expect(markup`<ul>${items}</ul>`.html).toBe('<ul><li>&lt;a&gt;</li><li>b&amp;c</li></ul>');
    expect(markup`${['<b>', 1, null, undefined, false]}`.html).toBe('&lt;b&gt;1');
  });
});

describe('HTML report (E2EE-CONF-220, E2EE-CONF-221)', () => {
  const texts = loadRequirementTexts();

  it('a hostile server body is shown as text and adds no markup (E2EE-CONF-222)', () => {
    const page = renderHtml(fullReport(), texts);
    // the page has no script element at all, hostile or not
    expect(page).not.toMatch(/<script/i);
    expect(page).not.toMatch(/<img/i);
    expect(page).not.toContain('id="hostile-anchor"');
    expect(page).not.toContain('href="javascript:');
    expect(page).toContain(
      '&lt;/pre&gt;&lt;script&gt;window.__pwned = 1&lt;/script&gt;&lt;img src=x onerror=&quot;window.__pwned=2&quot;&gt;',
    );
    expect(page).toContain('the server accepted a second public key &lt;b&gt;twice&lt;/b&gt;');
    expect(HOSTILE_BODY).toContain('<script>');
  });

  it('is self-contained: a CSP that forbids every request and script, inline CSS, no external URL (E2EE-CONF-220)', () => {
    const page = renderHtml(fullReport(), texts);
    expect(page).toContain(
      `<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; style-src &#39;unsafe-inline&#39;; base-uri &#39;none&#39;; form-action &#39;none&#39;" />`,
    );
    expect(page).not.toMatch(
      /<(link|iframe|object|embed|img|script|base|form)\b|\ssrc="|@import|url\(/i,
    );
    // every href is an in-page anchor
    const hrefs = [...page.matchAll(/href="([^"]*)"/g)].map((m) => m[1]!);
    expect(hrefs.length).toBeGreaterThan(0);
    expect(hrefs.every((h) => h.startsWith('#'))).toBe(true);
  });

  it('every requirement link has a target carrying the registry text, unknown IDs included (E2EE-CONF-221)', () => {
    const report = fullReport([
      ...fullReport().results,
      result({ testId: 'keys/future', status: 'PASS', requirements: ['E2EE-API-999'] }),
    ]);
    const page = renderHtml(report, texts);
    const links = new Set([...page.matchAll(/href="#(E2EE-[A-Z]+-\d{3})"/g)].map((m) => m[1]!));
    expect([...links].sort()).toEqual(
      ['E2EE-API-021', 'E2EE-API-022', 'E2EE-API-999', 'E2EE-LOCK-060', 'E2EE-SEC-001'].sort(),
    );
    for (const id of links) expect(page).toContain(`<dt id="${id}">`);
    const api022 = texts.find((t) => t.id === 'E2EE-API-022')!;
    expect(page).toContain(`(${api022.level}, ${api022.subject})`);
    expect(page).toContain('spec/10-server-api.md#E2EE-API-022');
    expect(page).toContain("not in this suite's requirement registry");
  });

  it('shows the summary, verdicts, one row per test and the evidence of every test that did not pass (E2EE-CONF-221)', () => {
    const report = fullReport();
    const page = renderHtml(report, texts);
    expect(page).toContain('<td data-count="fail">1</td>');
    expect(page).toContain('<tr data-profile="server-core">');
    for (const r of report.results) expect(page).toContain(`<tr id="test-${r.testId}"`);
    const withEvidence = [...page.matchAll(/<section class="evidence" id="evidence-([^"]+)"/g)].map(
      (m) => m[1],
    );
    expect(withEvidence).toEqual(
      report.results.filter((r) => !['PASS', 'SKIP'].includes(r.status)).map((r) => r.testId),
    );
    expect(page).toContain(
      'PUT /ocs/v2.php/apps/end_to_end_encryption/api/v1/public-key</code> → 200',
    );
    expect(page).toContain('no reply: ECONNRESET');
    expect(page).not.toContain('Faults on');
    const faulty = fullReport();
    faulty.subjects.server.faults = ['accept-second-public-key'];
    expect(renderHtml(faulty, texts)).toMatch(/<dd id="faults">accept-second-public-key/);
  });

  it('shows every HTTP exchange of a test, the last two unfolded (E2EE-CONF-221)', () => {
    const report = fullReport();
    const failing = report.results[1]!;
    const one = failing.evidence.http[0]!;
    failing.evidence.http = [1, 2, 3, 4].map((n) => ({ ...one, path: `/req/${n}` }));
    const page = renderHtml(report, texts);
    const details = [...page.matchAll(/<details class="exchange" ?(open)?>\s*<summary>\s*#(\d)/g)];
    // the first four are the failing test's; the ERROR test's single exchange follows, unfolded
    expect(details.slice(0, 5).map((m) => [m[2], m[1] ?? 'folded'])).toEqual([
      ['1', 'folded'],
      ['2', 'folded'],
      ['3', 'open'],
      ['4', 'open'],
      ['1', 'open'],
    ]);
  });

  it('refuses to write a page in which a planted secret survived (E2EE-CONF-230)', () => {
    const leaky = fullReport([
      result({
        testId: 'keys/leak',
        status: 'FAIL',
        evidence: { notes: [`mnemonic ${PLANTED[1]}`], http: [] },
      }),
    ]);
    expect(() => renderHtml(leaky, texts, PLANTED)).toThrow(
      /planted secret reached the HTML report/,
    );
  });
});
