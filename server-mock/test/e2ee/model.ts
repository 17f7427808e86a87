/**
 * The executable model of the E2EE transaction API, the WebDAV subset and user shares
 * (spec/11-locking.md, spec/12-metadata-api.md, spec/14-webdav-and-shares.md), written as plainly
 * as possible and independently of `src/`: an object graph of folders and files with locks and
 * metadata on the nodes themselves, shares as a list, and the spec's status tables written out.
 * The model-based test runs the same random command sequences against it and the server.
 *
 * Every operation returns the HTTP status the spec asks for (200 for OCS success).
 */

export type ModelProfile = 'nc30' | 'nc32';

/** The spec's status table, [nc30, nc32] (E2EE-LOCK-071). */
const STATUS = {
  counterMissing: [412, 400],
  lockedByOther: [403, 423],
  counterNotGreater: [500, 412],
  lockForbidden: [403, 403],
  unlockEmpty: [412, 400],
  unlockWrong: [403, 403],
  unlockNotLocked: [404, 403],
  deleteNothing: [400, 400],
  headerEmpty: [412, 400],
  malformed: [400, 400],
  postNotLocked: [403, 403],
  putNotLocked: [403, 412],
  deleteNotLocked: [403, 412],
  exists: [409, 409],
  notFound: [404, 404],
  filedropLocked: [403, 412],
  filedropForbidden: [403, 403],
} as const;

const SAVE = '.e2e-to-save';
const DEL = '.e2e-to-delete';
const reserved = (name: string): boolean => name.endsWith(SAVE) || name.endsWith(DEL);

/** Share permission bits (spec/14 §6). */
const READ = 1;
const UPDATE = 2;
const CREATE = 4;
const DELETE = 8;
const SHARE = 16;

/** How a WebDAV request identifies its client: an E2EE client UA, a browser, or a browser with `X-E2EE-Supported: true`. */
export type Ua = 'desktop' | 'browser' | 'header';

export interface MNode {
  name: string;
  kind: 'file' | 'folder';
  encrypted: boolean;
  parent: MNode | null;
  children: MNode[];
  /** The user whose home this is (roots only). */
  home?: string;
  gone: boolean;
  content?: string;
  /** The metadata directory; absent when it does not exist. */
  meta?: {
    doc?: string;
    sig?: string;
    counter?: number;
    idoc?: string;
    isig?: string;
    icounter?: number;
  };
  lock?: { token: string; since: number; active: number };
}

export interface MShare {
  owner: string;
  node: MNode;
  user: string;
  mount: string;
  perms: number;
}

interface Staged {
  node: MNode;
  op: 'save' | 'delete';
  origin?: { parent: MNode; name: string };
}

interface Txn {
  touched: MNode[];
  staged: Staged[];
}

/** A node as one user addresses it. */
export interface MView {
  node: MNode;
  share: MShare | null;
  perms: number;
  segs: string[];
}

/** One `response` of a PROPFIND, as the comparison needs it. */
export interface MEntry {
  segs: string[];
  folder: boolean;
  props: Record<string, string>;
}

export class Model {
  readonly homes = new Map<string, MNode>();
  readonly shares: MShare[] = [];
  readonly txns = new Map<string, Txn>();
  now = 0;
  private issued = 0;

  readonly profile: ModelProfile;
  readonly ttlMs: number;

  constructor(profile: ModelProfile, ttlMs: number) {
    this.profile = profile;
    this.ttlMs = ttlMs;
  }

  private st(k: keyof typeof STATUS): number {
    return STATUS[k][this.profile === 'nc30' ? 0 : 1];
  }

  home(user: string): MNode {
    let h = this.homes.get(user);
    if (!h) {
      h = {
        name: '',
        kind: 'folder',
        encrypted: false,
        parent: null,
        children: [],
        home: user,
        gone: false,
      };
      this.homes.set(user, h);
    }
    return h;
  }

  add(parent: MNode, name: string, kind: 'file' | 'folder'): MNode {
    const n: MNode = { name, kind, encrypted: false, parent, children: [], gone: false };
    parent.children.push(n);
    return n;
  }

