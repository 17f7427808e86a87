/**
 * An executable model of the server semantics the property-based run exercises: one top-level
 * encrypted folder owned by alice, its lock and transactions (spec/11-locking.md), its metadata
 * documents (spec/12-metadata-api.md), WebDAV writes staged under the lock and the committed view
 * (spec/14-webdav-and-shares.md §4–§6), user shares of the top folder (§7) and filedrop
 * (spec/12 §6). Every operation returns the status the spec asks for in the model's status
 * profile (E2EE-LOCK-071), and changes the model exactly as the spec says the server changes.
 *
 * Written from the spec alone, independently of `server-mock/` (E2EE-CONF-300). Where the spec
 * leaves the order of two refusals open, the model checks the request's own input first (counter,
 * token present), then what it addresses (a folder the user sees; a WebDAV path that resolves:
 * 404, 409, 405), then the share's permissions, then the lock, then the metadata state (409,
 * 404).
 *
 * Tokens are symbolic (`T1`, `T2`, …): the driver maps them to the tokens the target issued.
 *
 * @module
 */
import { statusFor, type ModelProfile, type Situation } from './statuses.js';
import {
  DEL,
  SAVE,
  childNamed,
  depth,
  isReserved,
  makeNode,
  placeNode,
  removeNode,
  resolvePath,
  subtree,
  type ModelNode,
} from './tree.js';

export type ModelActor = 'alice' | 'bob' | 'carol';
export const MODEL_ACTORS: readonly ModelActor[] = ['alice', 'bob', 'carol'];
/** alice owns the folder; the others see it only through a share. */
export const OWNER: ModelActor = 'alice';

/** Share permission bits (E2EE-API-235). */
export const PERM = { read: 1, update: 2, create: 4, delete: 8, share: 16, all: 31 } as const;

/** What the model expects of one request. */
export interface Expected {
  status: number;
  /** Lock: the symbolic token the answer carries. */
  token?: string;
  /** A node the request creates; the driver learns its file id from the answer. */
  created?: ModelNode;
  /** GET of a file: the body. */
  body?: string;
}

interface Staged {
  node: ModelNode;
  op: 'save' | 'delete';
  /** Where a moved node came from (abort moves it back, E2EE-LOCK-055). */
  origin?: { parent: ModelNode; name: string };
}

interface Transaction {
  touched: ModelNode[];
  staged: Staged[];
}

export interface ModelShare {
  perms: number;
}

export class ServerModel {
  readonly profile: ModelProfile;
  /** The run's top-level encrypted folder; paths are relative to it. */
  readonly top: ModelNode;
  /** Every folder ever created, in creation order (commands address folders by slot). */
  readonly folders: ModelNode[];
  /** The lock of the top folder; the run locks nothing else. */
  lock: { token: string } | undefined;
  readonly shares = new Map<ModelActor, ModelShare>();
  private readonly txns = new Map<string, Transaction>();
  private issued = 0;

  constructor(profile: ModelProfile) {
    this.profile = profile;
    this.top = makeNode(null, '', 'folder');
    this.folders = [this.top];
  }

  private st(s: Situation): number {
    return statusFor(this.profile, s);
  }

  /** The stored counter of the top folder (E2EE-LOCK-012). */
  storedCounter(): number {
    return this.top.meta?.counter ?? 0;
  }

  canSee(actor: ModelActor, n: ModelNode): boolean {
    return !n.gone && (actor === OWNER || this.shares.has(actor));
  }

  /** A recipient without update permission may not lock or unlock where the profile says so. */
  private readOnlyRefused(actor: ModelActor): boolean {
    return this.st('readOnlyShare') !== 200 && (this.perms(actor) & PERM.update) === 0;
  }

  private perms(actor: ModelActor): number {
    return actor === OWNER ? PERM.all : (this.shares.get(actor)?.perms ?? 0);
  }

  /** The lock view of `n` for `token` (spec/11-locking.md §2); the top folder is every node's ancestor. */
  lockView(actor: ModelActor, n: ModelNode, token: string): 'mine' | 'other' | 'none' {
    if (!this.canSee(actor, n) || !this.lock) return 'none';
    return this.lock.token === token ? 'mine' : 'other';
  }

