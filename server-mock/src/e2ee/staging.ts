/**
 * WebDAV writes inside encrypted folders (spec/11-locking.md §4, E2EE-LOCK-040..047;
 * the Nextcloud app's `RedirectRequestPlugin` and `LockPlugin`).
 *
 * The WebDAV handlers call these functions for every write whose target lies in an encrypted
 * path ({@link isEncryptedPath}). Each one checks the lock token, then stores the change under a
 * staged name and records it for the token's commit or revert at unlock:
 *
 * | Request        | Stored as                                  | At commit          | At abort       |
 * |----------------|--------------------------------------------|--------------------|----------------|
 * | PUT/MKCOL X    | `X.e2e-to-save`                            | renamed to `X`     | deleted        |
 * | DELETE X       | `X` renamed to `X.e2e-to-delete` (204)     | deleted            | renamed back   |
 * | COPY/MOVE → X  | destination `X.e2e-to-save`                | renamed to `X`     | deleted / moved back |
 *
 * Readers: listings hide `*.e2e-to-save` and show `*.e2e-to-delete` under the original name
 * ({@link visibleName}); `GET X` of a name that exists only as `X.e2e-to-delete` is served from
 * it ({@link resolveGetTarget}).
 *
 * @module
 */

import { E2eeFailure } from './profiles.js';
import { lockView, touchActivity, type E2eeContext } from './context.js';
import { DELETE_SUFFIX, SAVE_SUFFIX, hasReservedSuffix } from './_names.js';
import { removeNode } from './_transaction.js';
import { isEncryptedPath, type E2eeTree, type TreeNode } from './tree.js';

export { hasReservedSuffix, isHiddenStagedName, visibleName } from './_names.js';
export { isEncryptedPath } from './tree.js';

/** Who writes: the authenticated user and the lock token from `e2e-token` (header or query). */
export interface DavActor {
  user: string;
  /** `undefined` or `''` when the request carried no token. */
  token: string | undefined;
}

/**
 * Throws unless `actor` may write at `targetId` (the addressed node if it exists, else its parent
 * folder): a token must be sent, and it must hold a lock on the target or an ancestor with no
 * other token's lock on the way (E2EE-LOCK-040, E2EE-LOCK-041).
 *
 * @throws E2eeFailure DAV_NO_TOKEN, DAV_NOT_LOCKED
 */
export function assertWriteAllowed(ctx: E2eeContext, actor: DavActor, targetId: number): string {
  const token = actor.token ?? '';
  // E2EE-LOCK-040 (MUST, server): a write inside an encrypted path needs a lock token.
  if (token === '') throw new E2eeFailure('DAV_NO_TOKEN', 'requires token - no token sent');
  // E2EE-LOCK-041 (MUST, server): the token must hold the lock of the target or an ancestor.
  if (lockView(ctx, actor.user, targetId, token) !== 'mine') {
    throw new E2eeFailure('DAV_NOT_LOCKED', 'the folder is not locked with this token');
  }
  touchActivity(ctx, token);
  return token;
}

function assertPlainName(ctx: E2eeContext, name: string): void {
  // E2EE-LOCK-042 (MUST, server): clients cannot address the staging suffixes themselves.
  const reserved = hasReservedSuffix(name) && !ctx.faults.on('allow-reserved-suffix');
  if (reserved || name === '' || name.includes('/')) {
    throw new E2eeFailure('DAV_RESERVED_NAME', 'not allowed to create file with reserved suffix');
  }
}

function record(
  ctx: E2eeContext,
  token: string,
  entry: { id: number; op: 'save' | 'delete'; origin?: { parentId: number; name: string } },
): void {
  const list = (ctx.state.staged[token] ??= []);
  if (!list.some((e) => e.id === entry.id && e.op === entry.op)) list.push(entry);
}

/**
 * Stages `PUT parent/name`: `write(parentId, stagedName)` stores the body at `name.e2e-to-save`
 * (creating or overwriting that node) and returns its file id (E2EE-LOCK-043).
 *
 * @throws E2eeFailure DAV_RESERVED_NAME, DAV_NO_TOKEN, DAV_NOT_LOCKED
 */
export function stagePut(
  ctx: E2eeContext,
  actor: DavActor,
  parentId: number,
  name: string,
  write: (parentId: number, stagedName: string) => number,
): number {
  assertPlainName(ctx, name);
  const token = assertWriteAllowed(ctx, actor, ctx.tree.child(parentId, name)?.id ?? parentId);
  const id = write(parentId, name + SAVE_SUFFIX);
  record(ctx, token, { id, op: 'save' });
  return id;
}

/**
 * Stages `MKCOL parent/name`: `create(parentId, stagedName)` creates the folder
 * `name.e2e-to-save` and returns its file id (E2EE-LOCK-043).
 *
 * @throws E2eeFailure DAV_RESERVED_NAME, DAV_NO_TOKEN, DAV_NOT_LOCKED
 */
