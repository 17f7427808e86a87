/**
 * What the WebDAV handlers add to the engine's store adapter (`../e2ee/store-adapter.ts`):
 * deleting a node outside encrypted trees together with the engine state of the encrypted
 * folders that go with it.
 *
 * @module
 */
import type { Tx } from '../../store/index.js';
import { tree } from '../../store/index.js';
import type { E2eeContext } from '../../e2ee/index.js';
import { DavFailure } from './_errors.js';

/**
 * Deletes a node outside encrypted trees, and the metadata directories of every encrypted folder
 * removed with it (inside `withE2ee`, so the state is saved in the same transaction).
 * @throws DavFailure 423 when a folder below is locked, so no client's transaction is broken
 */
export function removePlain(ctx: E2eeContext, tx: Tx, nowSec: number, id: number): number[] {
  const removed = tree.deleteNode(tx, nowSec, id);
  for (const r of removed) {
    if (ctx.state.locks[String(r)] !== undefined) {
      throw new DavFailure(423, 'Locked', 'LOCK_CONFLICT', 'an encrypted folder below is locked');
    }
    delete ctx.state.meta[String(r)];
  }
  return removed;
}
