/**
 * The executable model of the E2EE transaction API (spec/11-locking.md, spec/12-metadata-api.md),
 * written as plainly as possible and independently of `src/e2ee/`: an object graph of folders and
 * files, locks and metadata kept on the nodes themselves, and the spec's status table written out.
 * The model-based test runs the same random command sequences against it and the server.
 *
 * Every operation returns an HTTP status (200 for success; the engine-level staging operations
 * also answer 200).
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
  unlockNotLocked: [404, 404],
  headerEmpty: [412, 400],
  malformed: [400, 400],
  postNotLocked: [403, 403],
  putNotLocked: [403, 412],
  deleteNotLocked: [403, 412],
  exists: [409, 409],
  notFound: [404, 404],
  filedropLocked: [403, 412],
  filedropForbidden: [403, 403],
  davNoToken: [403, 403],
  davNotLocked: [403, 403],
  davNotFound: [404, 404],
} as const;

export interface MNode {
  name: string;
  kind: 'file' | 'folder';
  encrypted: boolean;
  parent: MNode | null;
  children: MNode[];
  owner: string;
  gone: boolean;
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

interface Txn {
  touched: MNode[];
  staged: { node: MNode; op: 'save' | 'delete' }[];
}

export class Model {
  readonly homes = new Map<string, MNode>();
  readonly shares: { node: MNode; user: string }[] = [];
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
        owner: user,
        gone: false,
      };
      this.homes.set(user, h);
    }
    return h;
  }

  add(parent: MNode, name: string, kind: 'file' | 'folder'): MNode {
    const n: MNode = {
      name,
      kind,
      encrypted: false,
      parent,
      children: [],
      owner: parent.owner,
      gone: false,
    };
    parent.children.push(n);
    return n;
  }

  child(parent: MNode, name: string): MNode | undefined {
    return parent.children.find((c) => c.name === name);
  }

  private path(n: MNode): MNode[] {
    const out: MNode[] = [];
    for (let c: MNode | null = n; c; c = c.parent) out.push(c);
    return out;
  }

  canSee(user: string, n: MNode): boolean {
    if (n.gone) return false;
    return this.path(n).some(
      (a) =>
        (a.parent === null && a.owner === user) ||
        this.shares.some((s) => s.node === a && s.user === user),
    );
  }

  /** 'other' | 'mine' | 'none' for `token` on the way from `n` up. */
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

  allNodes(): MNode[] {
    const out: MNode[] = [];
    const walk = (n: MNode): void => {
      out.push(n);
      n.children.forEach(walk);
    };
    this.homes.forEach(walk);
    return out;
  }

  private depth(n: MNode): number {
    return this.path(n).length;
  }

  private remove(n: MNode): void {
    if (n.parent) n.parent.children = n.parent.children.filter((c) => c !== n);
    const walk = (x: MNode): void => {
      x.gone = true;
      delete x.meta;
      delete x.lock;
      x.children.forEach(walk);
    };
    walk(n);
    for (let i = this.shares.length - 1; i >= 0; i--)
      if (this.shares[i]!.node.gone) this.shares.splice(i, 1);
  }

  private rename(n: MNode, name: string): void {
    const clash = n.parent && this.child(n.parent, name);
    if (clash && clash !== n) this.remove(clash);
    n.name = name;
  }

  private finish(token: string, commit: boolean, extra: MNode[]): void {
    const t = this.txns.get(token) ?? { touched: [], staged: [] };
    if (commit) {
      const d = new Map(t.staged.map((s) => [s, s.node.gone ? -1 : this.depth(s.node)]));
      const staged = [...t.staged].sort((a, b) => (d.get(b) ?? 0) - (d.get(a) ?? 0));
      for (const s of staged) {
        if (s.node.gone) continue;
        if (s.op === 'save' && s.node.name.endsWith('.e2e-to-save'))
          this.rename(s.node, s.node.name.slice(0, -12));
        else if (s.op === 'delete' && s.node.name.endsWith('.e2e-to-delete')) this.remove(s.node);
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
        if (s.node.gone) continue;
        if (s.op === 'save' && s.node.name.endsWith('.e2e-to-save')) this.remove(s.node);
        else if (s.op === 'delete' && s.node.name.endsWith('.e2e-to-delete'))
          this.rename(s.node, s.node.name.slice(0, -14));
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

  /** Automatic rollback of stale locks, run before every request (E2EE-LOCK-060). */
  rollback(): void {
    for (const n of this.allNodes()) {
      const l = n.lock;
      if (!l || this.now - l.since <= this.ttlMs || this.now - l.active <= this.ttlMs) continue;
      this.finish(l.token, false, [n]);
      if (n.meta) delete n.meta.icounter;
      delete n.lock;
    }
  }

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
    if (!n.lock) return this.st('unlockNotLocked');
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

  /** PUT or MKCOL of `name` in folder `parent` (staged as `name.e2e-to-save`). */
  stageCreate(
    user: string,
    parent: MNode,
    name: string,
    kind: 'file' | 'folder',
    token: string,
  ): number {
    if (token === '') return this.st('davNoToken');
    const target = this.child(parent, name) ?? parent;
    if (this.lockState(user, target, token) !== 'mine') return this.st('davNotLocked');
    const stagedName = `${name}.e2e-to-save`;
    let node = this.child(parent, stagedName);
    if (node && kind === 'folder') return 405;
    node ??= this.add(parent, stagedName, kind);
    const t = this.txn(token);
    if (!t.staged.some((s) => s.node === node && s.op === 'save'))
      t.staged.push({ node, op: 'save' });
    this.activity(token);
    return 200;
  }

  stageDelete(user: string, parent: MNode, name: string, token: string): number {
    const node = this.child(parent, name);
    if (!node || !this.canSee(user, node)) return this.st('davNotFound');
    if (token === '') return this.st('davNoToken');
    if (this.lockState(user, node, token) !== 'mine') return this.st('davNotLocked');
    const stale = this.child(parent, `${name}.e2e-to-delete`);
    if (stale) this.remove(stale);
    node.name = `${name}.e2e-to-delete`;
    const t = this.txn(token);
    if (!t.staged.some((s) => s.node === node && s.op === 'delete'))
      t.staged.push({ node, op: 'delete' });
    this.activity(token);
    return 200;
  }
}
