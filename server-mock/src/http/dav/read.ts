/**
 * WebDAV reads: PROPFIND (depth 0 and 1; prop, propname, allprop) and GET/HEAD
 * (spec/14-webdav-and-shares.md §4–§6; E2EE-API-819..821, E2EE-API-211..216, E2EE-API-220, E2EE-API-232).
 *
 * @module
 */
import type { Request, Response } from 'express';
import type { StoreView } from '../../store/index.js';
import { e2eeGateHint } from '../auth.js';
import { DavFailure, dav } from './_errors.js';
import { hrefFor } from './_paths.js';
import { buildMultistatus, parsePropfind, type DavResponse, type PropName } from './_xml.js';
import {
  ALLPROP_EXCLUDED,
  inEncryptedTree,
  listDav,
  ocFileId,
  propertiesOf,
  resolveDav,
  type DavNode,
  type PropEnv,
} from './_view.js';
import { readE2eeState } from '../../e2ee/index.js';
import type { DavContext } from './_context.js';

/**
 * E2EE-API-212: Depth `0`, `1` or absent (→ 1); `infinity` is refused with the
 * `propfind-finite-depth` precondition (403), anything else 400.
 */
export function parseDepth(header: string | undefined): 0 | 1 {
  if (header === undefined) return 1;
  const v = header.trim().toLowerCase();
  if (v === '0') return 0;
  if (v === '1') return 1;
  // E2EE-API-212 (MUST, server): no infinite walks; garbage is a client error.
  if (v === 'infinity')
    throw new DavFailure(403, 'Forbidden', 'FORBIDDEN', 'propfind-finite-depth');
  throw dav.badRequest('Depth must be 0 or 1');
}

/** The node addressed by the request, or 404. */
export function addressed(view: StoreView, c: DavContext): DavNode {
  const d = resolveDav(view, c.uid, c.loc.segments);
  // E2EE-API-202 (MUST, server): what the user cannot see does not exist for them.
  if (d === undefined) throw dav.notFound('File not found');
  return d;
}

/** A received share's mount in the recipient's root listing, left out under a fault switch. */
function hiddenMount(c: DavContext, d: DavNode): boolean {
  // E2EE-API-202 (MUST, server): the root lists one mount per received user share.
  return (
    d.segments.length === 1 && d.v.share !== null && c.deps.faults.on('share-not-listed-at-root')
  );
}

/** E2EE-API-220: encrypted content is only for E2EE clients. */
export function assertE2eeGate(view: StoreView, c: DavContext, id: number): void {
  // E2EE-API-220 (MUST, server): ordinary clients get 403 inside encrypted trees (SRV-8).
  if (!c.e2eeClient && inEncryptedTree(view, id)) {
    throw new DavFailure(
      403,
      'Forbidden',
      'FORBIDDEN',
      // E2EE-API-407 (MUST, server): the refusal says how to pass the gate.
      `Client is not allowed to access end-to-end encrypted content. ${e2eeGateHint(c.deps.config.profile)}`,
    );
  }
}

/** PROPFIND (E2EE-API-819..821, E2EE-API-211..216). */
export function handlePropfind(c: DavContext, req: Request, res: Response): void {
  // E2EE-API-212 (MUST, server): an absent Depth is 1.
  const depth = parseDepth(
    req.get('depth') ?? (c.deps.faults.on('absent-depth-as-zero') ? '0' : undefined),
  );
  const request = parsePropfind(c.body.toString('utf8'), c.deps.faults);
  const view = c.deps.store;
  const target = addressed(view, c);
  assertE2eeGate(view, c, target.v.node.id);
  const state = readE2eeState(view);
  const env: PropEnv = {
    profile: c.deps.config.profile,
    faults: c.deps.faults,
    e2eeClient: c.e2eeClient,
    metadata: (id) => {
      const m = state.meta[String(id)];
      return m?.doc === undefined ? undefined : { doc: m.doc, signature: m.signature ?? '' };
    },
  };
  const nodes =
    depth === 1 && target.v.node.kind === 'folder'
      ? [target, ...listDav(view, c.uid, target, c.deps.faults).filter((d) => !hiddenMount(c, d))]
      : [target];
  const responses: DavResponse[] = nodes.map((d) => {
    const props = propertiesOf(view, d, env);
    const href = hrefFor(c.uid, d.segments, d.v.node.kind === 'folder');
    if (request.kind === 'propname')
      return { href, found: [], missing: [], names: [...props.keys()] };
    const wanted: readonly PropName[] =
      request.kind === 'prop'
        ? request.props
        : [
            ...[...props.keys()].filter((k) => !ALLPROP_EXCLUDED.includes(k)),
            ...request.include.filter((k) => props.has(k) && ALLPROP_EXCLUDED.includes(k)),
          ];
    return {
      href,
      found: wanted.filter((k) => props.has(k)).map((k) => [k, props.get(k)!] as const),
      // E2EE-API-821 (MUST, server): unknown properties come back in a 404 propstat.
      missing:
        request.kind === 'prop' && !c.deps.faults.on('unknown-properties-omitted')
          ? wanted.filter((k) => !props.has(k))
          : [],
    };
  });
  res
    .status(207)
    .type('application/xml; charset=utf-8')
    .set('DAV', '1, 3')
    .send(buildMultistatus(responses));
}

/** GET and HEAD of a file (E2EE-API-232). */
export function handleGet(c: DavContext, _req: Request, res: Response, head: boolean): void {
  const view = c.deps.store;
  const d = addressed(view, c);
  // E2EE-API-220 (MUST, server): GET and HEAD are not gated; the content is ciphertext, and the
  // real app serves it to every client (Nextcloud's web client downloads without the header).
  const n = d.v.node;
  // E2EE-API-232 (MUST, server): folders have no body to GET.
  if (n.kind !== 'file' && !c.deps.faults.on('get-folder-answers-200'))
    throw dav.notAllowed('GET is only implemented on files');
  const body = Buffer.from(n.content ?? new Uint8Array(0));
  res.status(200).set({
    'Content-Type': 'application/octet-stream',
    'Content-Length': String(body.length),
    ETag: `"${n.etag}"`,
    'OC-ETag': `"${n.etag}"`,
    'OC-FileId': ocFileId(n.id),
    'Last-Modified': new Date(n.mtime * 1000).toUTCString(),
  });
  if (head) res.end();
  else res.end(body);
}
