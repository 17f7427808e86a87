/**
 * The OCS envelope (E2EE-API-001..002):
 *
 * ```json
 * {"ocs":{"meta":{"status":"ok","statuscode":200,"message":"OK"},"data":{…}}}
 * ```
 *
 * JSON when the query has `format=json` or the Accept header names `application/json`, XML
 * otherwise. On `/ocs/v2.php` the HTTP status equals `meta.statuscode`; on `/ocs/v1.php` the HTTP
 * status is 200 (401 for an anonymous request), a success has `statuscode` 100 and v1 meta also
 * carries empty `totalitems` / `itemsperpage`. An unauthenticated request gets `statuscode` 997.
 *
 * @module
 */
import type { NextFunction, Request, Response } from 'express';
import { XMLBuilder } from 'fast-xml-parser';
import { problem, toProblem } from '../../problems.js';
import type { Profile } from '../../config.js';
import type { Logger } from '../../log.js';
import { NO_FAULTS, type FaultSwitches } from '../../faults.js';

/** The response header that names the Sealfold error code of a refusal (E2EE-API-008). */
export const CODE_HEADER = 'X-Sealfold-E2EE-Code';

const OCS_UNAUTHORISED = 997;

/** True when the client asked for JSON. */
export function wantsJson(req: Request): boolean {
  const f = (req.query as Record<string, unknown>).format;
  if (f === 'json') return true;
  if (f === 'xml') return false;
  // E2EE-API-001 (MUST, server): XML unless JSON was asked for.
  const json = /\bapplication\/json\b/i.test(req.get('accept') ?? '');
  return json || (req.sealfold?.faults.on('ocs-always-json') ?? false);
}

const XML_NAME = /^[A-Za-z_][A-Za-z0-9._-]*$/;

/** Nextcloud's XML rendering: list items and keys that are not XML names become `<element>`. */
function toXmlTree(v: unknown): unknown {
  if (Array.isArray(v)) return v.length === 0 ? '' : { element: v.map(toXmlTree) };
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown[]> = {};
    for (const [k, x] of Object.entries(v)) {
      const name = XML_NAME.test(k) && !/^xml/i.test(k) ? k : 'element';
      (out[name] ??= []).push(toXmlTree(x));
    }
    return Object.fromEntries(
      Object.entries(out).map(([k, arr]) => [k, arr.length === 1 ? arr[0] : arr]),
    );
  }
  if (v === null || v === undefined) return '';
  if (typeof v === 'boolean') return v ? '1' : '';
  return v;
}

const builder = new XMLBuilder({ format: true, indentBy: ' ', suppressEmptyNode: true });

/** Serialises and sends an envelope with the given OCS status code. */
function sendEnvelope(
  req: Request,
  res: Response,
  statuscode: number,
  message: string,
  data: unknown,
): void {
  const v1 = req.sealfold?.ocsVersion === 1;
  const ok = statuscode >= 200 && statuscode < 300;
  const metaCode = v1 && ok ? 100 : statuscode;
  const meta: Record<string, unknown> = {
    status: ok ? 'ok' : 'failure',
    statuscode: metaCode,
    message,
  };
  if (v1) Object.assign(meta, { totalitems: '', itemsperpage: '' });
  // E2EE-API-002 (MUST, server): v2 answers the status code, v1 answers 200 (401 when anonymous).
  const v1Ok = v1 && !req.sealfold.faults.on('ocs-v1-http-status-from-statuscode');
  const http = statuscode === OCS_UNAUTHORISED ? 401 : v1Ok ? 200 : statuscode;
  res.status(http);
  if (wantsJson(req)) {
    res.type('application/json; charset=utf-8').send(JSON.stringify({ ocs: { meta, data } }));
  } else {
    const xml = builder.build({ ocs: { meta: toXmlTree(meta), data: toXmlTree(data) } });
    res.type('text/xml; charset=UTF-8').send(`<?xml version="1.0"?>\n${xml}`);
  }
}

/** Sends `data` in an OCS success envelope (status 200 unless given). */
export function sendOcs(req: Request, res: Response, data: unknown, status = 200): void {
  sendEnvelope(req, res, status, 'OK', data);
}

/**
 * Sends an OCS error envelope with the code header; `data` is `[]`, or `{"message": hint}` when
 * the refusal has a hint (Nextcloud's `DataResponse(['message' => …])` shape).
 */
export function sendOcsError(
  req: Request,
  res: Response,
  status: number,
  code: string,
  message: string,
  hint?: string,
): void {
  res.set(CODE_HEADER, code);
  const data = hint === undefined ? [] : { message: hint };
  sendEnvelope(req, res, status === 401 ? OCS_UNAUTHORISED : status, message, data);
}

/**
 * Middleware requiring `OCS-APIRequest: true` (E2EE-API-003): Nextcloud's CSRF protection for OCS.
 */
export function requireOcsHeader(faults: FaultSwitches = NO_FAULTS) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    // E2EE-API-003 (MUST, server): an OCS request without the header is refused with 412.
    const missing = (req.get('ocs-apirequest') ?? '').toLowerCase() !== 'true';
    // E2EE-API-408 (MUST, server): a requesttoken (a browser session's CSRF token) is no substitute.
    const session = faults.on('requesttoken-passes-csrf') && req.get('requesttoken') !== undefined;
    if (missing && !session && !faults.on('skip-ocs-csrf-check')) throw problem('csrfCheckFailed');
    next();
  };
}

/** Express error handler that renders any error as an OCS envelope for `profile`. */
export function ocsErrorHandler(profile: Profile, log: Logger, faults: FaultSwitches = NO_FAULTS) {
  return (err: unknown, req: Request, res: Response, next: NextFunction): void => {
    if (res.headersSent) return next(err);
    const refused = toProblem(err, profile);
    // E2EE-API-007 (MUST, server): malformed input is a 4xx, never a 5xx.
    const p =
      refused.code === 'INPUT_MALFORMED' && faults.on('crash-on-malformed')
        ? toProblem(new Error('crash'), profile)
        : refused;
    // E2EE-SEC-062 (MUST NOT, server): an internal error is logged by class only, never by message.
    if (p.status >= 500)
      log.write({ type: 'error', error: (err as Error)?.name ?? 'unknown', code: p.code });
    sendOcsError(req, res, p.status, p.code, p.message, p.hint);
  };
}
