/**
 * The file tree: folders and files with numeric file ids, per-user roots, and user shares that
 * make a folder visible in the recipient's tree as `/<mountName>` (Nextcloud's default share
 * folder is the root). These are pure functions over a {@link StoreView} / {@link Tx}; they know
 * nothing of HTTP or WebDAV.
 *
 * Staging names (`X.e2e-to-save`, `X.e2e-to-delete`) are ordinary names here; the WebDAV and
 * locking layers decide what to show.
 *
 * @module
 */
import { SealfoldError } from '../../../reference/src/errors/index.js';
import type { StoreView, Tx } from './store.js';
import type { NodeKind, NodeRecord, ShareRecord } from './types.js';

/** All permission bits (read, update, create, delete, share). */
export const ALL_PERMISSIONS = 31;

/** A node as one user sees it. */
export interface Visible {
  readonly node: NodeRecord;
  /** The share through which the user sees it (null for the owner). */
  readonly share: ShareRecord | null;
  /** Path in the user's tree, `/` for the root, no trailing slash otherwise. */
  readonly path: string;
  readonly permissions: number;
}

/**
 * Valid node name: 1..250 UTF-8 bytes, not `.` or `..`, no `/`, `\` or control characters.
 * (Nextcloud forbids the same set, plus a configurable blacklist the mock does not model.)
 */
export function isValidName(name: unknown): name is string {
  return (
    typeof name === 'string' &&
    name !== '' &&
    name !== '.' &&
    name !== '..' &&
    Buffer.byteLength(name, 'utf8') <= 250 &&
    ![...name].some((c) => c === '/' || c === '\\' || c.charCodeAt(0) < 0x20 || c === '\u007f')
  );
}

function nodeKey(id: number): string {
  return String(id);
}

/** The node with file id `id`. */
export function getNode(view: StoreView, id: number): NodeRecord | undefined {
  return Number.isSafeInteger(id) ? view.get('nodes', nodeKey(id)) : undefined;
}

/** Ancestors of `id`, parent first, root last (excluding the node itself). */
export function ancestors(view: StoreView, id: number): NodeRecord[] {
  const out: NodeRecord[] = [];
  let cur = getNode(view, id);
  while (cur && cur.parent !== null) {
    const p = getNode(view, cur.parent);
    if (!p) break;
    out.push(p);
    cur = p;
  }
  return out;
}

/** True if the node or any ancestor carries the `encrypted` flag (`isEncryptedFile`). */
export function isInEncryptedTree(view: StoreView, id: number): boolean {
  const n = getNode(view, id);
  if (!n) return false;
  return n.encrypted || ancestors(view, id).some((a) => a.encrypted);
}

/** The child of `parentId` named `name`. */
export function childByName(
  view: StoreView,
  parentId: number,
  name: string,
): NodeRecord | undefined {
  return view.childrenOf(parentId).find((c) => c.name === name);
}

function newEtag(tx: Tx): string {
  return tx.nextId('etag').toString(16).padStart(13, '0');
}

/** Gives the node a new etag/mtime and propagates a new etag to every ancestor. */
function touch(tx: Tx, node: NodeRecord, nowSec: number, parentMtime: boolean): NodeRecord {
  const updated = { ...node, etag: newEtag(tx), mtime: nowSec };
  tx.put('nodes', nodeKey(node.id), updated);
  let first = true;
  for (const a of ancestors(tx, node.id)) {
    tx.put('nodes', nodeKey(a.id), {
      ...a,
      etag: newEtag(tx),
      mtime: first && parentMtime ? nowSec : a.mtime,
    });
    first = false;
  }
  return updated;
}

/** Creates a user's root folder. */
export function createRoot(tx: Tx, owner: string, nowSec: number): NodeRecord {
  const id = tx.nextId('fileId');
  const root: NodeRecord = {
    id,
    owner,
    parent: null,
    name: '',
    kind: 'folder',
    content: null,
    etag: newEtag(tx),
    mtime: nowSec,
    encrypted: false,
  };
  tx.put('nodes', nodeKey(id), root);
  return root;
}

