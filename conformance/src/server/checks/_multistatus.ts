/**
 * Reading a WebDAV 207 Multi-Status answer for the WebDAV checks: per `response` its href, the
 * properties of its `200` propstat (by local name) and the local names of its `404` propstat.
 *
 * @module
 */
import { XMLParser } from 'fast-xml-parser';
import { CheckFailure, type Reply } from '../check.js';
import { seen } from './_support.js';

/** One `d:response` of a multistatus answer. */
export interface DavEntry {
  href: string;
  /** Properties of the 200 propstat, by local name; element values stay objects. */
  found: Record<string, unknown>;
  /** Local names of the properties in a 404 propstat. */
  missing: string[];
}

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: true,
  parseTagValue: false,
  isArray: (name) => name === 'response' || name === 'propstat',
});

/** The responses of a 207 answer, or a failure when it is not a multistatus document. */
export function multistatus(reply: Reply, what: string): DavEntry[] {
  let doc: { multistatus?: { response?: unknown[] } | '' };
  try {
    doc = parser.parse(reply.text()) as typeof doc;
  } catch {
    doc = {};
  }
  if (doc.multistatus === undefined)
    throw new CheckFailure(`${what}: the answer is not a d:multistatus document`, {
      expected: 'd:multistatus',
      actual: seen(reply),
    });
  const out: DavEntry[] = [];
  for (const r of (doc.multistatus === '' ? {} : doc.multistatus).response ?? []) {
    const resp = r as { href?: unknown; propstat?: { status?: unknown; prop?: unknown }[] };
    const entry: DavEntry = { href: String(resp.href ?? ''), found: {}, missing: [] };
    for (const ps of resp.propstat ?? []) {
      const props = typeof ps.prop === 'object' && ps.prop !== null ? ps.prop : {};
      const status = String(ps.status ?? '');
      if (/\s200\s/.test(` ${status} `)) Object.assign(entry.found, props);
      else if (/\s404\s/.test(` ${status} `)) entry.missing.push(...Object.keys(props));
    }
    out.push(entry);
  }
  return out;
}

/** The entry whose href ends with `suffix` (a name, with `/` for folders), or a failure. */
export function entryFor(entries: readonly DavEntry[], suffix: string, what: string): DavEntry {
  const e = entries.find((x) => decodeURIComponent(x.href).replace(/\/$/, '').endsWith(suffix));
  if (e === undefined)
    throw new CheckFailure(`${what}: no response for ${suffix}`, {
      expected: suffix,
      actual: entries.map((x) => x.href),
    });
  return e;
}

/** A found property as text ('' for an empty element). */
export function text(e: DavEntry, name: string): string | undefined {
  const v = e.found[name];
  if (v === undefined) return undefined;
  return typeof v === 'string'
    ? v
    : v === '' || v === null
      ? ''
      : typeof v === 'object'
        ? ''
        : String(v);
}
