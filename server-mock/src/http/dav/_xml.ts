/**
 * WebDAV XML for the mock server: parsing PROPFIND request bodies (with namespace resolution) and
 * writing 207 multistatus and Sabre-style error documents. Parsing and writing go through
 * fast-xml-parser (XMLValidator, XMLParser, XMLBuilder); nothing here concatenates XML by hand.
 *
 * Property names are Clark notation, `{namespace}local` (`{DAV:}getetag`). Documents with a
 * DOCTYPE are refused outright, which rules out entity expansion attacks (E2EE-API-211).
 *
 * Spec: `spec/14-webdav-and-shares.md` §3 (E2EE-API-819..821, E2EE-API-211).
 *
 * @module
 */
import { NO_FAULTS, type FaultSwitches } from '../../faults.js';
import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import { DavFailure } from './_errors.js';

/** Namespaces used by Nextcloud's WebDAV, with the prefixes the server writes. */
export const NS = {
  d: 'DAV:',
  oc: 'http://owncloud.org/ns',
  nc: 'http://nextcloud.org/ns',
  s: 'http://sabredav.org/ns',
} as const;

/** A property name in Clark notation. */
export type PropName = `{${string}}${string}`;

/** The three request forms of RFC 4918 §9.1 (`include` of allprop is honoured). */
export type PropfindRequest =
  | { readonly kind: 'allprop'; readonly include: readonly PropName[] }
  | { readonly kind: 'propname' }
  | { readonly kind: 'prop'; readonly props: readonly PropName[] };

/** A property value: text, or a list of empty child elements (`<d:collection/>`). */
export type PropValue = string | { readonly elements: readonly PropName[] };

/** One `<d:response>` of a multistatus. */
export interface DavResponse {
  readonly href: string;
  /** Properties with values, in order (200 propstat). */
  readonly found: readonly (readonly [PropName, PropValue])[];
  /** Requested properties this resource does not have (404 propstat). */
  readonly missing: readonly PropName[];
  /** Property names only (propname requests), written as empty elements in a 200 propstat. */
  readonly names?: readonly PropName[];
}

/** Largest PROPFIND body accepted, in bytes. */
export const MAX_XML_BYTES = 64 * 1024;
/** Deepest element nesting accepted in a request body (a PROPFIND needs 3). */
export const MAX_XML_DEPTH = 16;

type OrderedNode = { [tag: string]: OrderedNode[] | string } & { ':@'?: Record<string, string> };

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  removeNSPrefix: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
  maxNestedTags: MAX_XML_DEPTH,
});

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  suppressEmptyNode: true,
  format: false,
  processEntities: true,
});

function bad(message: string): never {
  throw new DavFailure(400, 'BadRequest', 'INPUT_MALFORMED', message);
}

/** The element name of an ordered node (skipping text, comments and processing instructions). */
function tagOf(node: OrderedNode): string | undefined {
  return Object.keys(node).find((k) => k !== ':@' && !k.startsWith('#') && !k.startsWith('?'));
}

/** Resolves an element's `prefix:local` against the in-scope `xmlns` declarations. */
function clark(tag: string, scope: ReadonlyMap<string, string>): PropName {
  const i = tag.indexOf(':');
  const prefix = i < 0 ? '' : tag.slice(0, i);
  const local = i < 0 ? tag : tag.slice(i + 1);
  const ns = scope.get(prefix);
  if (ns === undefined) {
    if (prefix !== '') bad(`undeclared namespace prefix "${prefix}"`);
    return `{}${local}`;
  }
  return `{${ns}}${local}`;
}

function childScope(node: OrderedNode, scope: ReadonlyMap<string, string>): Map<string, string> {
  const next = new Map(scope);
  for (const [k, v] of Object.entries(node[':@'] ?? {})) {
    if (k === 'xmlns') next.set('', v);
    else if (k.startsWith('xmlns:')) next.set(k.slice(6), v);
  }
  return next;
}

/** Element children with their resolved names and scopes. */
function elements(
  list: OrderedNode[],
  scope: ReadonlyMap<string, string>,
): { name: PropName; node: OrderedNode; scope: Map<string, string> }[] {
  const out: { name: PropName; node: OrderedNode; scope: Map<string, string> }[] = [];
  for (const node of list) {
    const tag = tagOf(node);
    if (tag === undefined || tag.startsWith('!')) continue;
    const s = childScope(node, scope);
    out.push({ name: clark(tag, s), node, scope: s });
  }
  return out;
}

