/**
 * WebDAV `SEARCH` (RFC 5323 basic search) on `/remote.php/dav/`, as Nextcloud's files search
 * answers it and as the end_to_end_encryption web client sends it (`searchFolders`: every folder
 * below a scope, with `d:displayname`, `nc:e2ee-metadata`, `nc:e2ee-metadata-signature` and
 * `oc:fileid`). E2EE-API-271..273.
 *
 * Supported: one `d:scope` below the user's own files (`/files/<uid>/…`, also with the
 * `/remote.php/dav` prefix) with depth `1` or `infinity`; `d:select` of named properties; in
 * `d:where`: `is-collection`, `not`, `and`, `or`, and `eq` / `like` (`%` and `_` wildcards, case
 * insensitive) on any text property; `d:limit/d:nresults`. `d:orderby` is accepted and not
 * applied: results come in path order. Anything else is refused with 400.
 *
 * @module
 */
import type { Response } from 'express';
import type { StoreView } from '../../store/index.js';
import { readE2eeState } from '../../e2ee/index.js';
import { dav } from './_errors.js';
import { hrefFor, parseDavPath } from './_paths.js';
import { listDav, propertiesOf, resolveDav, type DavNode, type PropEnv } from './_view.js';
import {
  buildMultistatus,
  parseXmlElement,
  type DavResponse,
  type PropName,
  type PropValue,
  type XmlElement,
} from './_xml.js';
import type { Deps } from '../context.js';
import type { FaultSwitches } from '../../faults.js';

/** Most results one SEARCH returns (bounds the walk of a large tree). */
export const MAX_SEARCH_RESULTS = 10_000;

type Condition =
  | { readonly op: 'is-collection' }
  | { readonly op: 'not'; readonly of: Condition }
  | { readonly op: 'and' | 'or'; readonly of: readonly Condition[] }
  | { readonly op: 'eq' | 'like'; readonly prop: PropName; readonly literal: string };

/** A parsed basic search. */
export interface SearchQuery {
  readonly select: readonly PropName[];
  readonly scopeHref: string;
  readonly depth: 1 | 'infinity';
  readonly where: Condition | null;
  readonly limit: number;
}

const D = (local: string): PropName => `{DAV:}${local}`;

function bad(message: string): never {
  throw dav.badRequest(`SEARCH: ${message}`);
}

function child(e: XmlElement, local: string): XmlElement | undefined {
  return e.children.find((c) => c.name === D(local));
}

function only(e: XmlElement, local: string): XmlElement {
  const found = e.children.filter((c) => c.name === D(local));
  if (found.length !== 1) bad(`${e.name} must contain exactly one d:${local}`);
  return found[0]!;
}

function condition(e: XmlElement): Condition {
  switch (e.name) {
    case D('is-collection'):
      return { op: 'is-collection' };
    case D('not'):
      if (e.children.length !== 1) bad('d:not takes one condition');
      return { op: 'not', of: condition(e.children[0]!) };
    case D('and'):
    case D('or'):
      if (e.children.length === 0) bad(`${e.name} takes at least one condition`);
      return { op: e.name === D('and') ? 'and' : 'or', of: e.children.map(condition) };
    case D('eq'):
    case D('like'): {
      const prop = only(e, 'prop');
      if (prop.children.length !== 1) bad('a comparison names exactly one property');
      return {
        op: e.name === D('eq') ? 'eq' : 'like',
        prop: prop.children[0]!.name,
        literal: only(e, 'literal').text,
      };
    }
    default:
      return bad(`the operator ${e.name} is not supported`);
  }
}

/**
 * Parses a `d:searchrequest` body.
 * @throws DavFailure 400 for anything outside the supported subset.
 */
export function parseSearch(text: string): SearchQuery {
  const root = parseXmlElement(text);
  if (root.name !== D('searchrequest')) bad('the root element must be d:searchrequest');
  const basic = only(root, 'basicsearch');
  const select = only(only(basic, 'select'), 'prop').children.map((c) => c.name);
  if (select.length === 0) bad('d:select must name at least one property');
  const scope = only(only(basic, 'from'), 'scope');
  const depthText = child(scope, 'depth')?.text ?? 'infinity';
  if (depthText !== '1' && depthText !== 'infinity') bad('the scope depth must be 1 or infinity');
  const where = child(basic, 'where');
  if (where !== undefined && where.children.length > 1) bad('d:where takes one condition');
  const nresults = child(basic, 'limit') && child(child(basic, 'limit')!, 'nresults')?.text;
  if (nresults !== undefined && !/^[1-9]\d{0,8}$/.test(nresults))
    bad('d:nresults must be a positive integer');
  return {
    select: [...new Set(select)],
    scopeHref: only(scope, 'href').text,
    depth: depthText === '1' ? 1 : 'infinity',
    where:
      where === undefined || where.children.length === 0 ? null : condition(where.children[0]!),
    limit: Math.min(MAX_SEARCH_RESULTS, nresults === undefined ? Infinity : Number(nresults)),
  };
}

