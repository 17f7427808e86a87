/**
 * The HTML report (`--html DIR` writes `DIR/index.html`): one self-contained static page with
 * inline CSS, no script and no external request (E2EE-CONF-220), holding the summary, the
 * verdict per profile, one row per test with its requirement IDs linked to their texts further
 * down the same page, and the evidence of every test that did not pass, HTTP exchanges included
 * (E2EE-CONF-221). All report text goes through the escaping `markup` tag (E2EE-CONF-222).
 *
 * @module
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HttpExchange } from '../core/results.js';
import type { Report, TestResult } from './types.js';
import { markup, type SafeHtml } from './_html.js';
import { assertNoSecrets } from './secrets.js';
import { packageFileUrl } from '../../../reference/src/_internal/package-files.js';

/** A requirement as the registry (`spec/requirements.json`) states it. */
export interface RequirementText {
  id: string;
  level: string;
  subject: string;
  text: string;
  /** The spec chapter, e.g. `spec/10-server-api.md`. */
  chapter: string;
}

const REGISTRY_URL = packageFileUrl('spec/requirements.json');

/** The requirement texts of this suite's registry. */
export function loadRequirementTexts(): RequirementText[] {
  const doc = JSON.parse(readFileSync(REGISTRY_URL, 'utf8')) as { requirements: RequirementText[] };
  return doc.requirements.map(({ id, level, subject, text, chapter }) => ({
    id,
    level,
    subject,
    text,
    chapter,
  }));
}

/** Results whose evidence the page shows in full. */
const NOT_PASSED = new Set(['FAIL', 'WARN', 'UNSUPPORTED', 'TIMEOUT', 'ERROR']);

/**
 * Colours and layout. Status colours are paired with the status word, never colour alone.
 * The CSP allows inline styles and nothing else: no script, no image, no request.
 */
