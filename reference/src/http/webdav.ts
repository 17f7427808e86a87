/**
 * The WebDAV calls the E2EE flows need under `/remote.php/dav/files/<user>/`: PROPFIND (with the
 * E2EE properties), MKCOL, PUT, GET, DELETE, MOVE. XML is parsed with fast-xml-parser.
 *
 * @module
 */
import { XMLParser } from 'fast-xml-parser';
import { SealfoldError } from '../errors/index.js';
import { fromUtf8, utf8 } from '../_internal/bytes.js';
import { baseHeaders, codeForStatus, ServerRejected, type ClientContext } from './ocs.js';
import { fetchTransport, type HttpResponse } from './transport.js';

export interface DavEntry {
  /** Path relative to the user's root, `/`-separated, decoded, without a trailing slash. */
  path: string;
  fileId: string;
  isFolder: boolean;
  isEncrypted: boolean;
  size: number;
  etag: string;
}

const PROPFIND_BODY = `<?xml version="1.0" encoding="UTF-8"?>
<d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns" xmlns:nc="http://nextcloud.org/ns">
  <d:prop><d:resourcetype/><d:getetag/><d:getcontentlength/><oc:fileid/><oc:size/><nc:is-encrypted/></d:prop>
</d:propfind>`;

function root(ctx: ClientContext): string {
  return `/remote.php/dav/files/${encodeURIComponent(ctx.account.userId)}`;
}

/** Encodes a user-relative path segment by segment. */
export function davPath(ctx: ClientContext, path: string): string {
  const segs = path.split('/').filter((s) => s !== '');
  for (const s of segs) {
    if (s === '.' || s === '..')
      throw new SealfoldError('INPUT_MALFORMED', 'a WebDAV path must not contain . or ..');
  }
  return `${root(ctx)}/${segs.map(encodeURIComponent).join('/')}`;
}

async function send(
  ctx: ClientContext,
  method: string,
  path: string,
  opts: { headers?: Record<string, string>; body?: Uint8Array; token?: string } = {},
): Promise<HttpResponse> {
  const headers: Record<string, string> = { ...baseHeaders(ctx.account), ...opts.headers };
  if (opts.token) headers['e2e-token'] = opts.token;
  const res = await (ctx.transport ?? fetchTransport)({
    method,
    url: ctx.account.baseUrl + davPath(ctx, path),
    headers,
    body: opts.body,
  });
  if (res.status >= 300) {
    throw new ServerRejected(
      codeForStatus(res.status),
      res.status,
      `${method} ${path} was refused with HTTP ${res.status}`,
    );
  }
  return res;
}

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: true,
  parseTagValue: false,
  isArray: (n) => n === 'response' || n === 'propstat',
});

/** Parses a 207 multistatus into entries; only `200 OK` propstats are read. */
export function parseMultistatus(xml: string, userRoot: string): DavEntry[] {
  let doc: Record<string, unknown>;
  try {
    doc = parser.parse(xml) as Record<string, unknown>;
  } catch (e) {
    throw new SealfoldError('SERVER_RESPONSE_MALFORMED', 'the PROPFIND answer is not XML', {
      cause: e,
    });
  }
  const responses = (doc.multistatus as { response?: unknown[] } | undefined)?.response;
  if (!Array.isArray(responses))
    throw new SealfoldError('SERVER_RESPONSE_MALFORMED', 'the PROPFIND answer has no multistatus');
  return responses.map((r) => {
    const o = r as {
      href?: unknown;
      propstat?: Array<{ prop?: Record<string, unknown>; status?: unknown }>;
    };
    const href = decodeURIComponent(String(o.href ?? ''));
    if (!href.startsWith(userRoot))
      throw new SealfoldError(
        'SERVER_RESPONSE_MALFORMED',
        'a PROPFIND href is outside the user root',
      );
    const prop: Record<string, unknown> = {};
    for (const ps of o.propstat ?? []) {
      if (String(ps.status ?? '').includes(' 200 ')) Object.assign(prop, ps.prop ?? {});
    }
    const rt = prop.resourcetype;
    const isFolder = typeof rt === 'object' && rt !== null && 'collection' in rt;
    return {
      path: href.slice(userRoot.length).replace(/^\/+|\/+$/g, ''),
      fileId: String(prop.fileid ?? ''),
      isFolder,
      isEncrypted: String(prop['is-encrypted'] ?? '') === '1',
      size: Number(prop.size ?? prop.getcontentlength ?? 0),
      etag: String(prop.getetag ?? ''),
    };
  });
}

/** PROPFIND at depth 0 or 1. */
export async function propfind(
  ctx: ClientContext,
  path: string,
  depth: 0 | 1,
): Promise<DavEntry[]> {
  const res = await send(ctx, 'PROPFIND', path, {
    headers: { depth: String(depth), 'content-type': 'application/xml; charset=utf-8' },
    body: utf8(PROPFIND_BODY),
  });
  if (res.status !== 207)
    throw new SealfoldError(
      'SERVER_RESPONSE_MALFORMED',
      `PROPFIND answered ${res.status}, not 207`,
    );
  return parseMultistatus(
    fromUtf8(res.body, 'PROPFIND answer', 'SERVER_RESPONSE_MALFORMED'),
    root(ctx),
  );
}

/** MKCOL; returns the new folder's file id from the `OC-FileId` header (digits before `oc…`). */
export async function mkcol(ctx: ClientContext, path: string, token?: string): Promise<string> {
  const res = await send(ctx, 'MKCOL', path, token ? { token } : {});
  const m = /^0*(\d+)/.exec(res.headers['oc-fileid'] ?? '');
  if (!m)
    throw new SealfoldError(
      'SERVER_RESPONSE_MALFORMED',
      'MKCOL answered without an OC-FileId header',
    );
  return m[1]!;
}

/** PUT a body. */
export async function putFile(
  ctx: ClientContext,
  path: string,
  body: Uint8Array,
  token?: string,
): Promise<void> {
  await send(ctx, 'PUT', path, {
    body,
    headers: { 'content-type': 'application/octet-stream' },
    ...(token ? { token } : {}),
  });
}

/** GET a body. */
export async function getFile(ctx: ClientContext, path: string): Promise<Uint8Array> {
  return (await send(ctx, 'GET', path)).body;
}

/** DELETE a file or folder. */
export async function deleteItem(ctx: ClientContext, path: string, token?: string): Promise<void> {
  await send(ctx, 'DELETE', path, token ? { token } : {});
}

/** MOVE within the user's tree. */
export async function moveItem(
  ctx: ClientContext,
  from: string,
  to: string,
  token?: string,
): Promise<void> {
  await send(ctx, 'MOVE', from, {
    headers: { destination: ctx.account.baseUrl + davPath(ctx, to), overwrite: 'F' },
    ...(token ? { token } : {}),
  });
}