  /** The node `segs` names in `actor`'s view (the top folder is their share mount). */
  resolve(actor: ModelActor, segs: readonly string[]): ModelNode | undefined {
    return this.canSee(actor, this.top) ? resolvePath(this.top, segs) : undefined;
  }

  private txn(token: string): Transaction {
    let t = this.txns.get(token);
    if (!t) this.txns.set(token, (t = { touched: [], staged: [] }));
    return t;
  }

  private stage(token: string, entry: Staged): void {
    const t = this.txn(token);
    if (!t.staged.some((s) => s.node === entry.node && s.op === entry.op)) t.staged.push(entry);
  }

  // --- Lock and unlock (spec/11-locking.md §3, §5) --------------------------------------------

  /** `POST /api/v2/lock/{top}` with a counter and, to retry, the token the actor holds. */
  lockTop(actor: ModelActor, counter: number, retryToken: string): Expected {
    if (!(counter >= 1)) return { status: this.st('counterMissing') }; // E2EE-LOCK-010
    if (!this.canSee(actor, this.top)) return { status: this.st('forbidden') }; // E2EE-LOCK-001
    if (this.readOnlyRefused(actor)) return { status: this.st('readOnlyShare') }; // E2EE-LOCK-201
    if (this.lock && this.lock.token !== retryToken) return { status: this.st('lockedByOther') }; // E2EE-LOCK-002
    if (this.lock) return { status: 200, token: this.lock.token }; // E2EE-LOCK-003
    if (counter <= this.storedCounter()) return { status: this.st('counterNotGreater') }; // E2EE-LOCK-011
    const token = `T${++this.issued}`;
    this.lock = { token };
    if (this.top.meta) this.top.meta.icounter = counter; // E2EE-LOCK-012
    return { status: 200, token };
  }

  /** `DELETE /api/v2/lock/{top}` (commit) or with `?abort=true`. */
  unlockTop(actor: ModelActor, token: string, abort: boolean): Expected {
    if (token === '') return { status: this.st('unlockEmpty') }; // E2EE-LOCK-020
    if (!this.canSee(actor, this.top)) return { status: this.st('forbidden') }; // E2EE-LOCK-023
    if (this.readOnlyRefused(actor)) return { status: this.st('readOnlyShare') }; // E2EE-LOCK-201
    if (!this.lock) return { status: this.st('unlockNotLocked') }; // E2EE-LOCK-021
    if (this.lock.token !== token) return { status: this.st('unlockWrong') }; // E2EE-LOCK-022
    if (abort) this.revert(token);
    else this.commit(token);
    this.txns.delete(token);
    this.lock = undefined;
    return { status: 200 };
  }

  /** Commit, deepest first (E2EE-LOCK-050..054). */
  private commit(token: string): void {
    const t = this.txn(token);
    const depths = new Map(t.staged.map((s) => [s, depth(s.node)]));
    const order = [...t.staged].sort((a, b) => depths.get(b)! - depths.get(a)!);
    for (const s of order) {
      if (s.node.gone || !s.node.parent) continue;
      if (s.op === 'save' && s.node.name.endsWith(SAVE))
        placeNode(s.node, s.node.parent, s.node.name.slice(0, -SAVE.length));
      else if (s.op === 'delete' && s.node.name.endsWith(DEL)) removeNode(s.node);
    }
    for (const f of t.touched) {
      const m = f.meta;
      if (!m || f.gone || m.idoc === undefined) continue;
      if (m.idoc === '{}') {
        delete f.meta; // E2EE-LOCK-054
        continue;
      }
      m.doc = m.idoc;
      if (m.isig !== undefined) m.sig = m.isig;
      if (m.icounter !== undefined) m.counter = m.icounter;
      delete m.idoc;
      delete m.isig;
      delete m.icounter;
    }
    // A lock released without a metadata commit leaves the stored counter (E2EE-LOCK-012).
    if (this.top.meta) delete this.top.meta.icounter;
  }

