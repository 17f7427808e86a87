/**
 * WebDAV writes: PUT, MKCOL and DELETE (spec/14-webdav-and-shares.md §5–§6; E2EE-API-220,
 * E2EE-API-222, E2EE-API-230, E2EE-API-231, E2EE-API-233, E2EE-API-235).
 *
 * Inside an encrypted tree every write is handed to the transaction engine (`stagePut`,
 * `stageMkcol`, `stageDelete`), which checks the lock token and stages the change; outside, the
 * file tree is changed directly. Either way the change is one store transaction.
 *
 * @module
 */
import type { Request, Response } from 'express';
import type { NodeRecord, StoreView, Tx } from '../../store/index.js';
import { tree } from '../../store/index.js';
import { e2eeOptions, stageDelete, stageMkcol, stagePut, withE2ee } from '../../e2ee/index.js';
import { DavFailure, dav } from './_errors.js';
import {
  containsEncrypted,
  inEncryptedTree,
  isShareRoot,
  ocFileId,
  resolveDav,
  type DavNode,
} from './_view.js';
import { removePlain } from './_e2ee-bridge.js';
import { addressed, assertE2eeGate } from './read.js';
import { hasBody, type DavContext } from './_context.js';
import type { FaultSwitches } from '../../faults.js';

/** OCS share permission bits. */
export const PERM = { read: 1, update: 2, create: 4, delete: 8, share: 16 } as const;

/** E2EE-API-235: the user's rights on `d` must include `bit`. */
export function assertPermission(
  faults: FaultSwitches,
  d: DavNode,
  bit: number,
  what: string,
): void {
  // E2EE-API-235 (MUST, server): recipients get only what the share grants.
  if ((d.v.permissions & bit) === 0 && !faults.on('read-only-recipient-can-write'))
    throw dav.forbidden(`you may not ${what} here`);
}

/** The existing parent folder of the addressed path (409 when it does not exist). */
export function parentOf(view: StoreView, c: DavContext, segments: readonly string[]): DavNode {
  const parent = resolveDav(view, c.uid, segments.slice(0, -1));
  if (parent === undefined || parent.v.node.kind !== 'folder') {
    throw dav.conflict('the parent folder does not exist');
  }
  return parent;
}

/** A committed child of `parent` with exactly `name` (no staged fallback), as `uid` sees it. */
export function committedChild(
  view: StoreView,
  uid: string,
  parent: DavNode,
  name: string,
): DavNode | undefined {
  const n = tree.childByName(view, parent.v.node.id, name);
  const v = n === undefined ? undefined : tree.visibleTo(view, uid, n.id);
  return v ? { v, segments: [...parent.segments, name] } : undefined;
}

function sendWritten(res: Response, status: number, n: NodeRecord): void {
  res
    .status(status)
    .set({ ETag: `"${n.etag}"`, 'OC-ETag': `"${n.etag}"`, 'OC-FileId': ocFileId(n.id) })
    .end();
}

/** Creates or overwrites file `name` in `parentId`; returns [id, created]. */
function writeFile(tx: Tx, nowSec: number, parentId: number, name: string, body: Uint8Array) {
  const existing = tree.childByName(tx, parentId, name);
  if (existing?.kind === 'folder') throw dav.notAllowed('the target is a folder');
  if (existing) return [tree.writeContent(tx, nowSec, existing.id, body).id, false] as const;
  return [
    tree.createNode(tx, nowSec, { parent: parentId, name, kind: 'file', content: body }).id,
    true,
  ] as const;
}