/**
 * Creates a file or folder under `parentId` (owned by the parent's owner).
 *
 * @throws SealfoldError NOT_FOUND (no such parent folder), INPUT_MALFORMED (bad name),
 *   ALREADY_EXISTS (a sibling has that name).
 */
export function createNode(
  tx: Tx,
  nowSec: number,
  args: { parent: number; name: string; kind: NodeKind; content?: Uint8Array },
): NodeRecord {
  const parent = getNode(tx, args.parent);
  if (!parent || parent.kind !== 'folder')
    throw new SealfoldError('NOT_FOUND', 'parent folder does not exist');
  if (!isValidName(args.name)) throw new SealfoldError('INPUT_MALFORMED', 'invalid file name');
  if (childByName(tx, parent.id, args.name))
    throw new SealfoldError('ALREADY_EXISTS', 'the name already exists');
  const id = tx.nextId('fileId');
  const node: NodeRecord = {
    id,
    owner: parent.owner,
    parent: parent.id,
    name: args.name,
    kind: args.kind,
    content: args.kind === 'file' ? new Uint8Array(args.content ?? new Uint8Array(0)) : null,
    etag: '',
    mtime: nowSec,
    encrypted: false,
  };
  return touch(tx, node, nowSec, true);
}

/** Replaces a file's content. @throws SealfoldError NOT_FOUND when `id` is not a file. */
export function writeContent(tx: Tx, nowSec: number, id: number, content: Uint8Array): NodeRecord {
  const n = getNode(tx, id);
  if (!n || n.kind !== 'file') throw new SealfoldError('NOT_FOUND', 'file does not exist');
  return touch(tx, { ...n, content: new Uint8Array(content) }, nowSec, false);
}

/**
 * Moves and/or renames a node. @throws SealfoldError NOT_FOUND, INPUT_MALFORMED (bad name or a
 * move into its own subtree), ALREADY_EXISTS.
 */
export function moveNode(
  tx: Tx,
  nowSec: number,
  id: number,
  newParent: number,
  newName: string,
): NodeRecord {
  const n = getNode(tx, id);
  const p = getNode(tx, newParent);
  if (!n || n.parent === null || !p || p.kind !== 'folder')
    throw new SealfoldError('NOT_FOUND', 'no such node or target folder');
  if (!isValidName(newName)) throw new SealfoldError('INPUT_MALFORMED', 'invalid file name');
  if (p.id === n.id || ancestors(tx, p.id).some((a) => a.id === n.id))
    throw new SealfoldError('INPUT_MALFORMED', 'cannot move a folder into itself');
  const clash = childByName(tx, p.id, newName);
  if (clash && clash.id !== n.id)
    throw new SealfoldError('ALREADY_EXISTS', 'the name already exists');
  const oldParent = getNode(tx, n.parent);
  const moved = touch(tx, { ...n, parent: p.id, name: newName, owner: p.owner }, nowSec, true);
  // A node moved into another user's tree (out of or into a received share) belongs to that
  // user with everything below it, as in Nextcloud, where it moves to the other storage.
  if (n.owner !== p.owner) {
    const below = [...tx.childrenOf(n.id)];
    for (let i = 0; i < below.length; i++) {
      const c = below[i]!;
      tx.put('nodes', nodeKey(c.id), { ...c, owner: p.owner });
      below.push(...tx.childrenOf(c.id));
    }
  }
  if (oldParent && oldParent.id !== p.id) touch(tx, getNode(tx, oldParent.id)!, nowSec, false);
  return moved;
}

/**
 * Deletes a node and everything below it, with the shares of those nodes.
 * @returns the deleted file ids (deepest first).
 */
export function deleteNode(tx: Tx, nowSec: number, id: number): number[] {
  const n = getNode(tx, id);
  if (!n || n.parent === null) throw new SealfoldError('NOT_FOUND', 'no such node');
  const order: number[] = [];
  const walk = (x: number) => {
    for (const c of tx.childrenOf(x)) walk(c.id);
    order.push(x);
  };
  walk(id);
  const parent = getNode(tx, n.parent);
  const gone = new Set(order);
  for (const s of tx.list('shares')) if (gone.has(s.nodeId)) tx.del('shares', String(s.id));
  for (const x of order) tx.del('nodes', nodeKey(x));
  if (parent) touch(tx, parent, nowSec, false);
  return order;
}

