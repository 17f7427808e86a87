/**
 * The encrypted flag of folders and the reset of a user's encrypted folders
 * (spec/12-metadata-api.md §2, §6; the Nextcloud app's `EncryptionManager`).
 *
 * @module
 */

import { E2eeFailure } from './profiles.js';
import type { E2eeContext } from './context.js';
import { removeNode } from './_transaction.js';

/** Throws FLAG_NOT_FOUND unless `id` is an empty folder the user sees and does not share. */
function assertFlaggable(ctx: E2eeContext, user: string, id: number, clear: boolean): void {
  const node = ctx.tree.node(id);
  if (node === undefined || node.kind !== 'folder' || !ctx.tree.canAccess(user, id)) {
    throw new E2eeFailure('FLAG_NOT_FOUND', `no folder with id ${id}`);
  }
  // E2EE-API-111 (MUST, server): the flag changes only on an empty folder, so existing plaintext
  // never becomes "encrypted" and encrypted content never becomes plain.
  const ignoreContent = clear && ctx.faults.on('clear-e2ee-flag-with-content');
  if (ctx.tree.children(id).length > 0 && !ignoreContent) {
    throw new E2eeFailure('FLAG_NOT_FOUND', `folder with id ${id} not empty`);
  }
  if (ctx.tree.isSharedBy(user, id)) {
    throw new E2eeFailure('FLAG_NOT_FOUND', `folder with id ${id} is shared`);
  }
}

/**
 * `PUT /encrypted/{id}`: sets the folder's E2EE flag (E2EE-API-110).
 *
 * @throws E2eeFailure FLAG_NOT_FOUND
 */
export function setEncryptedFlag(ctx: E2eeContext, user: string, id: number): void {
  assertFlaggable(ctx, user, id, false);
  ctx.tree.setEncrypted(id, true);
  ctx.audit({ action: 'flag-set', user, folderId: id, tokenFingerprint: null });
}

/**
 * `DELETE /encrypted/{id}`: clears the flag of an *empty* folder and deletes its metadata and lock
 * (E2EE-API-111). A folder with content keeps its flag (invariant SRV-8).
 *
 * @throws E2eeFailure FLAG_NOT_FOUND
 */
export function clearEncryptedFlag(ctx: E2eeContext, user: string, id: number): void {
  assertFlaggable(ctx, user, id, true);
  ctx.tree.setEncrypted(id, false);
  delete ctx.state.meta[String(id)];
  const lock = ctx.state.locks[String(id)];
  if (lock !== undefined) {
    delete ctx.state.touched[lock.token];
    delete ctx.state.staged[lock.token];
    delete ctx.state.locks[String(id)];
  }
  ctx.audit({ action: 'flag-clear', user, folderId: id, tokenFingerprint: null });
}

/**
 * `DELETE /encrypted-files`: deletes every flagged folder the user owns, with everything inside,
 * its metadata and locks; returns the ids of the deleted top folders in ascending order
 * (E2EE-API-150). The caller has checked the password confirmation (E2EE-API-060).
 */
export function resetEncryptedFolders(ctx: E2eeContext, user: string, flagged: number[]): number[] {
  const deleted: number[] = [];
  for (const id of [...flagged].sort((a, b) => a - b)) {
    const node = ctx.tree.node(id);
    if (node === undefined || node.owner !== user || !node.encrypted || node.parentId === null) {
      continue;
    }
    // E2EE-API-150 (MUST, server): the folder goes with everything below it.
    const removed = ctx.faults.on('reset-answers-without-deleting') ? [] : removeNode(ctx, id);
    for (const [token, entries] of Object.entries(ctx.state.staged)) {
      ctx.state.staged[token] = entries.filter((e) => !removed.includes(e.id));
    }
    for (const [token, ids] of Object.entries(ctx.state.touched)) {
      ctx.state.touched[token] = ids.filter((i) => !removed.includes(i));
    }
    deleted.push(id);
  }
  ctx.audit({ action: 'reset', user, folderId: 0, tokenFingerprint: null, detail: { deleted } });
  return deleted;
}