  child(parent: MNode, name: string): MNode | undefined {
    return parent.children.find((c) => c.name === name);
  }

  /** The node and its ancestors, node first. */
  private path(n: MNode): MNode[] {
    const out: MNode[] = [];
    for (let c: MNode | null = n; c; c = c.parent) out.push(c);
    return out;
  }

  ownerOf(n: MNode): string {
    return this.path(n).at(-1)!.home ?? '';
  }

  /**
   * App 1.18.4's lock and unlock refusals that 1.14–1.16 lack: a folder outside every encrypted
   * tree, and a share recipient without update permission (both 403).
   */
  private lockRefused(user: string, n: MNode): boolean {
    if (this.profile === 'nc30') return false;
    return !this.encTree(n) || ((this.visible(user, n)?.perms ?? 0) & UPDATE) === 0;
  }

  private encTree(n: MNode): boolean {
    return this.path(n).some((a) => a.encrypted);
  }

  private subtree(n: MNode): MNode[] {
    return [n, ...n.children.flatMap((c) => this.subtree(c))];
  }

  /** How `user` sees `n`: as its owner, or through the nearest share of it or an ancestor. */
  private visible(user: string, n: MNode): { share: MShare | null; perms: number } | undefined {
    if (n.gone) return undefined;
    if (this.ownerOf(n) === user) return { share: null, perms: 31 };
    for (const a of this.path(n)) {
      const share = this.shares.find((s) => s.node === a && s.user === user);
      if (share) return { share, perms: share.perms };
    }
    return undefined;
  }

  canSee(user: string, n: MNode): boolean {
    return this.visible(user, n) !== undefined;
  }

  /** True when `n` is a pending delete of some transaction. */
  private stagedDelete(n: MNode): boolean {
    return [...this.txns.values()].some((t) =>
      t.staged.some((s) => s.node === n && s.op === 'delete'),
    );
  }

  /**
   * The name a listing shows (spec/14 §4): pending saves are hidden, pending deletes keep their
   * name. Inside an encrypted tree the suffix says it; in a plain folder (the top encrypted folder
   * deleted under a lock) the transaction does.
   */
  private shownName(parent: MNode, c: MNode): string | null {
    if (this.encTree(parent)) {
      if (c.name.endsWith(SAVE)) return null;
      return c.name.endsWith(DEL) ? c.name.slice(0, -DEL.length) : c.name;
    }
    return this.stagedDelete(c) ? c.name.slice(0, -DEL.length) : c.name;
  }

  /** The child a request path segment names (committed view, spec/14 §4, spec/11 §4). */
  private childFor(parent: MNode, name: string): MNode | undefined {
    if (this.encTree(parent)) {
      if (reserved(name)) return undefined;
      return this.child(parent, name) ?? this.child(parent, name + DEL);
    }
    const exact = this.child(parent, name);
    if (exact) return this.stagedDelete(exact) ? undefined : exact;
    const pending = this.child(parent, name + DEL);
    return pending && this.stagedDelete(pending) ? pending : undefined;
  }

  /** A WebDAV path in `user`'s tree (spec/14 §3): own nodes, share mounts at the root. */
  resolve(user: string, segs: readonly string[]): MView | undefined {
    return this.walk(user, segs, (parent, name) => this.childFor(parent, name));
  }

  /** A share API path (exact stored names, mounts at the root). */
  private resolveExact(user: string, segs: readonly string[]): MView | undefined {
    return this.walk(user, segs, (parent, name) => this.child(parent, name));
  }

  /** `segs` from `user`'s home, each step taken by `step`; a first segment may name a share mount. */
  private walk(
    user: string,
    segs: readonly string[],
    step: (parent: MNode, name: string) => MNode | undefined,
  ): MView | undefined {
    let cur: MNode | undefined = this.home(user);
    for (let i = 0; i < segs.length && cur; i++) {
      if (cur.kind !== 'folder') return undefined;
      let next = step(cur, segs[i]!);
      if (!next && i === 0)
        next = this.shares.find((s) => s.user === user && s.mount === segs[0])?.node;
      cur = next;
    }
    const v = cur && this.visible(user, cur);
    return cur && v ? { node: cur, ...v, segs: [...segs] } : undefined;
  }

