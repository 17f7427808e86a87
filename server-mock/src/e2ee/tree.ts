/**
 * The engine's view of the server's file tree (a port; the store implements it).
 *
 * File ids are positive integers, stable across renames, like Nextcloud's `fileid`. Each user has
 * one home folder (a node with `parentId === null`); a user sees their own tree and the folders
 * shared with them (`canAccess`). The engine never creates file content: WebDAV handlers pass
 * callbacks that write it.
 *
 * @module
 */

/** One node of the file tree. */
export interface TreeNode {
  readonly id: number;
  /** `null` for a user's home folder. */
  readonly parentId: number | null;
  readonly name: string;
  readonly kind: 'file' | 'folder';
  /** User id of the owner. */
  readonly owner: string;
  /** The folder's own E2EE flag (`oc_filecache.encrypted`). */
  readonly encrypted: boolean;
}

/** What the transaction engine needs from the tree. */
export interface E2eeTree {
  node(id: number): TreeNode | undefined;
  /** The child of `folderId` called `name`, if any. */
  child(folderId: number, name: string): TreeNode | undefined;
  children(folderId: number): readonly TreeNode[];
  /** Moves and/or renames a node. The target name must be free. */
  move(id: number, parentId: number, name: string): void;
  /** Deletes a node and everything below it; returns the ids removed. */
  remove(id: number): number[];
  setEncrypted(id: number, encrypted: boolean): void;
  /** True when `user` may see and use node `id` (owner, or shared with them). */
  canAccess(user: string, id: number): boolean;
  /** True when `user` may change node `id`: the owner, or a share with update permission. */
  canUpdate(user: string, id: number): boolean;
  /** True when `user` shares folder `id` with anyone (the flag cannot change then). */
  isSharedBy(user: string, id: number): boolean;
}

/** Ids from `id` up to its home folder, `id` first. Stops on a cycle or a missing node. */
export function ancestry(tree: E2eeTree, id: number): number[] {
  const out: number[] = [];
  let cur = tree.node(id);
  while (cur !== undefined && !out.includes(cur.id)) {
    out.push(cur.id);
    cur = cur.parentId === null ? undefined : tree.node(cur.parentId);
  }
  return out;
}

/** Number of ancestors of `id` (its depth below the home folder). */
export function depth(tree: E2eeTree, id: number): number {
  return ancestry(tree, id).length - 1;
}

/**
 * True when node `id` or one of its ancestors carries the E2EE flag (as the
 * Nextcloud app's `EncryptionManager::isEncryptedFile`).
 */
export function isEncryptedPath(tree: E2eeTree, id: number): boolean {
  return ancestry(tree, id).some((a) => tree.node(a)?.encrypted === true);
}