  /** Abort (E2EE-LOCK-055): staged saves go away or back, staged deletes get their names back. */
  private revert(token: string): void {
    const t = this.txn(token);
    for (const s of [...t.staged].reverse()) {
      if (s.node.gone || !s.node.parent) continue;
      if (s.op === 'save' && s.node.name.endsWith(SAVE)) {
        if (s.origin && !s.origin.parent.gone) placeNode(s.node, s.origin.parent, s.origin.name);
        else removeNode(s.node);
      } else if (s.op === 'delete' && s.node.name.endsWith(DEL))
        placeNode(s.node, s.node.parent, s.node.name.slice(0, -DEL.length));
    }
    for (const f of [...t.touched, this.top]) {
      if (!f.meta) continue;
      delete f.meta.idoc;
      delete f.meta.isig;
      delete f.meta.icounter;
    }
  }

  // --- Metadata (spec/12-metadata-api.md §4) ---------------------------------------------------

  /** A v2 metadata POST, PUT or DELETE of folder `n` under `token`. */
  writeMeta(
    kind: 'post' | 'put' | 'delete',
    actor: ModelActor,
    n: ModelNode,
    token: string,
    doc: string,
    sig: string,
  ): Expected {
    if (token === '') return { status: this.st('tokenEmpty') }; // E2EE-API-122
    if (this.lockView(actor, n, token) !== 'mine')
      return { status: this.st(kind === 'post' ? 'postNotLocked' : 'putNotLocked') }; // E2EE-LOCK-030
    const m = n.meta;
    if (kind === 'post' && (m?.doc !== undefined || m?.idoc !== undefined)) return { status: 409 }; // E2EE-API-123
    if (kind === 'delete' && m?.doc === undefined) return { status: 400 }; // E2EE-API-125
    if (kind === 'put' && m?.doc === undefined) return { status: 404 }; // E2EE-API-124
    const dir = (n.meta ??= { counter: 0 });
    dir.idoc = kind === 'delete' ? '{}' : doc;
    if (kind === 'delete') delete dir.isig;
    else dir.isig = sig;
    const t = this.txn(token);
    if (!t.touched.includes(n)) t.touched.push(n);
    return { status: 200 };
  }

  /** `GET /meta-data/{id}`: the committed document and signature (E2EE-API-120). */
  readMeta(actor: ModelActor, n: ModelNode): { status: number; doc?: string; sig?: string } {
    if (!this.canSee(actor, n) || n.meta?.doc === undefined) return { status: 404 };
    return { status: 200, doc: n.meta.doc, sig: n.meta.sig ?? '' };
  }

  /** `PUT /meta-data/{id}/filedrop` by an authenticated user (E2EE-API-140..144). */
  filedrop(actor: ModelActor, n: ModelNode, entries: Record<string, unknown>): Expected {
    if (!this.canSee(actor, n) || n.kind !== 'folder') return { status: 403 };
    if (this.lock) return { status: this.st('filedropLocked') };
    const m = n.meta;
    if (m?.doc === undefined) return { status: 404 };
    const stored = JSON.parse(m.doc) as Record<string, unknown>;
    stored['filedrop'] = { ...(stored['filedrop'] as object | undefined), ...entries };
    m.doc = JSON.stringify(stored); // compact, members keep their order (E2EE-API-144)
    return { status: 200 };
  }

  // --- WebDAV inside the encrypted tree (spec/11-locking.md §4, spec/14 §6) -------------------

  /** 0 when a write addressing `n` may go ahead under `token` (E2EE-LOCK-040, E2EE-LOCK-041). */
  private lockDenied(actor: ModelActor, n: ModelNode, token: string): number {
    if (token === '') return 403; // E2EE-LOCK-040
    return this.lockView(actor, n, token) === 'mine' ? 0 : 423; // E2EE-LOCK-041: core's FileLocked
  }

  /** The existing parent folder of `segs`, or undefined (409). */
  private parentOf(actor: ModelActor, segs: readonly string[]): ModelNode | undefined {
    const p = this.resolve(actor, segs.slice(0, -1));
    return p?.kind === 'folder' ? p : undefined;
  }