  /** The path under which `user` reaches `n` (its visible names), or undefined. */
  pathOf(user: string, n: MNode): string[] | undefined {
    const v = this.visible(user, n);
    if (!v) return undefined;
    const names: string[] = [];
    for (let c = n; c.parent; c = c.parent) {
      if (v.share && c === v.share.node) return [v.share.mount, ...names];
      names.unshift(
        c.name.endsWith(DEL)
          ? c.name.slice(0, -DEL.length)
          : c.name.endsWith(SAVE)
            ? c.name.slice(0, -SAVE.length)
            : c.name,
      );
    }
    return names;
  }

  private isShareRoot(v: MView): boolean {
    return v.share !== null && v.share.node === v.node;
  }

  e2eeClient(ua: Ua): boolean {
    return ua === 'desktop' || (ua === 'header' && this.profile === 'nc32');
  }

  /** 'other' | 'mine' | 'none' for `token` on the way from `n` up (spec/11 §2). */
  private lockState(user: string, n: MNode, token: string): 'other' | 'mine' | 'none' {
    if (!this.canSee(user, n)) return 'none';
    let mine = false;
    for (const a of this.path(n)) {
      if (!a.lock) continue;
      if (a.lock.token !== token) return 'other';
      mine = true;
    }
    return mine ? 'mine' : 'none';
  }

  private txn(token: string): Txn {
    let t = this.txns.get(token);
    if (!t) this.txns.set(token, (t = { touched: [], staged: [] }));
    return t;
  }

  private activity(token: string): void {
    for (const n of this.allNodes()) if (n.lock?.token === token) n.lock.active = this.now;
  }

  private stage(token: string, entry: Staged): void {
    const t = this.txn(token);
    if (!t.staged.some((s) => s.node === entry.node && s.op === entry.op)) t.staged.push(entry);
    this.activity(token);
  }

  allNodes(): MNode[] {
    const out: MNode[] = [];
    for (const h of this.homes.values()) out.push(...this.subtree(h));
    return out;
  }

  private depth(n: MNode): number {
    return this.path(n).length;
  }

  private remove(n: MNode): void {
    if (n.parent) n.parent.children = n.parent.children.filter((c) => c !== n);
    for (const x of this.subtree(n)) {
      x.gone = true;
      delete x.meta;
      delete x.lock;
    }
    for (let i = this.shares.length - 1; i >= 0; i--)
      if (this.shares[i]!.node.gone) this.shares.splice(i, 1);
  }

  /** Moves `n` to `parent/name`, deleting whatever held that name. */
  private place(n: MNode, parent: MNode, name: string): void {
    const clash = this.child(parent, name);
    if (clash && clash !== n) this.remove(clash);
    if (n.parent) n.parent.children = n.parent.children.filter((c) => c !== n);
    parent.children.push(n);
    n.parent = parent;
    n.name = name;
  }

  private finish(token: string, commit: boolean, extra: MNode[]): void {
    const t = this.txns.get(token) ?? { touched: [], staged: [] };
    if (commit) {
      const d = new Map(t.staged.map((s) => [s, s.node.gone ? -1 : this.depth(s.node)]));
      const staged = [...t.staged].sort((a, b) => (d.get(b) ?? 0) - (d.get(a) ?? 0));
      for (const s of staged) {
        if (s.node.gone || !s.node.parent) continue;
        if (s.op === 'save' && s.node.name.endsWith(SAVE))
          this.place(s.node, s.node.parent, s.node.name.slice(0, -SAVE.length));
        else if (s.op === 'delete' && s.node.name.endsWith(DEL)) this.remove(s.node);
      }
      for (const f of [...new Set([...t.touched, ...extra])]) {
        const m = f.meta;
        if (!m || f.gone) continue;
        if (m.idoc === undefined) {
          delete m.icounter;
          continue;
        }
        if (m.idoc === '{}') {
          delete f.meta;
          continue;
        }
        m.doc = m.idoc;
        if (m.isig !== undefined) m.sig = m.isig;
        if (m.icounter !== undefined) m.counter = m.icounter;
        delete m.idoc;
        delete m.isig;
        delete m.icounter;
      }
    } else {
      for (const s of [...t.staged].reverse()) {
        if (s.node.gone || !s.node.parent) continue;
        if (s.op === 'save' && s.node.name.endsWith(SAVE)) {
          if (s.origin && !s.origin.parent.gone) this.place(s.node, s.origin.parent, s.origin.name);
          else this.remove(s.node);
        } else if (s.op === 'delete' && s.node.name.endsWith(DEL))
          this.place(s.node, s.node.parent, s.node.name.slice(0, -DEL.length));
      }
      for (const f of [...t.touched, ...extra]) {
        if (!f.meta) continue;
        delete f.meta.idoc;
        delete f.meta.isig;
        delete f.meta.icounter;
      }
    }
    this.txns.delete(token);
  }