/** PUT (E2EE-API-231, E2EE-API-222). */
export function handlePut(c: DavContext, _req: Request, res: Response): void {
  const { segments } = c.loc;
  if (segments.length === 0) throw dav.notAllowed('cannot PUT to the root folder');
  const view = c.deps.store;
  const parent = parentOf(view, c, segments);
  const name = segments.at(-1)!;
  assertE2eeGate(view, c, parent.v.node.id);
  const existing = committedChild(view, c.uid, parent, name);
  // E2EE-API-231 (MUST, server): a folder (or a share mount) cannot be overwritten by a file.
  if (resolveDav(view, c.uid, segments)?.v.node.kind === 'folder') {
    throw dav.notAllowed('the target is a folder');
  }
  if (existing) assertPermission(c.deps.faults, existing, PERM.update, 'change this file');
  else assertPermission(c.deps.faults, parent, PERM.create, 'create files');
  const nowSec = Math.floor(c.nowMs / 1000);
  const body = new Uint8Array(c.body);
  const [id, created] = withE2ee(c.deps.store, e2eeOptions(c.deps), (ctx, tx) => {
    if (!inEncryptedTree(tx, parent.v.node.id)) {
      return writeFile(tx, nowSec, parent.v.node.id, name, body);
    }
    let made = false;
    // E2EE-API-222 (MUST, server): writes in encrypted trees go through the engine (token, staging).
    const staged = stagePut(
      ctx,
      { user: c.uid, token: c.token },
      parent.v.node.id,
      name,
      (pid, stagedName) => {
        const [sid, fresh] = writeFile(tx, nowSec, pid, stagedName, body);
        made = fresh;
        return sid;
      },
    );
    return [staged, made] as const;
  });
  sendWritten(res, created ? 201 : 204, tree.getNode(c.deps.store, id)!);
}

/** MKCOL (E2EE-API-230, E2EE-API-222). */
export function handleMkcol(c: DavContext, req: Request, res: Response): void {
  // E2EE-API-230 (MUST, server): MKCOL with a body is not understood.
  if (hasBody(req) && !c.deps.faults.on('mkcol-accepts-body'))
    throw dav.mediaType('MKCOL does not take a body');
  const { segments } = c.loc;
  if (segments.length === 0) throw dav.notAllowed('the root folder exists');
  const view = c.deps.store;
  const parent = parentOf(view, c, segments);
  const name = segments.at(-1)!;
  assertE2eeGate(view, c, parent.v.node.id);
  // E2EE-API-230 (MUST, server): an existing name answers 405.
  if (resolveDav(view, c.uid, segments) !== undefined) throw dav.notAllowed('the name exists');
  assertPermission(c.deps.faults, parent, PERM.create, 'create folders');
  const nowSec = Math.floor(c.nowMs / 1000);
  const create = (tx: Tx, pid: number, n: string) => {
    if (tree.childByName(tx, pid, n) !== undefined) throw dav.notAllowed('the name exists');
    return tree.createNode(tx, nowSec, { parent: pid, name: n, kind: 'folder' }).id;
  };
  const id = withE2ee(c.deps.store, e2eeOptions(c.deps), (ctx, tx) => {
    if (!inEncryptedTree(tx, parent.v.node.id)) return create(tx, parent.v.node.id, name);
    return stageMkcol(ctx, { user: c.uid, token: c.token }, parent.v.node.id, name, (pid, staged) =>
      create(tx, pid, staged),
    );
  });
  sendWritten(res, 201, tree.getNode(c.deps.store, id)!);
}

/** DELETE (E2EE-API-233, E2EE-API-222). */
export function handleDelete(c: DavContext, _req: Request, res: Response): void {
  const { segments } = c.loc;
  // E2EE-API-233 (MUST, server): the user's root cannot be deleted.
  if (segments.length === 0 && !c.deps.faults.on('delete-root-not-refused'))
    throw dav.forbidden('cannot delete the root folder');
  const view = c.deps.store;
  const d = addressed(view, c);
  // A name that only exists staged for deletion is already gone for this request.
  if (d.v.node.name !== segments.at(-1) && !isShareRoot(d)) throw dav.notFound('File not found');
  // E2EE-API-235 (MUST, server): a recipient leaves a share through the share API, not DELETE.
  if (isShareRoot(d)) throw dav.forbidden('the root of a received share cannot be deleted');
  assertE2eeGate(view, c, d.v.node.id);
  if (!c.e2eeClient && containsEncrypted(view, d.v.node.id)) {
    throw new DavFailure(403, 'Forbidden', 'FORBIDDEN', 'the folder contains encrypted folders');
  }
  assertPermission(c.deps.faults, d, PERM.delete, 'delete');
  withE2ee(c.deps.store, e2eeOptions(c.deps), (ctx, tx) => {
    if (inEncryptedTree(tx, d.v.node.id)) {
      // E2EE-API-222 (MUST, server): DELETE in an encrypted tree is staged by the engine.
      stageDelete(ctx, { user: c.uid, token: c.token }, d.v.node.id);
    } else {
      removePlain(ctx, tx, Math.floor(c.nowMs / 1000), d.v.node.id);
    }
  });
  res.status(204).end();
}
