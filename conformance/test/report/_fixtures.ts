/**
 * Synthetic runner output for the report tests: every status once, a failing test whose
 * evidence carries a hostile server body, and planted secrets that redaction already removed.
 */
import type { HttpExchange } from '../../src/core/results.js';
import { buildReport, type ReportInput } from '../../src/report/build.js';
import type { Report, TestResult } from '../../src/report/types.js';

/** Markup a hostile server returns, meant to inject script and elements into a report. */
export const HOSTILE_BODY =
  '</pre><script>window.__pwned = 1</script><img src=x onerror="window.__pwned=2">' +
  '<a id="hostile-anchor" href="javascript:alert(1)">x</a>]]></failure>&amp;\u0000\u001b[31m';

/** Secrets a run plants; a correct run has redacted them before the report exists. */
export const PLANTED = ['alice-PW-7f3e9c21', 'abandon ability able about above absent'];

const exchange = (over: Partial<HttpExchange> = {}): HttpExchange => ({
  actor: 'alice',
  method: 'PUT',
  path: '/ocs/v2.php/apps/end_to_end_encryption/api/v1/public-key',
  requestHeaders: { authorization: '«redacted»', 'ocs-apirequest': 'true' },
  requestBody: 'csr=«redacted»',
  status: 200,
  responseHeaders: { 'content-type': 'text/html' },
  responseBody: HOSTILE_BODY,
  durationMs: 12.5,
  ...over,
});

export function result(
  over: Partial<TestResult> & Pick<TestResult, 'testId' | 'status'>,
): TestResult {
  return {
    title: `check ${over.testId}`,
    group: over.testId.split('/')[0]!,
    profiles: ['server-core'],
    requirements: ['E2EE-API-022'],
    level: 'MUST',
    importance: 'high',
    durationMs: 20,
    evidence: { notes: [], http: [] },
    ...over,
  };
}

export function runnerOutput(results: TestResult[] = defaultResults()): ReportInput {
  return {
    run: {
      id: 'run-20261203-0001',
      mode: 'development',
      startedAt: '2026-12-03T13:00:00.000Z',
      finishedAt: '2026-12-03T13:00:04.250Z',
      suite: { version: '0.1.0', requirementsSha256: 'a'.repeat(64) },
      seed: 1234567,
      strict: false,
      argv: ['certify', 'server', '--target', 'target.json', '--password', '«redacted»'],
    },
    subjects: {
      server: {
        kind: 'live',
        baseUrl: 'https://«host»',
        statusProfile: 'nc30',
        reportedVersion: '30.0.4',
        capabilities: { 'end-to-end-encryption': { enabled: true, 'api-version': '2.0' } },
        features: ['management'],
      },
    },
    claims: { server: ['server-core', 'server-sharing'] },
    results,
    deviations: { mode: 'none', applied: [], stale: [] },
  };
}

export function defaultResults(): TestResult[] {
  return [
    result({ testId: 'keys/csr-issues-own-cn', status: 'PASS', requirements: ['E2EE-API-021'] }),
    result({
      testId: 'keys/second-public-key-rejected',
      title: 'a second public key is refused with 409',
      status: 'FAIL',
      importance: 'critical',
      message: 'the server accepted a second public key <b>twice</b>',
      expected: { status: 409 },
      actual: { status: 200, body: HOSTILE_BODY },
      evidence: {
        notes: ['alice stored a key, then a second one', `server said ${HOSTILE_BODY}`],
        http: [exchange({ status: 200 }), exchange({ method: 'GET', status: 200 })],
      },
    }),
    result({
      testId: 'locking/stale-lock-rollback',
      status: 'WARN',
      level: 'SHOULD',
      requirements: ['E2EE-LOCK-060'],
      message: 'rollback took longer than the TTL',
    }),
    result({
      testId: 'sharing/read-only-share',
      status: 'SKIP',
      profiles: ['server-sharing'],
      reason: 'needs feature short-lock-ttl',
    }),
    result({
      testId: 'sharing/filedrop-merge',
      status: 'UNSUPPORTED',
      profiles: ['server-sharing'],
      reason: 'no filedrop',
    }),
    result({
      testId: 'security/fuzz-no-5xx',
      status: 'TIMEOUT',
      requirements: ['E2EE-SEC-001'],
      reason: 'budget of 30000 ms ran out',
      replay: { seed: 42, path: '3:1', commands: ['lock(alice)', 'put(alice, "x")'] },
    }),
    result({
      testId: 'security/no-secret-in-errors',
      status: 'ERROR',
      requirements: ['E2EE-SEC-001'],
      message: 'ECONNRESET',
      evidence: {
        notes: [],
        http: [exchange({ status: undefined, responseBody: undefined, error: 'ECONNRESET' })],
      },
    }),
  ];
}

export function fullReport(results?: TestResult[]): Report {
  return buildReport(runnerOutput(results));
}