  /** Automatic rollback of stale locks, run before every E2EE or WebDAV request (E2EE-LOCK-060). */
  rollback(): void {
    for (const n of this.allNodes()) {
      const l = n.lock;
      if (!l || this.now - l.since <= this.ttlMs || this.now - l.active <= this.ttlMs) continue;
      this.finish(l.token, false, [n]);
      if (n.meta) delete n.meta.icounter;
      delete n.lock;
    }
  }

  // --- Locking and metadata (spec/11, spec/12) ---------------------------------------------

  lock(
    user: string,
    n: MNode,
    token: string,
    counterRaw: string | undefined,
  ): { status: number; token?: string } {
    const t = counterRaw?.trim() ?? '';
    const counter = /^[0-9]{1,15}$/.test(t) && Number(t) >= 1 ? Number(t) : null;
    if (counter === null) return { status: this.st('counterMissing') };
    if (!this.canSee(user, n) || n.kind !== 'folder' || n.parent === null)
      return { status: this.st('lockForbidden') };
    if (this.lockRefused(user, n)) return { status: 403 };
    if (this.lockState(user, n, token) === 'other') return { status: this.st('lockedByOther') };
    if (n.lock) return { status: 200, token: n.lock.token };
    if ((n.meta?.counter ?? 0) >= counter) return { status: this.st('counterNotGreater') };
    const fresh = `model-token-${++this.issued}`;
    n.lock = { token: fresh, since: this.now, active: this.now };
    if (n.meta) n.meta.icounter = counter;
    return { status: 200, token: fresh };
  }

  unlock(user: string, n: MNode, token: string, abort: boolean): number {
    if (token === '') return this.st('unlockEmpty');
    if (!this.canSee(user, n) || n.kind !== 'folder' || n.parent === null)
      return this.st('lockForbidden');
    if (this.lockRefused(user, n)) return 403;
    if (!n.lock)
      return this.lockState(user, n, token) === 'mine' ? 404 : this.st('unlockNotLocked');
    if (n.lock.token !== token) return this.st('unlockWrong');
    this.finish(token, !abort, abort ? [n] : []);
    if (n.meta) delete n.meta.icounter;
    delete n.lock;
    return 200;
  }

  private isObject(text: string | undefined): boolean {
    try {
      const v = JSON.parse(text ?? '');
      return typeof v === 'object' && v !== null && !Array.isArray(v);
    } catch {
      return false;
    }
  }

  writeMeta(
    kind: 'post' | 'put' | 'delete',
    user: string,
    n: MNode,
    token: string,
    doc?: string,
    sig = '',
  ): number {
    if (kind !== 'delete' && !this.isObject(doc)) return this.st('malformed');
    if (token === '') return this.st('headerEmpty');
    if (kind !== 'delete' && sig === '') return this.st('headerEmpty');
    if (this.lockState(user, n, token) !== 'mine')
      return this.st(
        kind === 'post' ? 'postNotLocked' : kind === 'put' ? 'putNotLocked' : 'deleteNotLocked',
      );
    if (kind === 'post' && (n.meta?.doc !== undefined || n.meta?.idoc !== undefined))
      return this.st('exists');
    if (kind === 'delete' && n.meta?.doc === undefined) return this.st('deleteNothing');
    if (kind !== 'post' && n.meta?.doc === undefined) return this.st('notFound');
    n.meta ??= {};
    n.meta.idoc = kind === 'delete' ? '{}' : (doc as string);
    if (kind === 'delete') delete n.meta.isig;
    else n.meta.isig = sig;
    const t = this.txn(token);
    if (!t.touched.includes(n)) t.touched.push(n);
    this.activity(token);
    return 200;
  }

