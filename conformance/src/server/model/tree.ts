/**
 * The model's file tree: the run's top encrypted folder and everything below it, as plain
 * objects, with the naming rules of staged entries (spec/11-locking.md §4, E2EE-LOCK-043..047)
 * and the committed view readers get (spec/14-webdav-and-shares.md §4, E2EE-API-806, E2EE-API-807).
 *
 * The model is written from the spec alone; it shares no code with `server-mock/`.
 *
 * @module
 */

/** Suffix of an entry staged for saving under a lock (E2EE-LOCK-043). */
export const SAVE = '.e2e-to-save';
/** Suffix of an entry staged for deletion under a lock (E2EE-LOCK-044). */
export const DEL = '.e2e-to-delete';

/** True for names clients may not address in an encrypted tree (E2EE-LOCK-042). */
export function isReserved(name: string): boolean {
  return name.endsWith(SAVE) || name.endsWith(DEL);
}

/** The metadata directory of a folder (spec/11-locking.md §2); absent until the first write. */
export interface MetaDir {
  doc?: string;
  sig?: string;
  /** The stored counter; 0 when none is stored. */
  counter: number;
  idoc?: string;
  isig?: string;
  icounter?: number;
}

/** One node of the model's tree. */
export interface ModelNode {
  /** The stored name, staging suffix included. */
  name: string;
  readonly kind: 'file' | 'folder';
  parent: ModelNode | null;
  children: ModelNode[];
  /** Deleted for good (committed delete, or replaced). */
  gone: boolean;
  /** The target's file id, learned from the answer that created the node. */
  id?: number;
  content?: string;
  meta?: MetaDir;
}

/** One entry of a folder listing as the comparison sees it. */
export interface ListedEntry {
  name: string;
  folder: boolean;
  id: number | undefined;
  /** File length in bytes; undefined for folders. */
  size: number | undefined;
}

/** A new node (attached to `parent` when given). */
export function makeNode(
  parent: ModelNode | null,
  name: string,
  kind: 'file' | 'folder',
): ModelNode {
  const n: ModelNode = { name, kind, parent, children: [], gone: false };
  parent?.children.push(n);
  return n;
}

export function childNamed(parent: ModelNode, name: string): ModelNode | undefined {
  return parent.children.find((c) => c.name === name);
}

/** The node and everything below it. */
export function subtree(n: ModelNode): ModelNode[] {
  return [n, ...n.children.flatMap(subtree)];
}

export function depth(n: ModelNode): number {
  let d = 0;
  for (let c = n.parent; c; c = c.parent) d++;
  return d;
}

/** Deletes `n` with its subtree, metadata directories included (E2EE-LOCK-053). */
export function removeNode(n: ModelNode): void {
  if (n.parent) n.parent.children = n.parent.children.filter((c) => c !== n);
  for (const x of subtree(n)) {
    x.gone = true;
    delete x.meta;
  }
}

/** Moves `n` to `parent/name`, replacing whatever held that name (E2EE-LOCK-052). */
export function placeNode(n: ModelNode, parent: ModelNode, name: string): void {
  const clash = childNamed(parent, name);
  if (clash && clash !== n) removeNode(clash);
  if (n.parent) n.parent.children = n.parent.children.filter((c) => c !== n);
  parent.children.push(n);
  n.parent = parent;
  n.name = name;
}

/**
 * The child a request segment names in the committed view: staged saves do not exist, a staged
 * delete still answers to its original name (E2EE-API-807, E2EE-LOCK-047).
 */
export function childFor(parent: ModelNode, name: string): ModelNode | undefined {
  if (isReserved(name)) return undefined;
  return childNamed(parent, name) ?? childNamed(parent, name + DEL);
}

/** Walks `segs` down from `top` in the committed view. */
export function resolvePath(top: ModelNode, segs: readonly string[]): ModelNode | undefined {
  let cur: ModelNode | undefined = top;
  for (const s of segs) {
    if (!cur || cur.kind !== 'folder') return undefined;
    cur = childFor(cur, s);
  }
  return cur;
}

/** The name a listing shows for a child, or null when it is hidden (E2EE-LOCK-046). */
export function shownName(c: ModelNode): string | null {
  if (c.name.endsWith(SAVE)) return null;
  return c.name.endsWith(DEL) ? c.name.slice(0, -DEL.length) : c.name;
}

/** The committed listing of a folder (PROPFIND Depth 1 without the folder itself). */
export function listFolder(folder: ModelNode): ListedEntry[] {
  const out: ListedEntry[] = [];
  for (const c of folder.children) {
    const name = shownName(c);
    if (name === null) continue;
    out.push({
      name,
      folder: c.kind === 'folder',
      id: c.id,
      size: c.kind === 'file' ? new TextEncoder().encode(c.content ?? '').length : undefined,
    });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Every folder reachable in the committed view, with its path below `top` (top first). */
export function visibleFolders(top: ModelNode): { node: ModelNode; segs: string[] }[] {
  const out: { node: ModelNode; segs: string[] }[] = [];
  const walk = (n: ModelNode, segs: string[]): void => {
    out.push({ node: n, segs });
    for (const c of n.children) {
      const name = shownName(c);
      if (name !== null && c.kind === 'folder') walk(c, [...segs, name]);
    }
  };
  walk(top, []);
  return out;
}