function childrenOf(node: OrderedNode): OrderedNode[] {
  const tag = tagOf(node)!;
  const v = node[tag];
  return Array.isArray(v) ? v : [];
}

/**
 * Parses a well-formed XML document into its single root element.
 * @throws DavFailure 400 for anything else (E2EE-API-211).
 */
export function parseXmlRoot(
  text: string,
  faults: FaultSwitches = NO_FAULTS,
): {
  name: PropName;
  node: OrderedNode;
  scope: Map<string, string>;
} {
  if (Buffer.byteLength(text, 'utf8') > MAX_XML_BYTES) bad('the XML body is too large');
  // E2EE-API-211 (MUST, server): refuse DTDs (entity expansion, external entities).
  if (/<!DOCTYPE|<!ENTITY/i.test(text) && !faults.on('xml-dtd-accepted'))
    bad('XML documents with a DOCTYPE are not accepted');
  const valid = XMLValidator.validate(text);
  if (valid !== true) bad(`the body is not well-formed XML (line ${valid.err.line})`);
  let doc: OrderedNode[];
  try {
    doc = parser.parse(text) as OrderedNode[];
  } catch {
    bad('the body is not well-formed XML');
  }
  const roots = elements(doc, new Map([['xml', 'http://www.w3.org/XML/1998/namespace']]));
  if (roots.length !== 1) bad('the XML body must have exactly one root element');
  return roots[0]!;
}

/**
 * Parses a PROPFIND body (RFC 4918 §14.20). An empty body means `allprop`.
 * @throws DavFailure 400 when the body is not a `{DAV:}propfind` with exactly one of
 *   `prop`, `propname`, `allprop` (E2EE-API-820).
 */
export function parsePropfind(text: string, faults: FaultSwitches = NO_FAULTS): PropfindRequest {
  // E2EE-API-819 (MUST, server): an empty body is allprop.
  if (text.trim() === '') return { kind: 'allprop', include: [] };
  const root = parseXmlRoot(text, faults);
  // E2EE-API-820 (MUST, server): a propfind root holding exactly one of the three forms.
  if (root.name !== '{DAV:}propfind') bad('the root element must be DAV: propfind');
  const parts = elements(childrenOf(root.node), root.scope);
  const kinds = parts.filter((p) =>
    ['{DAV:}prop', '{DAV:}propname', '{DAV:}allprop'].includes(p.name),
  );
  if (kinds.length !== 1) bad('propfind must contain exactly one of prop, propname, allprop');
  const part = kinds[0]!;
  const names = (p: (typeof parts)[number]): PropName[] =>
    elements(childrenOf(p.node), p.scope).map((e) => e.name);
  if (part.name === '{DAV:}propname') return { kind: 'propname' };
  if (part.name === '{DAV:}allprop') {
    const include = parts.find((p) => p.name === '{DAV:}include');
    return { kind: 'allprop', include: include ? names(include) : [] };
  }
  const props = [...new Set(names(part))];
  if (props.length === 0) bad('prop must name at least one property');
  return { kind: 'prop', props };
}

/** Splits a Clark name. */
export function splitClark(name: PropName): { ns: string; local: string } {
  const i = name.indexOf('}');
  return { ns: name.slice(1, i), local: name.slice(i + 1) };
}

/** Assigns prefixes: the well-known ones, then `x1`, `x2`, … for other namespaces. */
class Prefixes {
  readonly #byNs = new Map<string, string>(Object.entries(NS).map(([p, ns]) => [ns, p]));
  #next = 1;

  qname(name: PropName): string {
    const { ns, local } = splitClark(name);
    if (ns === '') return local;
    let p = this.#byNs.get(ns);
    if (p === undefined) {
      p = `x${this.#next++}`;
      this.#byNs.set(ns, p);
    }
    return `${p}:${local}`;
  }

