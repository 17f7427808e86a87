/**
 * A minimal in-memory file tree implementing the engine's `E2eeTree` port, for engine tests and
 * the model-based test. Shares are `(folderId, user)` pairs: a recipient can access the shared
 * folder and everything below it.
 */

import type { E2eeTree, TreeNode } from '../../src/e2ee/index.js';

interface MutableNode {
  id: number;
  parentId: number | null;
  name: string;
  kind: 'file' | 'folder';
  owner: string;
  encrypted: boolean;
  content?: Uint8Array;
}

export class MemTree implements E2eeTree {
  private readonly nodes = new Map<number, MutableNode>();
  private nextId = 1;
  readonly shares: Array<{ folderId: number; user: string }> = [];
  readonly homes = new Map<string, number>();

  addUser(user: string): number {
    const id = this.nextId++;
    this.nodes.set(id, {
      id,
      parentId: null,
      name: '',
      kind: 'folder',
      owner: user,
      encrypted: false,
    });
    this.homes.set(user, id);
    return id;
  }

  create(parentId: number, name: string, kind: 'file' | 'folder', content?: Uint8Array): number {
    const parent = this.nodes.get(parentId);
    if (parent === undefined || parent.kind !== 'folder') throw new Error(`no folder ${parentId}`);
    if (this.child(parentId, name) !== undefined) throw new Error(`${name} exists`);
    const id = this.nextId++;
    this.nodes.set(id, {
      id,
      parentId,
      name,
      kind,
      owner: parent.owner,
      encrypted: false,
      ...(content ? { content } : {}),
    });
    return id;
  }

  /** Creates or overwrites a file; returns its id. */
  putFile(parentId: number, name: string, content: Uint8Array): number {
    const existing = this.child(parentId, name);
    if (existing !== undefined) {
      (this.nodes.get(existing.id) as MutableNode).content = content;
      return existing.id;
    }
    return this.create(parentId, name, 'file', content);
  }

  content(id: number): Uint8Array | undefined {
    return this.nodes.get(id)?.content;
  }

  node(id: number): TreeNode | undefined {
    const n = this.nodes.get(id);
    return n === undefined ? undefined : { ...n };
  }

  child(folderId: number, name: string): TreeNode | undefined {
    for (const n of this.nodes.values()) {
      if (n.parentId === folderId && n.name === name) return { ...n };
    }
    return undefined;
  }

  children(folderId: number): readonly TreeNode[] {
    return [...this.nodes.values()].filter((n) => n.parentId === folderId).map((n) => ({ ...n }));
  }

  move(id: number, parentId: number, name: string): void {
    const n = this.nodes.get(id);
    if (n === undefined) throw new Error(`no node ${id}`);
    const clash = this.child(parentId, name);
    if (clash !== undefined && clash.id !== id) throw new Error(`${name} exists`);
    n.parentId = parentId;
    n.name = name;
  }

  remove(id: number): number[] {
    const out: number[] = [];
    const walk = (i: number): void => {
      for (const c of this.children(i)) walk(c.id);
      if (this.nodes.delete(i)) out.push(i);
    };
    walk(id);
    for (let k = this.shares.length - 1; k >= 0; k--) {
      if (out.includes((this.shares[k] as { folderId: number }).folderId)) this.shares.splice(k, 1);
    }
    return out;
  }

  setEncrypted(id: number, encrypted: boolean): void {
    const n = this.nodes.get(id);
    if (n !== undefined) n.encrypted = encrypted;
  }

  canAccess(user: string, id: number): boolean {
    let cur = this.nodes.get(id);
    const seen = new Set<number>();
    while (cur !== undefined && !seen.has(cur.id)) {
      seen.add(cur.id);
      if (cur.owner === user && cur.parentId === null) return true;
      if (this.shares.some((s) => s.folderId === cur?.id && s.user === user)) return true;
      cur = cur.parentId === null ? undefined : this.nodes.get(cur.parentId);
    }
    return false;
  }

  /** Shares of this tree carry every permission: whoever sees a node may change it. */
  canUpdate(user: string, id: number): boolean {
    return this.canAccess(user, id);
  }

  isSharedBy(user: string, id: number): boolean {
    return this.shares.some((s) => s.folderId === id && this.nodes.get(id)?.owner === user);
  }

  /** All flagged folders owned by `user`. */
  encryptedFolders(user: string): number[] {
    return [...this.nodes.values()].filter((n) => n.owner === user && n.encrypted).map((n) => n.id);
  }

  /** Path-like dump of everything below `id`: `name[/]` lines, sorted. */
  dump(id: number, prefix = ''): string[] {
    const out: string[] = [];
    for (const c of this.children(id)) {
      const p = `${prefix}/${c.name}`;
      out.push(`${p}${c.kind === 'folder' ? '/' : ''}${c.encrypted ? ' [e]' : ''}`);
      if (c.kind === 'folder') out.push(...this.dump(c.id, p));
    }
    return out.sort();
  }
}
