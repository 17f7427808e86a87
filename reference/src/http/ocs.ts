/**
 * OCS calls: the `/ocs/v2.php/...` envelope, Basic authentication, the headers Nextcloud's E2EE
 * app requires, and the mapping from HTTP status to the spec's error codes.
 *
 * @module
 */
import { SealfoldError, type E2eeCode } from '../errors/index.js';
import { fromUtf8, toBase64, utf8 } from '../_internal/bytes.js';
import type { HttpResponse, HttpTransport } from './transport.js';
import { fetchTransport } from './transport.js';

/**
 * The user agent of the reference client. Servers before app 1.17 admit E2EE requests only from
 * user agents that look like a Nextcloud client (`mirall/X.Y.Z` ≥ 3.0.0), later ones also accept
 * `X-E2EE-Supported: true`; the client sends both.
 */
export const USER_AGENT = 'Mozilla/5.0 (Linux) mirall/3.16.0 (Sealfold reference client)';

export interface Account {
  /** Server origin plus any path prefix, without a trailing slash, e.g. `http://127.0.0.1:8080`. */
  baseUrl: string;
  userId: string;
  /** Login or app password; only ever sent in the Authorization header. */
  password: string;
}

export interface ClientContext {
  account: Account;
  transport?: HttpTransport;
}

/** An error from the server, with the HTTP status kept for retry decisions. */
export class ServerRejected extends SealfoldError {
  readonly status: number;
  constructor(code: E2eeCode, status: number, message: string) {
    super(code, message);
    this.status = status;
  }
}

/** The spec's code for an HTTP status from the E2EE API (chapter 16). */
export function codeForStatus(status: number): E2eeCode {
  if (status === 401) return 'AUTH_FAILED';
  if (status === 403) return 'FORBIDDEN';
  if (status === 404) return 'NOT_FOUND';
  if (status === 409) return 'ALREADY_EXISTS';
  if (status === 412 || status === 423) return 'LOCK_CONFLICT';
  if (status >= 500) return 'SERVER_ERROR';
  return 'INPUT_MALFORMED';
}

export interface OcsRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path below the base URL, e.g. `/ocs/v2.php/cloud/capabilities`. */
  path: string;
  query?: Record<string, string>;
  form?: Record<string, string>;
  headers?: Record<string, string>;
}

export interface OcsResult {
  status: number;
  data: unknown;
  headers: Record<string, string>;
}

/** Headers every request of the reference client carries. */
export function baseHeaders(account: Account): Record<string, string> {
  return {
    authorization: `Basic ${toBase64(utf8(`${account.userId}:${account.password}`))}`,
    'user-agent': USER_AGENT,
    'x-e2ee-supported': 'true',
  };
}

function parseEnvelope(res: HttpResponse): { statuscode: number; message: string; data: unknown } {
  let doc: unknown;
  try {
    doc = JSON.parse(fromUtf8(res.body, 'OCS response'));
  } catch {
    throw new SealfoldError(
      'SERVER_RESPONSE_MALFORMED',
      `the server answered ${res.status} without an OCS JSON envelope`,
    );
  }
  const ocs = (
    doc as { ocs?: { meta?: { statuscode?: unknown; message?: unknown }; data?: unknown } }
  )?.ocs;
  if (!ocs || typeof ocs !== 'object' || !ocs.meta || typeof ocs.meta.statuscode !== 'number') {
    throw new SealfoldError(
      'SERVER_RESPONSE_MALFORMED',
      'the OCS envelope lacks ocs.meta.statuscode',
    );
  }
  return {
    statuscode: ocs.meta.statuscode,
    message: typeof ocs.meta.message === 'string' ? ocs.meta.message : '',
    data: ocs.data,
  };
}

/** Sends one OCS request and returns its `data`, or throws ServerRejected. */
export async function ocsCall(ctx: ClientContext, req: OcsRequest): Promise<OcsResult> {
  const url = new URL(ctx.account.baseUrl + req.path);
  url.searchParams.set('format', 'json');
  for (const [k, v] of Object.entries(req.query ?? {})) url.searchParams.set(k, v);
  const headers: Record<string, string> = {
    ...baseHeaders(ctx.account),
    'ocs-apirequest': 'true',
    accept: 'application/json',
    ...req.headers,
  };
  let body: Uint8Array | undefined;
  if (req.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = utf8(new URLSearchParams(req.form).toString());
  }
  const res = await (ctx.transport ?? fetchTransport)({
    method: req.method,
    url: url.toString(),
    headers,
    body,
  });
  if (res.status >= 500) {
    throw new ServerRejected(
      'SERVER_ERROR',
      res.status,
      `the server failed with HTTP ${res.status}`,
    );
  }
  const env = parseEnvelope(res);
  if (res.status < 200 || res.status >= 300) {
    const msg = env.message ? `: ${env.message.slice(0, 200)}` : '';
    throw new ServerRejected(
      codeForStatus(res.status),
      res.status,
      `${req.method} ${req.path} was refused with HTTP ${res.status}${msg}`,
    );
  }
  return { status: res.status, data: env.data, headers: res.headers };
}

/** Reads a string field of an OCS `data` object, or throws SERVER_RESPONSE_MALFORMED. */
export function stringField(data: unknown, name: string): string {
  const v = (data as Record<string, unknown> | null)?.[name];
  if (typeof v !== 'string') {
    throw new SealfoldError(
      'SERVER_RESPONSE_MALFORMED',
      `the server's answer lacks the string field "${name}"`,
    );
  }
  return v;
}