  getMeta(user: string, n: MNode): { status: number; doc?: string; sig?: string } {
    if (!this.canSee(user, n) || n.meta?.doc === undefined) return { status: 404 };
    return { status: 200, doc: n.meta.doc, sig: n.meta.sig ?? '' };
  }

  filedrop(user: string, n: MNode, raw: string): number {
    let entries: Record<string, unknown>;
    try {
      entries = JSON.parse(raw);
    } catch {
      return this.st('malformed');
    }
    if (
      typeof entries !== 'object' ||
      entries === null ||
      Array.isArray(entries) ||
      Object.keys(entries).length === 0 ||
      Object.entries(entries).some(
        ([k, v]) => k === '' || typeof v !== 'object' || v === null || Array.isArray(v),
      )
    )
      return this.st('malformed');
    if (!this.canSee(user, n) || n.kind !== 'folder' || n.parent === null)
      return this.st('filedropForbidden');
    if (this.path(n).some((a) => a.lock)) return this.st('filedropLocked');
    if (n.meta?.doc === undefined) return this.st('notFound');
    const stored = JSON.parse(n.meta.doc);
    if (
      stored.filedrop !== undefined &&
      (typeof stored.filedrop !== 'object' ||
        stored.filedrop === null ||
        Array.isArray(stored.filedrop))
    )
      return this.st('malformed');
    stored.filedrop = { ...stored.filedrop, ...entries };
    n.meta.doc = JSON.stringify(stored);
    return 200;
  }

  // --- WebDAV (spec/14 §3–§6, spec/11 §4) -----------------------------------------------------

  /** The lock check of a write in an encrypted tree (spec/11 §4): 0 when allowed. */
  private davLock(user: string, target: MNode, token: string): number {
    if (token === '') return 403;
    return this.lockState(user, target, token) === 'mine' ? 0 : 423;
  }

  /** The E2EE gate (spec/14 §5): encrypted trees are for E2EE clients only. */
  private gated(ua: Ua, n: MNode): boolean {
    return !this.e2eeClient(ua) && this.encTree(n);
  }

  /** The existing parent folder of `segs`, or 409. */
  private parentOf(user: string, segs: readonly string[]): MView | number {
    const p = this.resolve(user, segs.slice(0, -1));
    return p && p.node.kind === 'folder' ? p : 409;
  }

  put(user: string, segs: string[], token: string, ua: Ua, body: string): number {
    if (segs.length === 0) return 405;
    const parent = this.parentOf(user, segs);
    if (typeof parent === 'number') return parent;
    const name = segs.at(-1)!;
    if (this.gated(ua, parent.node)) return 403;
    const exact = this.child(parent.node, name);
    if (this.resolve(user, segs)?.node.kind === 'folder') return 405;
    if ((parent.perms & (exact ? UPDATE : CREATE)) === 0) return 403;
    if (!this.encTree(parent.node)) {
      if (exact?.kind === 'folder') return 405;
      const n = exact ?? this.add(parent.node, name, 'file');
      n.content = body;
      return exact ? 204 : 201;
    }
    // spec/11 §4: staged as name.e2e-to-save under the lock.
    if (reserved(name)) return 403;
    const denied = this.davLock(user, exact ?? parent.node, token);
    if (denied) return denied;
    const old = this.child(parent.node, name + SAVE);
    if (old?.kind === 'folder') return 405;
    const n = old ?? this.add(parent.node, name + SAVE, 'file');
    n.content = body;
    this.stage(token, { node: n, op: 'save' });
    return old ? 204 : 201;
  }

