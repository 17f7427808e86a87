/**
 * Commit and revert of one token's transaction (spec/11-locking.md §5, E2EE-LOCK-050..059).
 *
 * A transaction is everything written under one lock token: intermediate metadata of the folders
 * in `touched[token]` and the WebDAV entries in `staged[token]`. Commit renames `*.e2e-to-save`
 * to their final names, really deletes `*.e2e-to-delete`, and promotes intermediate metadata,
 * signature and counter (an intermediate `{}` deletes the folder's metadata), deepest folder
 * first. Revert undoes the staging and drops the intermediates.
 *
 * @module
 */

import { DELETE_SUFFIX, SAVE_SUFFIX, stripSuffix } from './_names.js';
import { depth } from './tree.js';
import type { E2eeContext } from './context.js';

/**
 * Deletes a node and its subtree, and every piece of E2EE state attached to the removed folders
 * (metadata directory, lock). Returns the removed ids.
 */
export function removeNode(ctx: E2eeContext, id: number): number[] {
  const removed = ctx.tree.remove(id);
  for (const r of removed) {
    delete ctx.state.meta[String(r)];
    delete ctx.state.locks[String(r)];
  }
  return removed;
}

/** Moves a node to `parentId/name`, deleting whatever held that name before. */
function moveReplacing(ctx: E2eeContext, id: number, parentId: number, name: string): void {
  const existing = ctx.tree.child(parentId, name);
  if (existing !== undefined && existing.id !== id) removeNode(ctx, existing.id);
  ctx.tree.move(id, parentId, name);
}

/** Folders with intermediate state under `token`, plus `extra`, deepest first (E2EE-LOCK-051). */
function touchedDeepestFirst(ctx: E2eeContext, token: string, extra: number[]): number[] {
  const ids = [...new Set([...(ctx.state.touched[token] ?? []), ...extra])];
  const d = new Map(ids.map((i) => [i, ctx.tree.node(i) === undefined ? -1 : depth(ctx.tree, i)]));
  return ids.sort((a, b) => (d.get(b) ?? 0) - (d.get(a) ?? 0) || a - b);
}

/**
 * Commits the transaction of `token`. `extra` names folders to commit even if not touched (the
 * locked folder itself under the v1 API). Returns the ids whose metadata was promoted.
 */
export function commitToken(ctx: E2eeContext, token: string, extra: number[]): number[] {
  const staged = [...(ctx.state.staged[token] ?? [])];
  const d = new Map(staged.map((s) => [s.id, ctx.tree.node(s.id) ? depth(ctx.tree, s.id) : -1]));
  // E2EE-LOCK-051 (MUST, server): entries are finalised deepest first.
  staged.sort((a, b) => (d.get(b.id) ?? 0) - (d.get(a.id) ?? 0));
  for (const s of staged) {
    const node = ctx.tree.node(s.id);
    if (node === undefined || node.parentId === null) continue;
    if (s.op === 'save' && node.name.endsWith(SAVE_SUFFIX)) {
      // E2EE-LOCK-052 (MUST, server): `X.e2e-to-save` replaces `X` at commit.
      moveReplacing(ctx, s.id, node.parentId, stripSuffix(node.name, SAVE_SUFFIX));
    } else if (s.op === 'delete' && node.name.endsWith(DELETE_SUFFIX)) {
      // E2EE-LOCK-053 (MUST, server): `X.e2e-to-delete` is really deleted at commit.
      removeNode(ctx, s.id);
    }
  }
  const promoted: number[] = [];
  for (const id of touchedDeepestFirst(ctx, token, extra)) {
    const rec = ctx.state.meta[String(id)];
    if (rec === undefined) continue;
    if (ctx.tree.node(id) === undefined) {
      delete ctx.state.meta[String(id)];
      continue;
    }
    const inter = rec.intermediate;
    if (inter === undefined) {
      delete rec.intermediateCounter;
      continue;
    }
    promoted.push(id);
    // E2EE-LOCK-054 (MUST, server): an intermediate `{}` deletes the folder's metadata.
    if (inter.doc === '{}') {
      delete ctx.state.meta[String(id)];
      continue;
    }
    // E2EE-LOCK-050 (MUST, server): promote document, signature and counter together.
    rec.doc = inter.doc;
    if (inter.signature !== undefined) rec.signature = inter.signature;
    if (rec.intermediateCounter !== undefined) rec.counter = rec.intermediateCounter;
    delete rec.intermediate;
    delete rec.intermediateCounter;
  }
  delete ctx.state.touched[token];
  delete ctx.state.staged[token];
  return promoted;
}

/**
 * Reverts the transaction of `token`: staged saves are deleted (a staged move goes back where it
 * came from), staged deletes get their names back, intermediates of the touched folders and of
 * `extra` are dropped (E2EE-LOCK-055).
 */
export function revertToken(ctx: E2eeContext, token: string, extra: number[]): void {
  const staged = [...(ctx.state.staged[token] ?? [])].reverse();
  for (const s of staged) {
    const node = ctx.tree.node(s.id);
    if (node === undefined || node.parentId === null) continue;
    if (s.op === 'save' && node.name.endsWith(SAVE_SUFFIX)) {
      if (s.origin !== undefined && ctx.tree.node(s.origin.parentId) !== undefined) {
        moveReplacing(ctx, s.id, s.origin.parentId, s.origin.name);
      } else {
        removeNode(ctx, s.id);
      }
    } else if (s.op === 'delete' && node.name.endsWith(DELETE_SUFFIX)) {
      moveReplacing(ctx, s.id, node.parentId, stripSuffix(node.name, DELETE_SUFFIX));
    }
  }
  for (const id of touchedDeepestFirst(ctx, token, extra)) {
    const rec = ctx.state.meta[String(id)];
    if (rec === undefined) continue;
    delete rec.intermediate;
    delete rec.intermediateCounter;
  }
  delete ctx.state.touched[token];
  delete ctx.state.staged[token];
}

/** Records that `token` wrote intermediate metadata for folder `id` (`tokens/<token>/<id>`). */
export function markTouched(ctx: E2eeContext, token: string, id: number): void {
  const list = (ctx.state.touched[token] ??= []);
  if (!list.includes(id)) list.push(id);
}