/** Sets a folder's own `encrypted` flag. @throws SealfoldError NOT_FOUND when not a folder. */
export function setEncryptedFlag(
  tx: Tx,
  nowSec: number,
  id: number,
  encrypted: boolean,
): NodeRecord {
  const n = getNode(tx, id);
  if (!n || n.kind !== 'folder') throw new SealfoldError('NOT_FOUND', 'folder does not exist');
  return touch(tx, { ...n, encrypted }, nowSec, false);
}

/** The root folder of `uid`. */
export function userRoot(view: StoreView, uid: string): NodeRecord | undefined {
  const u = view.get('users', uid);
  return u ? getNode(view, u.rootId) : undefined;
}

/** User shares received by `uid`. */
export function sharesReceived(view: StoreView, uid: string): ShareRecord[] {
  return view.list('shares').filter((s) => s.shareType === 0 && s.recipient === uid);
}

/**
 * How `uid` sees node `id`: as owner (all permissions) or through the nearest user share of the
 * node or an ancestor; undefined when it is not visible to them.
 */
export function visibleTo(view: StoreView, uid: string, id: number): Visible | undefined {
  const node = getNode(view, id);
  if (!node) return undefined;
  const chain = [node, ...ancestors(view, id)];
  if (node.owner === uid) {
    const names = chain
      .filter((x) => x.parent !== null)
      .map((x) => x.name)
      .reverse();
    return { node, share: null, path: '/' + names.join('/'), permissions: ALL_PERMISSIONS };
  }
  const received = sharesReceived(view, uid);
  for (let i = 0; i < chain.length; i++) {
    const share = received.find((s) => s.nodeId === chain[i]!.id);
    if (share) {
      const below = chain
        .slice(0, i)
        .map((x) => x.name)
        .reverse();
      return {
        node,
        share,
        path: '/' + [share.mountName ?? chain[i]!.name, ...below].join('/'),
        permissions: share.permissions,
      };
    }
  }
  return undefined;
}

/** Resolves a path in `uid`'s tree (`/`, `/a/b`); share mounts appear at the root. */
export function resolvePath(view: StoreView, uid: string, path: string): Visible | undefined {
  const root = userRoot(view, uid);
  if (!root) return undefined;
  const segs = path.split('/').filter((s) => s !== '');
  if (segs.length === 0)
    return { node: root, share: null, path: '/', permissions: ALL_PERMISSIONS };
  let cur: NodeRecord | undefined = childByName(view, root.id, segs[0]!);
  if (!cur) {
    const share = sharesReceived(view, uid).find((s) => s.mountName === segs[0]);
    cur = share ? getNode(view, share.nodeId) : undefined;
  }
  for (const seg of segs.slice(1)) {
    if (!cur || cur.kind !== 'folder') return undefined;
    cur = childByName(view, cur.id, seg);
  }
  return cur ? visibleTo(view, uid, cur.id) : undefined;
}

/** Children of a folder as `uid` sees them; the user's root also lists received share mounts. */
export function listChildren(view: StoreView, uid: string, folderId: number): Visible[] {
  const folder = visibleTo(view, uid, folderId);
  if (!folder || folder.node.kind !== 'folder') return [];
  const out = view.childrenOf(folderId).map((c) => visibleTo(view, uid, c.id)!);
  if (folder.node.parent === null && folder.node.owner === uid) {
    for (const s of sharesReceived(view, uid)) {
      const v = visibleTo(view, uid, s.nodeId);
      if (v) out.push(v);
    }
  }
  return out;
}

/** A mount name for a new share in `uid`'s root: `base`, else `base (2)`, `base (3)`, … */
export function uniqueMountName(view: StoreView, uid: string, base: string): string {
  for (let i = 1; ; i++) {
    const name = i === 1 ? base : `${base} (${i})`;
    if (!resolvePath(view, uid, '/' + name)) return name;
  }
}