  mkcol(user: string, segs: string[], token: string, ua: Ua): number {
    if (segs.length === 0) return 405;
    const parent = this.parentOf(user, segs);
    if (typeof parent === 'number') return parent;
    const name = segs.at(-1)!;
    if (this.gated(ua, parent.node)) return 403;
    if (this.resolve(user, segs)) return 405;
    if ((parent.perms & CREATE) === 0) return 403;
    if (!this.encTree(parent.node)) {
      if (this.child(parent.node, name)) return 405;
      this.add(parent.node, name, 'folder');
      return 201;
    }
    if (reserved(name)) return 403;
    const denied = this.davLock(user, this.child(parent.node, name) ?? parent.node, token);
    if (denied) return denied;
    if (this.child(parent.node, name + SAVE)) return 405;
    this.stage(token, { node: this.add(parent.node, name + SAVE, 'folder'), op: 'save' });
    return 201;
  }

  del(user: string, segs: string[], token: string, ua: Ua): number {
    if (segs.length === 0) return 403;
    const d = this.resolve(user, segs);
    if (!d) return 404;
    const shareRoot = this.isShareRoot(d);
    // A name that only exists as a pending delete is already gone for this request.
    if (d.node.name !== segs.at(-1) && !shareRoot) return 404;
    if (shareRoot) return 403;
    if (this.gated(ua, d.node)) return 403;
    if (!this.e2eeClient(ua) && this.subtree(d.node).some((x) => x.encrypted)) return 403;
    if ((d.perms & DELETE) === 0) return 403;
    if (this.encTree(d.node)) {
      // spec/11 §4: renamed to name.e2e-to-delete until the unlock.
      const denied = this.davLock(user, d.node, token);
      if (denied) return denied;
      const stale = this.child(d.node.parent!, d.node.name + DEL);
      if (stale) this.remove(stale);
      d.node.name += DEL;
      this.stage(token, { node: d.node, op: 'delete' });
      return 204;
    }
    if (this.subtree(d.node).some((x) => x.lock)) return 423;
    this.remove(d.node);
    return 204;
  }

  move(user: string, src: string[], dst: string[], token: string, ua: Ua): number {
    if (src.length === 0) return 403;
    const s = this.resolve(user, src);
    if (!s) return 404;
    if (s.node.name !== src.at(-1) && !this.isShareRoot(s)) return 404;
    if (this.isShareRoot(s)) return 403;
    if (dst.length === 0 || dst.join('/') === src.join('/')) return 403;
    const dp = this.parentOf(user, dst);
    if (typeof dp === 'number') return dp;
    if (this.subtree(s.node).includes(dp.node)) return 409;
    if (this.gated(ua, s.node) || this.gated(ua, dp.node)) return 403;
    if (!this.e2eeClient(ua) && this.subtree(s.node).some((x) => x.encrypted)) return 403;
    // spec/14 §5: never between an encrypted and a plain tree.
    const encrypted = this.encTree(s.node);
    if (encrypted !== this.encTree(dp.node)) return 403;
    const ex = this.resolve(user, dst);
    // Same node, or a destination whose replacement would delete the source: 403.
    if (ex && (this.subtree(ex.node).includes(s.node) || this.isShareRoot(ex))) return 403;
    if (ex && (ex.perms & DELETE) === 0) return 403;
    if ((s.perms & DELETE) === 0 || (dp.perms & CREATE) === 0) return 403;
    const name = dst.at(-1)!;
    if (encrypted) {
      // spec/11 §4: the destination is staged as name.e2e-to-save; abort moves it back.
      if (reserved(name)) return 403;
      const denied = this.davLock(user, s.node, token) || this.davLock(user, dp.node, token);
      if (denied) return denied;
      const origin = { parent: s.node.parent!, name: s.node.name };
      this.place(s.node, dp.node, name + SAVE);
      this.stage(token, { node: s.node, op: 'save', origin });
      return ex ? 204 : 201;
    }
    if (ex) {
      if (this.subtree(ex.node).some((x) => x.lock)) return 423;
      this.remove(ex.node);
    }
    this.place(s.node, dp.node, name);
    return ex ? 204 : 201;
  }

  get(user: string, segs: string[], _ua: Ua): { status: number; body?: string } {
    const d = this.resolve(user, segs);
    if (!d) return { status: 404 };
    if (d.node.kind !== 'file') return { status: 405 };
    return { status: 200, body: d.node.content ?? '' };
  }