  put(actor: ModelActor, segs: readonly string[], token: string, body: string): Expected {
    const parent = this.parentOf(actor, segs);
    if (!parent) return { status: 409 };
    const name = segs.at(-1)!;
    const exact = childNamed(parent, name);
    if (this.resolve(actor, segs)?.kind === 'folder') return { status: 405 };
    if ((this.perms(actor) & (exact ? PERM.update : PERM.create)) === 0) return { status: 403 };
    if (isReserved(name)) return { status: 403 };
    const denied = this.lockDenied(actor, exact ?? parent, token);
    if (denied) return { status: denied };
    const old = childNamed(parent, name + SAVE);
    if (old?.kind === 'folder') return { status: 405 };
    if (old) {
      old.content = body; // E2EE-LOCK-043: a second PUT overwrites the staged node
      return { status: 204 };
    }
    const n = makeNode(parent, name + SAVE, 'file');
    n.content = body;
    this.stage(token, { node: n, op: 'save' });
    return { status: 201, created: n };
  }

  mkcol(actor: ModelActor, segs: readonly string[], token: string): Expected {
    const parent = this.parentOf(actor, segs);
    if (!parent) return { status: 409 };
    const name = segs.at(-1)!;
    if (this.resolve(actor, segs)) return { status: 405 };
    if ((this.perms(actor) & PERM.create) === 0) return { status: 403 };
    if (isReserved(name)) return { status: 403 };
    const denied = this.lockDenied(actor, parent, token);
    if (denied) return { status: denied };
    if (childNamed(parent, name + SAVE)) return { status: 405 };
    const n = makeNode(parent, name + SAVE, 'folder');
    this.folders.push(n);
    this.stage(token, { node: n, op: 'save' });
    return { status: 201, created: n };
  }

  del(actor: ModelActor, segs: readonly string[], token: string): Expected {
    const n = this.resolve(actor, segs);
    // A name that exists only as a pending delete is already gone for this request.
    if (!n || n.name !== segs.at(-1)) return { status: 404 };
    if ((this.perms(actor) & PERM.delete) === 0) return { status: 403 };
    const denied = this.lockDenied(actor, n, token);
    if (denied) return { status: denied };
    const stale = childNamed(n.parent!, n.name + DEL);
    if (stale) removeNode(stale);
    n.name += DEL; // E2EE-LOCK-044
    this.stage(token, { node: n, op: 'delete' });
    return { status: 204 };
  }

  move(actor: ModelActor, from: readonly string[], to: readonly string[], token: string): Expected {
    const s = this.resolve(actor, from);
    if (!s || s.name !== from.at(-1)) return { status: 404 };
    if (from.join('/') === to.join('/')) return { status: 403 };
    const dp = this.parentOf(actor, to);
    if (!dp || subtree(s).includes(dp)) return { status: 409 };
    const existing = this.resolve(actor, to);
    if (existing && subtree(existing).includes(s)) return { status: 403 };
    if ((this.perms(actor) & (PERM.delete | PERM.create)) !== (PERM.delete | PERM.create))
      return { status: 403 };
    const name = to.at(-1)!;
    if (isReserved(name)) return { status: 403 };
    const denied = this.lockDenied(actor, s, token) || this.lockDenied(actor, dp, token);
    if (denied) return { status: denied };
    const origin = { parent: s.parent!, name: s.name };
    placeNode(s, dp, name + SAVE); // E2EE-LOCK-045: the destination is staged
    this.stage(token, { node: s, op: 'save', origin });
    return { status: existing ? 204 : 201 };
  }

  get(actor: ModelActor, segs: readonly string[]): Expected {
    const n = this.resolve(actor, segs);
    if (!n) return { status: 404 };
    if (n.kind !== 'file') return { status: 405 };
    return { status: 200, body: n.content ?? '' };
  }

  // --- Shares of the top folder (spec/14 §7) ---------------------------------------------------

  /** `POST …/shares` by the owner: the top folder, or a sub-folder `name` of it (refused). */
  share(recipient: ModelActor, sub: string | null, perms: number): Expected {
    if (sub !== null) {
      const n = childNamed(this.top, sub);
      return { status: n ? 403 : 404 }; // E2EE-API-250: not the top-level encrypted folder
    }
    if (this.shares.has(recipient)) return { status: 403 };
    this.shares.set(recipient, { perms });
    return { status: 200 };
  }

  /** `DELETE …/shares/{id}` of the share to `recipient`, by `actor`. */
  unshare(actor: ModelActor, recipient: ModelActor): Expected {
    if (!this.shares.has(recipient) || (actor !== OWNER && actor !== recipient))
      return { status: 404 };
    this.shares.delete(recipient);
    return { status: 200 };
  }
}
