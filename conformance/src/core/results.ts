/**
 * The result vocabulary shared by every conformance target (server now, client later). These
 * names are a published contract (spec chapter 17): reports, JUnit, HTML and `certify compare`
 * all speak them, so they never change meaning between releases.
 *
 * @module
 */

/** Requirement levels, as in RFC 2119/8174 and the spec's markers. */
export type Level = 'MUST' | 'MUST NOT' | 'SHOULD' | 'SHOULD NOT' | 'MAY';

/**
 * What one test came to.
 * - PASS: the requirement held.
 * - FAIL: a MUST/MUST NOT was violated (or a SHOULD under `--strict`).
 * - WARN: a SHOULD/SHOULD NOT was violated.
 * - SKIP: outside the claimed profiles or features, or a precondition the target does not offer
 *   (always with a reason).
 * - UNSUPPORTED: the subject said it does not implement this (counts as FAIL when in scope).
 * - TIMEOUT: the test's time budget ran out.
 * - ERROR: the harness, the network or the set-up failed; never a conformance verdict, and it
 *   always blocks certification.
 */
export type ResultStatus = 'PASS' | 'FAIL' | 'WARN' | 'SKIP' | 'UNSUPPORTED' | 'TIMEOUT' | 'ERROR';

export const RESULT_STATUSES: readonly ResultStatus[] = [
  'PASS',
  'FAIL',
  'WARN',
  'SKIP',
  'UNSUPPORTED',
  'TIMEOUT',
  'ERROR',
];

/** What a failure means for users (x509-limbo's `importance`). */
export type Importance = 'critical' | 'high' | 'medium' | 'low';

/** Verdict per claimed profile. */
export type Verdict = 'CERTIFIABLE' | 'NOT CERTIFIABLE';

/**
 * Exit codes of `sealfold certify …`, a documented contract:
 * 0 every in-scope MUST passed; 1 conformance failures; 2 harness/network errors or timeouts;
 * 3 configuration or pre-flight errors.
 */
export const EXIT = { ok: 0, nonConformant: 1, harness: 2, config: 3 } as const;

/** One HTTP exchange kept as evidence (secrets already redacted when it is stored). */
export interface HttpExchange {
  actor: string;
  method: string;
  /** Path and query relative to the target's base URL. */
  path: string;
  requestHeaders: Record<string, string>;
  /** UTF-8 text when the body is text, else `base64:<…>`; truncated bodies end with `…[truncated N bytes]`. */
  requestBody?: string;
  status?: number;
  responseHeaders?: Record<string, string>;
  responseBody?: string;
  durationMs: number;
  /** Set when the request did not complete (network error, timeout). */
  error?: string;
}

/** Enough to re-run exactly one property-based case (fast-check seed, path, shrunk commands). */
export interface Replay {
  seed: number;
  path?: string;
  commands?: string[];
}