  /** `oc:permissions` (spec/14 §4). */
  private permString(v: MView, ua: Ua): string {
    if (this.gated(ua, v.node)) return '';
    const b = v.perms;
    const sh = v.share !== null;
    const folder = v.node.kind === 'folder';
    return [
      sh && 'S',
      b & SHARE && 'R',
      sh && 'M',
      b & READ && 'G',
      b & DELETE && 'D',
      b & UPDATE && 'N',
      b & UPDATE && b & DELETE && 'V',
      !folder && b & UPDATE && 'W',
      folder && b & CREATE && 'CK',
    ]
      .filter((x) => typeof x === 'string')
      .join('');
  }

  private entry(v: MView, ua: Ua): MEntry {
    const n = v.node;
    const folder = n.kind === 'folder';
    const props: Record<string, string> = { permissions: this.permString(v, ua) };
    if (folder) props['is-encrypted'] = n.encrypted ? '1' : '0';
    else props['getcontentlength'] = String((n.content ?? '').length);
    if (this.profile === 'nc32') {
      props['e2ee-is-encrypted'] = this.encTree(n) ? '1' : '0';
      if (folder && this.encTree(n) && this.e2eeClient(ua) && n.meta?.doc !== undefined)
        props['e2ee-metadata'] = n.meta.doc;
    }
    return { segs: v.segs, folder, props };
  }

  /** PROPFIND with Depth 1 (spec/14 §4, §5). */
  propfind(user: string, segs: string[], ua: Ua): { status: number; entries?: MEntry[] } {
    const t = this.resolve(user, segs);
    if (!t) return { status: 404 };
    if (this.gated(ua, t.node)) return { status: 403 };
    const entries = [this.entry(t, ua)];
    if (t.node.kind === 'folder') {
      const listed = new Map<string, MView>();
      for (const c of t.node.children) {
        const name = this.shownName(t.node, c);
        if (name === null || (listed.has(name) && c.name !== name)) continue;
        listed.set(name, { node: c, ...this.visible(user, c)!, segs: [...segs, name] });
      }
      if (t.node.parent === null)
        for (const s of this.shares.filter((x) => x.user === user))
          listed.set(s.mount, { node: s.node, share: s, perms: s.perms, segs: [s.mount] });
      for (const v of listed.values()) entries.push(this.entry(v, ua));
    }
    return { status: 207, entries };
  }

  // --- User shares (spec/14 §7) ---------------------------------------------------------------

  private mountName(user: string, base: string): string {
    for (let i = 1; ; i++) {
      const name = i === 1 ? base : `${base} (${i})`;
      if (!this.resolveExact(user, [name])) return name;
    }
  }

  /** `POST …/shares` (spec/14 §7). */
  shareCreate(
    user: string,
    segs: string[],
    withUser: string,
    perms: number,
  ): { status: number; share?: MShare } {
    if (!(perms >= 1 && perms <= 31 && (perms & READ) !== 0)) return { status: 400 };
    if (!this.homes.has(withUser)) return { status: 404 };
    const seen = this.resolveExact(user, segs);
    if (!seen) return { status: 404 };
    const node = seen.node;
    if (node.parent === null) return { status: 403 };
    if (this.ownerOf(node) !== user || seen.share !== null) return { status: 403 };
    if (withUser === user) return { status: 403 };
    if (this.shares.some((s) => s.node === node && s.user === withUser)) return { status: 403 };
    if (this.encTree(node.parent)) return { status: 403 };
    const share: MShare = {
      owner: user,
      node,
      user: withUser,
      mount: this.mountName(withUser, node.name),
      perms: node.kind === 'file' ? perms & 19 : perms,
    };
    this.shares.push(share);
    return { status: 200, share };
  }

  /** `DELETE …/shares/{id}` by its owner or recipient (spec/14 §7). */
  shareDelete(user: string, share: MShare): number {
    const i = this.shares.indexOf(share);
    if (i < 0 || (share.owner !== user && share.user !== user)) return 404;
    this.shares.splice(i, 1);
    return 200;
  }
}
