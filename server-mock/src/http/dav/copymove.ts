/**
 * WebDAV MOVE and COPY (spec/14-webdav-and-shares.md §5–§6; E2EE-API-220, E2EE-API-222,
 * E2EE-API-800, E2EE-API-801, E2EE-API-802, E2EE-API-234, E2EE-API-235).
 *
 * Check order: source, `Destination`, `Overwrite`, target folder, E2EE gate, tree crossing,
 * permissions; then one store transaction that either stages the change through the engine
 * (`stageMove`, `stageCopy`) inside an encrypted tree or changes the tree directly.
 *
 * @module
 */
import type { Request, Response } from 'express';
import type { Tx } from '../../store/index.js';
import { tree } from '../../store/index.js';
import { e2eeOptions, stageCopy, stageMove, visibleName, withE2ee } from '../../e2ee/index.js';
import { DavFailure, dav } from './_errors.js';
import { parseDestination } from './_paths.js';
import {
  containsEncrypted,
  inEncryptedTree,
  isShareRoot,
  resolveDav,
  subtreeIds,
} from './_view.js';
import { removePlain } from './_e2ee-bridge.js';
import { addressed, assertE2eeGate } from './read.js';
import { PERM, assertPermission, parentOf } from './write.js';
import type { DavContext } from './_context.js';

/** E2EE-API-234: `Overwrite: T` (default) or `F`; anything else is malformed. */
export function parseOverwrite(header: string | undefined): boolean {
  if (header === undefined) return true;
  const v = header.trim().toUpperCase();
  if (v === 'T') return true;
  if (v === 'F') return false;
  // E2EE-API-234 (MUST, server): only T and F exist.
  throw dav.badRequest('Overwrite must be T or F');
}

/** Copies a node and its subtree to `parentId/name` with new file ids; returns the new id. */
function copyTree(tx: Tx, nowSec: number, srcId: number, parentId: number, name: string): number {
  const src = tree.getNode(tx, srcId)!;
  const made = tree.createNode(tx, nowSec, {
    parent: parentId,
    name,
    kind: src.kind,
    ...(src.content ? { content: src.content } : {}),
  });
  const encrypted = tree.isInEncryptedTree(tx, srcId);
  for (const child of tx.childrenOf(srcId)) {
    // Inside an encrypted tree a copy holds the committed state only (E2EE-API-806): staged saves
    // are left out and staged deletes keep their original names.
    const name = encrypted ? visibleName(child.name) : child.name;
    if (name !== null) copyTree(tx, nowSec, child.id, made.id, name);
  }
  return made.id;
}

/** MOVE or COPY (E2EE-API-234). */
export function handleCopyMove(
  c: DavContext,
  req: Request,
  res: Response,
  kind: 'MOVE' | 'COPY',
): void {
  const view = c.deps.store;
  if (c.loc.segments.length === 0) throw dav.forbidden(`cannot ${kind} the root folder`);
  const src = addressed(view, c);
  if (src.v.node.name !== c.loc.segments.at(-1) && !isShareRoot(src)) {
    throw dav.notFound('File not found');
  }
  // E2EE-API-235 (MUST, server): a received share's root stays where the share put it.
  if (kind === 'MOVE' && isShareRoot(src)) throw dav.forbidden('cannot move a received share');
  const dest = parseDestination(req.get('destination'));
  // E2EE-API-234 (MUST, server): the target is in the user's own tree.
  if (dest.user !== c.uid) throw dav.forbidden('the destination is not in your file tree');
  const overwrite = parseOverwrite(req.get('overwrite'));
  if (dest.segments.length === 0) throw dav.forbidden('cannot overwrite the root folder');
  if (dest.segments.join('/') === c.loc.segments.join('/')) {
    throw dav.forbidden('source and destination are the same');
  }
  const destParent = parentOf(view, c, dest.segments);
  const destName = dest.segments.at(-1)!;
  if (subtreeIds(view, src.v.node.id).includes(destParent.v.node.id)) {
    throw dav.conflict('a folder cannot be moved or copied into itself');
  }
  assertE2eeGate(view, c, src.v.node.id);
  assertE2eeGate(view, c, destParent.v.node.id);
  if (containsEncrypted(view, src.v.node.id) && (!c.e2eeClient || kind === 'COPY')) {
    // A copy of an encrypted folder would carry ciphertext without its metadata.
    throw new DavFailure(403, 'Forbidden', 'FORBIDDEN', 'encrypted folders cannot be copied');
  }
  const encrypted = inEncryptedTree(view, src.v.node.id);
  // E2EE-API-800 (MUST, server): no MOVE or COPY between encrypted and plain trees.
  if (
    encrypted !== inEncryptedTree(view, destParent.v.node.id) &&
    !c.deps.faults.on('move-across-encryption-boundary')
  ) {
    throw new DavFailure(
      403,
      'Forbidden',
      'FORBIDDEN',
      'Cannot copy or move files from non-encrypted folders to end to end encrypted folders or vice versa',
    );
  }
  const existing = resolveDav(view, c.uid, dest.segments);
  if (existing !== undefined) {
    if (existing.v.node.id === src.v.node.id)
      throw dav.forbidden('source and destination are the same');
    // E2EE-API-234 (MUST, server): replacing the destination would delete the source with it.
    if (subtreeIds(view, existing.v.node.id).includes(src.v.node.id))
      throw dav.forbidden('the destination contains the source');
    // E2EE-API-234 (MUST, server): Overwrite: F never replaces.
    if (!overwrite) throw dav.precondition('the destination exists');
    if (isShareRoot(existing)) throw dav.forbidden('cannot replace a received share');
    assertPermission(c.deps.faults, existing, PERM.delete, 'replace the destination');
  }
  if (kind === 'MOVE') assertPermission(c.deps.faults, src, PERM.delete, 'move this');
  else assertPermission(c.deps.faults, src, PERM.read, 'read this');
  assertPermission(c.deps.faults, destParent, PERM.create, 'create here');

  const nowSec = Math.floor(c.nowMs / 1000);
  const actor = { user: c.uid, token: c.token };
  withE2ee(c.deps.store, e2eeOptions(c.deps), (ctx, tx) => {
    if (encrypted) {
      // E2EE-API-222 (MUST, server): staged by the engine; the commit replaces the target.
      if (kind === 'MOVE') stageMove(ctx, actor, src.v.node.id, destParent.v.node.id, destName);
      else
        stageCopy(ctx, actor, src.v.node.id, destParent.v.node.id, destName, (s, p, n) =>
          copyTree(tx, nowSec, s, p, n),
        );
      return;
    }
    if (existing !== undefined) removePlain(ctx, tx, nowSec, existing.v.node.id);
    if (kind === 'MOVE') tree.moveNode(tx, nowSec, src.v.node.id, destParent.v.node.id, destName);
    else copyTree(tx, nowSec, src.v.node.id, destParent.v.node.id, destName);
  });
  res.status(existing !== undefined ? 204 : 201).end();
}