/** SQL `LIKE` as a regular expression: `%` any run, `_` one character, case-insensitive. */
function likePattern(literal: string): RegExp {
  const body = [...literal]
    .map((ch) => (ch === '%' ? '.*' : ch === '_' ? '.' : ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`, 'isu');
}

function matches(c: Condition, d: DavNode, props: Map<PropName, PropValue>): boolean {
  switch (c.op) {
    case 'is-collection':
      return d.v.node.kind === 'folder';
    case 'not':
      return !matches(c.of, d, props);
    case 'and':
      return c.of.every((x) => matches(x, d, props));
    case 'or':
      return c.of.some((x) => matches(x, d, props));
    default: {
      const v = props.get(c.prop);
      if (typeof v !== 'string') return false;
      return c.op === 'eq' ? v === c.literal : likePattern(c.literal).test(v);
    }
  }
}

/** The user's location a scope href names (`/files/<uid>/…`, optionally under `/remote.php/dav`). */
function scopeLocation(href: string, uid: string, faults: FaultSwitches) {
  const path = href.startsWith('/files/') ? `/remote.php/dav${href}` : href;
  if (!path.startsWith('/remote.php/dav/files/')) bad('the scope must be /files/<uid>/…');
  const loc = parseDavPath(path);
  // E2EE-API-272 (MUST, server): a user searches only their own tree.
  if (loc.user !== uid && !faults.on('search-foreign-scope'))
    throw dav.forbidden('this is not your file tree');
  return loc;
}

/** Nodes below `scope` in path order, up to `limit` (depth 1: the children only). */
function walk(view: StoreView, uid: string, scope: DavNode, query: SearchQuery): DavNode[] {
  const out: DavNode[] = [];
  const visit = (folder: DavNode) => {
    for (const d of listDav(view, uid, folder)) {
      if (out.length >= MAX_SEARCH_RESULTS) return;
      out.push(d);
      if (query.depth === 'infinity' && d.v.node.kind === 'folder') visit(d);
    }
  };
  visit(scope);
  return out;
}

/** SEARCH on `/remote.php/dav/` for the authenticated `uid`. */
export function handleSearch(
  deps: Deps,
  uid: string,
  e2eeClient: boolean,
  body: Buffer,
  res: Response,
): void {
  const query = parseSearch(body.toString('utf8'));
  const loc = scopeLocation(query.scopeHref, uid, deps.faults);
  const view = deps.store;
  const scope = resolveDav(view, uid, loc.segments);
  if (scope === undefined) throw dav.notFound('the search scope does not exist');
  if (scope.v.node.kind !== 'folder') bad('the search scope must be a folder');
  const state = readE2eeState(view);
  const env: PropEnv = {
    profile: deps.config.profile,
    e2eeClient,
    // E2EE-API-273 (MUST, server): like the real app, SEARCH serves metadata to every client.
    metadataForEveryClient: !deps.faults.on('search-applies-propfind-gate'),
    metadata: (id) => {
      const m = state.meta[String(id)];
      return m?.doc === undefined ? undefined : { doc: m.doc, signature: m.signature ?? '' };
    },
  };
  const responses: DavResponse[] = [];
  for (const d of walk(view, uid, scope, query)) {
    if (responses.length >= query.limit) break;
    const props = propertiesOf(view, d, env);
    // E2EE-API-271 (MUST, server): only nodes that satisfy d:where, with the selected properties.
    const where = deps.faults.on('search-ignores-where') ? null : query.where;
    if (where !== null && !matches(where, d, props)) continue;
    responses.push({
      href: hrefFor(uid, d.segments, d.v.node.kind === 'folder'),
      found: query.select.filter((k) => props.has(k)).map((k) => [k, props.get(k)!] as const),
      missing: query.select.filter((k) => !props.has(k)),
    });
  }
  res
    .status(207)
    .type('application/xml; charset=utf-8')
    .set('DAV', '1, 3')
    .send(buildMultistatus(responses));
}
