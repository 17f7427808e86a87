/**
 * The model run's requests as a Nextcloud E2EE client sends them: OCS paths of the E2EE and
 * share APIs, WebDAV paths, the PROPFIND the comparison reads, and the parsing of their answers.
 * All requests go through the check context, which records them as evidence.
 *
 * @module
 */
import { XMLParser } from 'fast-xml-parser';
import type { Actor, CheckContext, Reply, RequestOptions } from '../check.js';
import type { ListedEntry } from './tree.js';

const E2EE_API = '/ocs/v2.php/apps/end_to_end_encryption/api/v2';
const SHARES_API = '/ocs/v2.php/apps/files_sharing/api/v1/shares';
const DAV_ROOT = '/remote.php/dav/files/';

/** Form-encoded request body with its content type. */
export function form(fields: Record<string, string>): RequestOptions {
  return {
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  };
}

/** An E2EE API path (`/lock/12`, `/meta-data/12?abort=true`) with `format=json`. */
export function e2eePath(path: string): string {
  return `${E2EE_API}${path}${path.includes('?') ? '&' : '?'}format=json`;
}

/** A share API path (`''` or `/17`) with `format=json`. */
export function sharesPath(path: string): string {
  return `${SHARES_API}${path}?format=json`;
}

/** The WebDAV path of `segs` in `uid`'s tree. */
export function davPath(uid: string, segs: readonly string[]): string {
  return DAV_ROOT + [uid, ...segs].map(encodeURIComponent).join('/');
}

/** `ocs.data` of a JSON OCS answer, or undefined when the body is not one. */
export function ocsData(reply: Reply): unknown {
  try {
    const v = JSON.parse(reply.text()) as { ocs?: { data?: unknown } };
    return v.ocs?.data;
  } catch {
    return undefined;
  }
}

/** The file id in an `OC-FileId` header (`00000123ocabcdef` → 123), or undefined. */
export function fileIdHeader(reply: Reply): number | undefined {
  const m = /^(\d+)/.exec(reply.headers['oc-fileid'] ?? '');
  return m ? Number(m[1]) : undefined;
}

const PROPFIND_BODY =
  '<?xml version="1.0" encoding="utf-8"?>' +
  '<d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns"><d:prop>' +
  '<d:resourcetype/><d:getcontentlength/><oc:fileid/></d:prop></d:propfind>';

/** PROPFIND Depth 1 of `segs` as `actor`. */
export function propfind(ctx: CheckContext, actor: Actor, segs: readonly string[]): Promise<Reply> {
  return ctx.request(actor, 'PROPFIND', davPath(ctx.userId(actor), segs), {
    headers: { depth: '1', 'content-type': 'application/xml; charset=utf-8' },
    body: PROPFIND_BODY,
  });
}

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: true,
  parseTagValue: false,
  isArray: (name) => name === 'response' || name === 'propstat',
});

type PropStat = { status?: string; prop?: Record<string, unknown> };

/**
 * What precedes `/remote.php/dav/files/` in the hrefs of a PROPFIND answer (`''`, or a sub-path
 * such as `/nextcloud` when the server is installed below one), for `Destination` headers.
 */
export function hrefPrefix(xml: string): string | undefined {
  const m = /<(?:[A-Za-z0-9_-]+:)?href>([^<]*)<\//.exec(xml);
  if (!m) return undefined;
  let href = m[1]!;
  const scheme = /^https?:\/\/[^/]+/.exec(href);
  if (scheme) href = href.slice(scheme[0].length);
  const at = href.indexOf(DAV_ROOT);
  return at >= 0 ? href.slice(0, at) : undefined;
}

/**
 * The children listed in a PROPFIND answer for the folder at `segs` (the folder's own entry is
 * left out), sorted by name. Hrefs are read from their `/remote.php/dav/files/<uid>/` part on,
 * so a server installed under a sub-path works too.
 */
export function parseListing(xml: string, segs: readonly string[]): ListedEntry[] {
  const doc = parser.parse(xml) as { multistatus?: { response?: unknown[] } };
  const out: ListedEntry[] = [];
  for (const r of doc.multistatus?.response ?? []) {
    const resp = r as { href?: string; propstat?: PropStat[] };
    const href = String(resp.href ?? '');
    const at = href.indexOf(DAV_ROOT);
    const path = (at >= 0 ? href.slice(at + DAV_ROOT.length) : href)
      .split('/')
      .filter((s) => s !== '')
      .map(decodeURIComponent)
      .slice(1);
    if (path.length !== segs.length + 1) continue;
    const props: Record<string, unknown> = {};
    for (const ps of resp.propstat ?? [])
      if (/\s200\s/.test(` ${ps.status ?? ''} `)) Object.assign(props, ps.prop ?? {});
    const rt = props['resourcetype'];
    const folder = typeof rt === 'object' && rt !== null && 'collection' in rt;
    const id = props['fileid'];
    const size = props['getcontentlength'];
    out.push({
      name: path.at(-1)!,
      folder,
      id: id === undefined ? undefined : Number(id),
      size: folder || size === undefined ? undefined : Number(size),
    });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
