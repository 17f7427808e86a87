/**
 * One HTTP request of a check, the way a Nextcloud E2EE client sends it, kept as redacted
 * evidence (E2EE-CONF-060).
 *
 * @module
 */
import { USER_AGENT } from '../../../reference/src/http/index.js';
import type { HttpExchange } from '../core/results.js';
import { CheckFailure, type Reply } from '../server/check.js';
import type { Redactor } from './redact.js';

/** Bodies longer than this are truncated in evidence (the check still sees all of it). */
const EVIDENCE_BODY_LIMIT = 16 * 1024;

/** Credentials of one account on the target. */
export interface Account {
  userId: string;
  /** The login password (never logged; redacted as `«secret:<actor>»`). */
  password: string;
}

export interface SendOptions {
  baseUrl: string;
  method: string;
  path: string;
  /** The account to authenticate as, or null for an anonymous request. */
  account: { name: string; userId: string; password: string } | null;
  headers?: Record<string, string>;
  body?: Uint8Array | string;
  /** Leave out the client headers (`OCS-APIRequest`, user agent, `X-E2EE-Supported`). */
  bare?: boolean;
  signal?: AbortSignal;
}

/** The headers a Nextcloud E2EE client sends, as the reference client sends them. */
export function clientHeaders(account: SendOptions['account'], bare: boolean) {
  const h: Record<string, string> = {};
  if (!bare) {
    h['ocs-apirequest'] = 'true';
    h['user-agent'] = USER_AGENT;
    h['x-e2ee-supported'] = 'true';
  }
  if (account) {
    const basic = Buffer.from(`${account.userId}:${account.password}`, 'utf8').toString('base64');
    h.authorization = `Basic ${basic}`;
  }
  return h;
}

/** Makes a {@link Reply} over a received body. */
export function makeReply(
  status: number,
  headers: Record<string, string>,
  body: Uint8Array,
): Reply {
  return {
    status,
    headers,
    body,
    text: () => new TextDecoder().decode(body),
    json: () => {
      const text = new TextDecoder().decode(body);
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new CheckFailure(`expected a JSON body, got ${JSON.stringify(text.slice(0, 120))}`, {
          expected: 'JSON',
          actual: { status, body: text.slice(0, 200) },
        });
      }
    },
  };
}

/** A body as evidence text: UTF-8 when it is, else `base64:…`; never a secret. */
export function evidenceBody(
  body: Uint8Array | undefined,
  contentType: string | undefined,
  redactor: Redactor,
): string | undefined {
  if (body === undefined || body.byteLength === 0) return undefined;
  const shown = body.subarray(0, EVIDENCE_BODY_LIMIT);
  const cut = body.byteLength - shown.byteLength;
  const tail = cut > 0 ? `…[truncated ${cut} bytes]` : '';
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(shown);
  } catch {
    // A binary body cannot be searched as text; drop it whole when it holds a secret.
    const owner = redactor.leaksIn(body);
    if (owner !== undefined) return `«secret:${owner}» (binary body withheld)`;
    return `base64:${Buffer.from(shown).toString('base64')}${tail}`;
  }
  return (redactor.body(text, contentType) ?? '') + tail;
}

function headerRecord(h: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  h.forEach((v, k) => {
    out[k.toLowerCase()] = v;
  });
  return out;
}

/**
 * Sends one request and returns the reply plus its evidence. A network failure or abort rejects
 * (the runner maps that to ERROR or TIMEOUT); the evidence of a failed request is still recorded
 * through `record`.
 */
export async function send(
  opts: SendOptions,
  redactor: Redactor,
  record: (x: HttpExchange) => void,
): Promise<Reply> {
  const headers = { ...clientHeaders(opts.account, opts.bare ?? false) };
  for (const [k, v] of Object.entries(opts.headers ?? {})) headers[k.toLowerCase()] = v;
  const body =
    typeof opts.body === 'string'
      ? new TextEncoder().encode(opts.body)
      : opts.body === undefined
        ? undefined
        : new Uint8Array(opts.body);
  const owner = opts.account?.name ?? 'credential';
  const base: HttpExchange = {
    actor: opts.account?.name ?? 'anonymous',
    method: opts.method,
    path: redactor.text(opts.path),
    requestHeaders: redactor.headers(headers, owner),
    durationMs: 0,
  };
  const reqBody = evidenceBody(body, headers['content-type'], redactor);
  if (reqBody !== undefined) base.requestBody = reqBody;
  const started = performance.now();
  // One controller per request, fed by the test's signal: fetch keeps its abort listener on the
  // signal it is given, and a test's long-lived signal collected thousands of them in a model run.
  const perRequest = new AbortController();
  const forward = () => perRequest.abort(opts.signal?.reason);
  if (opts.signal?.aborted) forward();
  else opts.signal?.addEventListener('abort', forward, { once: true });
  try {
    const res = await fetch(opts.baseUrl + opts.path, {
      method: opts.method,
      headers,
      ...(body !== undefined ? { body } : {}),
      redirect: 'manual',
      signal: perRequest.signal,
    });
    const bytes = new Uint8Array(await res.arrayBuffer());
    const resHeaders = headerRecord(res.headers);
    const exchange: HttpExchange = {
      ...base,
      status: res.status,
      responseHeaders: redactor.headers(resHeaders, 'server'),
      durationMs: Math.round(performance.now() - started),
    };
    const resBody = evidenceBody(bytes, resHeaders['content-type'], redactor);
    if (resBody !== undefined) exchange.responseBody = resBody;
    record(exchange);
    return makeReply(res.status, resHeaders, bytes);
  } catch (e) {
    const err = e as Error;
    record({
      ...base,
      durationMs: Math.round(performance.now() - started),
      error: redactor.text(`${err.name}: ${err.message}`),
    });
    throw e;
  } finally {
    opts.signal?.removeEventListener('abort', forward);
  }
}