  declarations(): Record<string, string> {
    return Object.fromEntries([...this.#byNs].map(([ns, p]) => [`@_xmlns:${p}`, ns]));
  }
}

const STATUS_TEXT: Record<number, string> = { 200: 'OK', 404: 'Not Found' };

/** Writes a 207 multistatus document (RFC 4918 §13). */
export function buildMultistatus(responses: readonly DavResponse[]): string {
  const px = new Prefixes();
  const propstat = (props: Record<string, unknown>, status: number) => ({
    'd:prop': props,
    'd:status': `HTTP/1.1 ${status} ${STATUS_TEXT[status]}`,
  });
  const body = responses.map((r) => {
    const stats: unknown[] = [];
    if (r.found.length > 0 || r.names) {
      const props: Record<string, unknown> = {};
      for (const [name, value] of r.found) {
        props[px.qname(name)] =
          typeof value === 'string'
            ? value
            : Object.fromEntries(value.elements.map((e) => [px.qname(e), '']));
      }
      for (const name of r.names ?? []) props[px.qname(name)] = '';
      stats.push(propstat(props, 200));
    }
    if (r.missing.length > 0) {
      stats.push(propstat(Object.fromEntries(r.missing.map((m) => [px.qname(m), ''])), 404));
    }
    return { 'd:href': r.href, 'd:propstat': stats };
  });
  // Prefixes are collected while building the body, so the root is assembled last.
  return builder.build({
    '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
    'd:multistatus': { ...px.declarations(), 'd:response': body },
  }) as string;
}

/** Writes a Sabre-style error document (`<d:error>` with `s:exception` and `s:message`). */
export function buildDavError(exception: string, message: string, code: string): string {
  return builder.build({
    '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
    'd:error': {
      '@_xmlns:d': NS.d,
      '@_xmlns:s': NS.s,
      's:exception': `Sabre\\DAV\\Exception\\${exception}`,
      's:message': message,
      's:sealfold-code': code,
    },
  }) as string;
}

/** Parses a multistatus document back into responses (used by tests and the fuzzer). */
export function parseMultistatusForTest(text: string): DavResponse[] {
  const root = parseXmlRoot(text);
  if (root.name !== '{DAV:}multistatus') bad('not a multistatus');
  return elements(childrenOf(root.node), root.scope).map((resp) => {
    let href = '';
    const found: [PropName, PropValue][] = [];
    const missing: PropName[] = [];
    for (const part of elements(childrenOf(resp.node), resp.scope)) {
      if (part.name === '{DAV:}href') href = textOf(part.node);
      if (part.name !== '{DAV:}propstat') continue;
      const inner = elements(childrenOf(part.node), part.scope);
      const status = textOf(inner.find((e) => e.name === '{DAV:}status')!.node);
      const prop = inner.find((e) => e.name === '{DAV:}prop');
      for (const p of prop ? elements(childrenOf(prop.node), prop.scope) : []) {
        if (status.includes(' 200 ')) {
          const kids = elements(childrenOf(p.node), p.scope);
          found.push([
            p.name,
            kids.length > 0 ? { elements: kids.map((k) => k.name) } : textOf(p.node),
          ]);
        } else missing.push(p.name);
      }
    }
    return { href, found, missing };
  });
}

function textOf(node: OrderedNode): string {
  return childrenOf(node)
    .map((c) => (typeof c['#text'] === 'string' ? c['#text'] : ''))
    .join('');
}

/** An element of a parsed request body: its Clark name, element children and text content. */
export interface XmlElement {
  readonly name: PropName;
  readonly children: readonly XmlElement[];
  /** The concatenated text directly inside the element (trimmed). */
  readonly text: string;
}

function toElement(e: {
  name: PropName;
  node: OrderedNode;
  scope: Map<string, string>;
}): XmlElement {
  const kids = childrenOf(e.node);
  const text = kids
    .map((k) => (typeof k['#text'] === 'string' ? k['#text'] : ''))
    .join('')
    .trim();
  return { name: e.name, children: elements(kids, e.scope).map(toElement), text };
}

/**
 * Parses a request body into an element tree (SEARCH bodies), with the limits of
 * {@link parseXmlRoot}.
 * @throws DavFailure 400 for a body that is not one well-formed XML element (E2EE-API-211).
 */
export function parseXmlElement(text: string): XmlElement {
  return toElement(parseXmlRoot(text));
}