const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#1d1d1f;max-width:80rem}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f4f4f6}pre{white-space:pre-wrap;word-break:break-all;background:#f7f7f9;padding:.5rem;margin:.25rem 0}
.status{font-weight:600}td a,.nowrap{white-space:nowrap}.PASS,.CERTIFIABLE{color:#17692b}.FAIL,.UNSUPPORTED,.NOT-CERTIFIABLE{color:#b3261e}
.WARN{color:#8a5a00}.SKIP{color:#555}.TIMEOUT,.ERROR{color:#7b1fa2}
dl.meta{display:grid;grid-template-columns:max-content auto;gap:.1rem 1rem}dl.meta dt{font-weight:600}
.evidence{border:1px solid #ddd;padding:.5rem 1rem;margin:1rem 0}.muted{color:#666}
`;

const CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

const testAnchor = (testId: string) => `test-${testId}`;
const evidenceAnchor = (testId: string) => `evidence-${testId}`;

/** Shows a JSON value (or a string as it is). */
function shown(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value, null, 2);
}

function statusCell(status: string): SafeHtml {
  return markup`<span class="status ${status.replace(' ', '-')}">${status}</span>`;
}

function requirementLinks(ids: readonly string[]): SafeHtml {
  return markup`${ids.map((id, i) => markup`${i > 0 ? ', ' : ''}<a href="#${id}">${id}</a>`)}`;
}

function headers(h: Record<string, string> | undefined): SafeHtml {
  if (!h || Object.keys(h).length === 0) return markup`<span class="muted">(none)</span>`;
  return markup`<pre>${Object.entries(h).map(([k, v]) => `${k}: ${v}\n`)}</pre>`;
}

/** Exchanges shown unfolded: the last ones, which are usually what the failure is about. */
const UNFOLDED_EXCHANGES = 2;

function exchange(x: HttpExchange, i: number, all: readonly HttpExchange[]): SafeHtml {
  const outcome = x.status !== undefined ? String(x.status) : `no reply: ${x.error ?? 'unknown'}`;
  // Earlier exchanges stay folded (a <details> needs no script to open), so that a test with many
  // requests does not bury its last ones.
  const open = i >= all.length - UNFOLDED_EXCHANGES;
  return markup`<details class="exchange" ${open ? 'open' : ''}>
    <summary>
      #${i + 1} ${x.actor} <code>${x.method} ${x.path}</code> → ${outcome} (${x.durationMs} ms)
    </summary>
    <p>Request headers</p>
    ${headers(x.requestHeaders)}
    ${
      x.requestBody !== undefined
        ? markup`<p>Request body</p>
            <pre>${x.requestBody}</pre>`
        : ''
    }
    <p>Response headers</p>
    ${headers(x.responseHeaders)}
    ${
      x.responseBody !== undefined
        ? markup`<p>Response body</p>
            <pre class="response-body">${x.responseBody}</pre>`
        : ''
    }
    ${
      x.error !== undefined
        ? markup`<p>Error</p>
            <pre>${x.error}</pre>`
        : ''
    }
  </details>`;
}

function evidence(r: TestResult): SafeHtml {
  return markup`<section class="evidence" id="${evidenceAnchor(r.testId)}" data-status="${r.status}">
    <h3>${statusCell(r.status)} <a href="#${testAnchor(r.testId)}">${r.testId}</a>: ${r.title}</h3>
    <p>Requirements: ${requirementLinks(r.requirements)} · ${r.level} · ${r.importance}</p>
    ${
      r.message !== undefined
        ? markup`<p>Message</p>
            <pre class="message">${r.message}</pre>`
        : ''
    }
    ${
      r.reason !== undefined
        ? markup`<p>Reason</p>
            <pre class="reason">${r.reason}</pre>`
        : ''
    }
    ${
      r.expected !== undefined
        ? markup`<p>Expected</p>
            <pre class="expected">${shown(r.expected)}</pre>`
        : ''
    }
    ${
      r.actual !== undefined
        ? markup`<p>Actual</p>
            <pre class="actual">${shown(r.actual)}</pre>`
        : ''
    }
    ${
      r.evidence.notes.length > 0
        ? markup`<p>Notes</p>
            <ul class="notes">
              ${r.evidence.notes.map((n) => markup`<li>${n}</li>`)}
            </ul>`
        : ''
    }
    ${
      r.replay
        ? markup`<p>Replay</p>
            <pre class="replay">${JSON.stringify(r.replay, null, 2)}</pre>`
        : ''
    }
    ${
      r.evidence.http.length > 0
        ? markup`<p>HTTP exchanges (secrets redacted)</p>
            ${r.evidence.http.map(exchange)}`
        : ''
    }
  </section>`;
}

function resultRow(r: TestResult): SafeHtml {
  const detail = r.message ?? r.reason ?? '';
  const link = NOT_PASSED.has(r.status)
    ? markup` <a href="#${evidenceAnchor(r.testId)}">evidence</a>`
    : '';
  return markup`<tr id="${testAnchor(r.testId)}" data-status="${r.status}">
    <td>${statusCell(r.status)}</td>
    <td><code>${r.testId}</code><br />${r.title}</td>
    <td>${requirementLinks(r.requirements)}</td>
    <td>${r.level}</td>
    <td>${r.importance}</td>
    <td class="nowrap">${(r.durationMs / 1000).toFixed(3)} s</td>
    <td>${detail}${link}</td>
  </tr>`;
}

function requirementsSection(report: Report, texts: readonly RequirementText[]): SafeHtml {
  const byId = new Map(texts.map((t) => [t.id, t]));
  const cited = [...new Set(report.results.flatMap((r) => r.requirements))].sort();
  return markup`<section id="requirements">
    <h2>Requirements</h2>
    <dl>
      ${cited.map((id) => {
        const t = byId.get(id);
        return t
          ? markup`<dt id="${id}">
                <strong>${id}</strong> (${t.level}, ${t.subject})
                <span class="muted">${t.chapter}#${id}</span>
              </dt>
              <dd>${t.text}</dd>`
          : markup`<dt id="${id}"><strong>${id}</strong></dt>
              <dd class="muted">not in this suite's requirement registry</dd>`;
      })}
    </dl>
  </section>`;
}

const EXIT_MEANING = {
  0: 'every in-scope MUST passed',
  1: 'conformance failures',
  2: 'harness or network errors, or timeouts',
} as const;

/** The page as text. Throws a harness-bug Error if a planted secret occurs in it. */
export function renderHtml(
  report: Report,
  texts: readonly RequirementText[] = loadRequirementTexts(),
  secrets: readonly string[] = [],
): string {
  const { run, summary } = report;
  const server = report.subjects.server;
  const counts = Object.entries(summary);
  const page = markup`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta http-equiv="Content-Security-Policy" content="${CSP}" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>Sealfold conformance report ${run.id}</title>
        <style>
          ${STYLE}
        </style>
      </head>
      <body>
        <h1>Sealfold conformance report</h1>
        <dl class="meta" id="run">
          <dt>Run</dt>
          <dd>${run.id} (${run.mode}${run.strict ? ', strict' : ''}), seed ${run.seed}</dd>
          <dt>Time</dt>
          <dd>${run.startedAt} – ${run.finishedAt}</dd>
          <dt>Suite</dt>
          <dd>
            ${run.suite.version}${run.suite.commit ? ` @ ${run.suite.commit}` : ''}, requirements
            sha256 ${run.suite.requirementsSha256}
          </dd>
          <dt>Server</dt>
          <dd>
            ${server.kind} ${server.baseUrl}, status profile ${server.statusProfile}, version
            ${server.reportedVersion ?? 'not advertised'}
          </dd>
          ${
            server.faults?.length
              ? markup`<dt>Faults on</dt>
                <dd id="faults">${server.faults.join(', ')} (deliberate misbehaviour of the mock)</dd>`
              : ''
          }
          <dt>Claims</dt>
          <dd>
            ${report.claims.server.join(', ')}${server.features.length ? `; features ${server.features.join(', ')}` : ''}
          </dd>
          <dt>Exit code</dt>
          <dd id="exit-code">${report.exitCode}: ${EXIT_MEANING[report.exitCode]}</dd>
        </dl>
        <section id="summary">
          <h2>Summary</h2>
          <table>
            <tr>
              ${counts.map(([k]) => markup`<th>${k}</th>`)}
            </tr>
            <tr>
              ${counts.map(([k, v]) => markup`<td data-count="${k}">${v}</td>`)}
            </tr>
          </table>
        </section>
        <section id="verdicts">
          <h2>Verdicts</h2>
          <table>
            <tr>
              <th>Profile</th>
              <th>Verdict</th>
              <th>Blocking tests</th>
            </tr>
            ${report.verdicts.map(
              (v) =>
                markup`<tr data-profile="${v.profile}">
                  <td>${v.profile}</td>
                  <td>${statusCell(v.status)}</td>
                  <td>
                    ${v.blocking.map((id, i) => markup`${i > 0 ? ', ' : ''}<a href="#${testAnchor(id)}">${id}</a>`)}
                  </td>
                </tr>`,
            )}
          </table>
        </section>
        <section id="deviations">
          <h2>Known deviations</h2>
          <p>${report.deviations.mode}</p>
          ${[
            ...report.deviations.applied.map((d) => ['applied', d] as const),
            ...report.deviations.stale.map((d) => ['STALE', d] as const),
          ].map(
            ([kind, d]) =>
              markup`<p>
                ${kind}: <code>${d.testId}</code> expected ${d.expected}, was ${d.actual}:
                ${d.reason}
              </p>`,
          )}
        </section>
        <section id="results">
          <h2>Results</h2>
          <table>
            <tr>
              <th>Status</th>
              <th>Test</th>
              <th>Requirements</th>
              <th>Level</th>
              <th>Importance</th>
              <th>Time</th>
              <th>Detail</th>
            </tr>
            ${report.results.map(resultRow)}
          </table>
        </section>
        <section id="evidence">
          <h2>Evidence of tests that did not pass</h2>
          ${report.results.filter((r) => NOT_PASSED.has(r.status)).map(evidence)}
        </section>
        ${requirementsSection(report, texts)}
      </body>
    </html> `.html;
  assertNoSecrets('the HTML report', report, page, secrets);
  return page;
}

/** Writes `DIR/index.html` (creating DIR) and returns its path. */
export function writeHtmlReport(
  dir: string,
  report: Report,
  opts: { texts?: readonly RequirementText[]; secrets?: readonly string[] } = {},
): string {
  const page = renderHtml(report, opts.texts, opts.secrets);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'index.html');
  writeFileSync(file, page);
  return file;
}