export function stageMkcol(
  ctx: E2eeContext,
  actor: DavActor,
  parentId: number,
  name: string,
  create: (parentId: number, stagedName: string) => number,
): number {
  return stagePut(ctx, actor, parentId, name, create);
}

/**
 * Stages `DELETE X`: renames `X` to `X.e2e-to-delete` (answer 204) (E2EE-LOCK-044). Deleting
 * the top encrypted folder itself is allowed: it is staged in its (unencrypted) parent.
 *
 * @throws E2eeFailure DAV_NOT_FOUND, DAV_RESERVED_NAME, DAV_NO_TOKEN, DAV_NOT_LOCKED
 */
export function stageDelete(ctx: E2eeContext, actor: DavActor, id: number): void {
  const node = ctx.tree.node(id);
  if (node === undefined || node.parentId === null || !ctx.tree.canAccess(actor.user, id)) {
    throw new E2eeFailure('DAV_NOT_FOUND', 'file not found');
  }
  assertPlainName(ctx, node.name);
  const token = assertWriteAllowed(ctx, actor, id);
  const target = node.name + DELETE_SUFFIX;
  const stale = ctx.tree.child(node.parentId, target);
  if (stale !== undefined) removeNode(ctx, stale.id);
  ctx.tree.move(id, node.parentId, target);
  record(ctx, token, { id, op: 'delete' });
}

/** Throws unless source and destination are both inside or both outside encrypted paths. */
function assertSameTree(tree: E2eeTree, srcId: number, destParentId: number): void {
  // E2EE-LOCK-045 (MUST, server): no MOVE or COPY between encrypted and unencrypted trees.
  if (isEncryptedPath(tree, srcId) !== isEncryptedPath(tree, destParentId)) {
    throw new E2eeFailure(
      'DAV_CROSS_TREE',
      'cannot move or copy between encrypted and plain folders',
    );
  }
}

/**
 * Stages `MOVE src → destParent/destName` inside encrypted paths: the node moves to
 * `destName.e2e-to-save` at once; abort moves it back (E2EE-LOCK-045).
 *
 * @throws E2eeFailure DAV_NOT_FOUND, DAV_CROSS_TREE, DAV_RESERVED_NAME, DAV_NO_TOKEN, DAV_NOT_LOCKED
 */
export function stageMove(
  ctx: E2eeContext,
  actor: DavActor,
  srcId: number,
  destParentId: number,
  destName: string,
): number {
  const src = ctx.tree.node(srcId);
  if (src === undefined || src.parentId === null || !ctx.tree.canAccess(actor.user, srcId)) {
    throw new E2eeFailure('DAV_NOT_FOUND', 'file not found');
  }
  assertSameTree(ctx.tree, srcId, destParentId);
  assertPlainName(ctx, destName);
  assertPlainName(ctx, src.name);
  const token = assertWriteAllowed(ctx, actor, srcId);
  assertWriteAllowed(ctx, actor, destParentId);
  const staged = destName + SAVE_SUFFIX;
  const existing = ctx.tree.child(destParentId, staged);
  if (existing !== undefined && existing.id !== srcId) removeNode(ctx, existing.id);
  const origin = { parentId: src.parentId, name: src.name };
  ctx.tree.move(srcId, destParentId, staged);
  record(ctx, token, { id: srcId, op: 'save', origin });
  return srcId;
}

/**
 * Stages `COPY src → destParent/destName`: `copy(srcId, destParentId, stagedName)` makes the copy
 * at `destName.e2e-to-save` and returns its id (E2EE-LOCK-045).
 *
 * @throws E2eeFailure DAV_NOT_FOUND, DAV_CROSS_TREE, DAV_RESERVED_NAME, DAV_NO_TOKEN, DAV_NOT_LOCKED
 */
export function stageCopy(
  ctx: E2eeContext,
  actor: DavActor,
  srcId: number,
  destParentId: number,
  destName: string,
  copy: (srcId: number, destParentId: number, stagedName: string) => number,
): number {
  if (ctx.tree.node(srcId) === undefined || !ctx.tree.canAccess(actor.user, srcId)) {
    throw new E2eeFailure('DAV_NOT_FOUND', 'file not found');
  }
  assertSameTree(ctx.tree, srcId, destParentId);
  assertPlainName(ctx, destName);
  const token = assertWriteAllowed(ctx, actor, destParentId);
  const id = copy(srcId, destParentId, destName + SAVE_SUFFIX);
  record(ctx, token, { id, op: 'save' });
  return id;
}

/**
 * The node a `GET parent/name` serves: `name` itself, or else `name.e2e-to-delete` (a file deleted
 * under a lock stays readable until the commit) (E2EE-LOCK-047). Staged saves are never served.
 */
export function resolveGetTarget(
  tree: E2eeTree,
  parentId: number,
  name: string,
): TreeNode | undefined {
  if (hasReservedSuffix(name)) return undefined;
  return tree.child(parentId, name) ?? tree.child(parentId, name + DELETE_SUFFIX);
}
