/**
 * One case of the property-based model run: a fresh top-level encrypted folder in alice's run
 * folder, the setup commands and a random command list, each sent to the target and applied to
 * the model; after every step the statuses must agree (per status profile) and so must the
 * visible state: every actor's listing of the folder tree, every folder's committed metadata
 * document and signature byte for byte, and, through the statuses of later commands, who holds
 * the lock. The first disagreement ends the case with a {@link Divergence}.
 *
 * @module
 */
import type { CheckContext, Reply } from '../check.js';
import { describeCommand, type Command, type TokenChoice } from './commands.js';
import { fileBody, filedropEntries, metadataDocument, signatureFor } from './documents.js';
import {
  davPath,
  e2eePath,
  fileIdHeader,
  form,
  hrefPrefix,
  ocsData,
  parseListing,
  propfind,
  sharesPath,
} from './http.js';
import { OWNER, ServerModel, type Expected, type ModelActor } from './model.js';
import type { ModelProfile } from './statuses.js';
import { listFolder, visibleFolders, type ModelNode } from './tree.js';

/** A token no server issued: 64 characters of the token alphabet (E2EE-LOCK-004). */
const FOREIGN_TOKEN = 'SealfoldModelRunForeignToken'.padEnd(64, '0');

/** Model and target disagree; `step` is 1-based over setup and random commands together. */
export class Divergence extends Error {
  override readonly name = 'Divergence';
  readonly step: number;
  readonly command: string;
  readonly expected: unknown;
  readonly actual: unknown;
  constructor(step: number, command: string, what: string, expected: unknown, actual: unknown) {
    super(`step ${step} (${command}): ${what}`);
    this.step = step;
    this.command = command;
    this.expected = expected;
    this.actual = actual;
  }
}

/** The target did something the run cannot go on from (not a model disagreement). */
export class HarnessProblem extends Error {
  override readonly name = 'HarnessProblem';
}

export interface CaseOptions {
  profile: ModelProfile;
  /** Observe recipients (sharing claimed). */
  recipients: boolean;
  /** alice's run folder (segments below her root), which exists. */
  base: readonly string[];
  /** The fresh top folder's name. */
  name: string;
  /** Stop sending commands after this time (ms since the epoch); cleanup still runs. */
  deadline: number;
}

export class ModelCase {
  private readonly ctx: CheckContext;
  private readonly opts: CaseOptions;
  readonly model: ServerModel;
  /** Symbolic token → the token the target issued. */
  private readonly tokens = new Map<string, string>();
  private readonly held = new Map<ModelActor, string>();
  private readonly stale = new Map<ModelActor, string>();
  private readonly shareIds = new Map<ModelActor, string>();
  /** Each recipient's path to the top folder, as the share API reports it. */
  private readonly mounts = new Map<ModelActor, string[]>();
  /** Random commands (not setup) the target accepted (2xx) and refused, for the evidence notes. */
  readonly tally = { accepted: 0, refused: 0 };
  private counting = false;
  private step = 0;
  private current = '';
  /** The target's path before `/remote.php/dav/files/`, learned from its first listing. */
  private davPrefix = '';

  constructor(ctx: CheckContext, opts: CaseOptions) {
    this.ctx = ctx;
    this.opts = opts;
    this.model = new ServerModel(opts.profile);
  }

  /** Creates the top folder and sets its encrypted flag (E2EE-API-110). */
  async create(): Promise<void> {
    const segs = this.topSegs(OWNER);
    const made = await this.ctx.request('alice', 'MKCOL', davPath(this.uid(OWNER), segs));
    const id = fileIdHeader(made);
    if (made.status !== 201 || id === undefined)
      throw new HarnessProblem(
        `MKCOL of the case folder answered ${made.status} without a file id`,
      );
    this.model.top.id = id;
    const flag = await this.ctx.request('alice', 'PUT', e2eePath(`/encrypted/${id}`));
    if (flag.status !== 200)
      throw new HarnessProblem(`setting the encrypted flag answered ${flag.status}`);
  }

  /** Runs the setup, then the random commands; returns how many of those ran before the deadline. */
  async run(setup: readonly Command[], commands: readonly Command[]): Promise<number> {
    let ran = 0;
    for (const [i, c] of [...setup, ...commands].entries()) {
      // E2EE-CONF-302 (MUST, suite): no command is sent after the wall clock.
      if (Date.now() > this.opts.deadline || this.ctx.signal.aborted) break;
      this.step++;
      this.current = describeCommand(c);
      this.counting = i >= setup.length;
      await this.apply(c);
      // E2EE-CONF-301 (MUST, suite): the visible state is compared after every command (after
      // the setup as a whole: its statuses are compared one by one all the same).
      if (i >= setup.length - 1) await this.observe();
      if (this.counting) ran++;
    }
    return ran;
  }

  /**
   * Removes the case folder: aborts an open transaction, then deletes the top folder under a
   * fresh lock (its delete is staged in the plain parent, E2EE-LOCK-044). Returns a problem, if any.
   */
  async cleanup(): Promise<string | undefined> {
    // E2EE-CONF-303 (MUST, suite): the case folder goes, whatever the case's result.
    const uid = this.uid(OWNER);
    const id = this.model.top.id;
    if (id === undefined) return undefined;
    const open = this.model.lock && this.tokens.get(this.model.lock.token);
    if (open)
      await this.ctx.request('alice', 'DELETE', e2eePath(`/lock/${id}?abort=true`), {
        headers: { 'e2e-token': open },
      });
    const locked = await this.ctx.request('alice', 'POST', e2eePath(`/lock/${id}`), {
      headers: { 'x-nc-e2ee-counter': String(this.model.storedCounter() + 1000) },
    });
    const token = (ocsData(locked) as Record<string, unknown> | undefined)?.['e2e-token'];
    if (locked.status !== 200 || typeof token !== 'string')
      return `cleanup: locking the case folder answered ${locked.status}`;
    const gone = await this.ctx.request('alice', 'DELETE', davPath(uid, this.topSegs(OWNER)), {
      headers: { 'e2e-token': token },
    });
    const done = await this.ctx.request('alice', 'DELETE', e2eePath(`/lock/${id}`), {
      headers: { 'e2e-token': token },
    });
    if (gone.status !== 204 || done.status !== 200)
      return `cleanup: deleting the case folder answered ${gone.status}, unlock ${done.status}`;
    return undefined;
  }

  // --- one command -------------------------------------------------------------------------

  private uid(a: ModelActor): string {
    return this.ctx.userId(a);
  }

  /** Where `actor` reaches the top folder: alice in her run folder, a recipient at the mount. */
  private topSegs(actor: ModelActor): string[] {
    if (actor === OWNER) return [...this.opts.base, this.opts.name];
    return this.mounts.get(actor) ?? [this.opts.name];
  }

  private symbolicToken(actor: ModelActor, choice: TokenChoice): string {
    if (choice === 'mine') return this.held.get(actor) ?? '';
    if (choice === 'stale') return this.stale.get(actor) ?? 'foreign';
    return '';
  }

  private realToken(sym: string): string {
    return sym === '' ? '' : (this.tokens.get(sym) ?? FOREIGN_TOKEN);
  }

  private tokenHeader(sym: string): Record<string, string> {
    const t = this.realToken(sym);
    return t === '' ? {} : { 'e2e-token': t };
  }

  /** Slot 0 is the top folder, 1 the newest folder, 2 the one before, and so on. */
  private folderAt(slot: number): ModelNode {
    const f = this.model.folders;
    return f[(f.length - (slot % f.length)) % f.length]!;
  }

  /** A folder as reports name it: its place in creation order, not the target's file id. */
  private folderName(f: ModelNode): string {
    return `folder#${this.model.folders.indexOf(f)}`;
  }

  private diverge(what: string, expected: unknown, actual: unknown): never {
    throw new Divergence(this.step, this.current, what, expected, actual);
  }

  private expectStatus(expected: Expected, reply: Reply): void {
    if (this.counting) this.tally[expected.status < 300 ? 'accepted' : 'refused']++;
    if (reply.status !== expected.status)
      this.diverge(
        `status ${reply.status}, the spec's model expects ${expected.status}`,
        { status: expected.status },
        { status: reply.status, body: reply.text().slice(0, 300) },
      );
  }

  /** Learns the file id of a node the request created (E2EE-API-230, E2EE-API-231). */
  private learnId(expected: Expected, reply: Reply): void {
    if (!expected.created) return;
    const id = fileIdHeader(reply);
    if (id === undefined)
      this.diverge('the answer has no OC-FileId header', 'a file id', reply.headers);
    expected.created.id = id;
  }

  private async apply(c: Command): Promise<void> {
    const { ctx, model } = this;
    switch (c.op) {
      case 'lock': {
        const stored = model.storedCounter();
        const counter = {
          next: stored + 1,
          skip: stored + 2,
          same: stored,
          lower: Math.max(0, stored - 1),
          zero: 0,
        }[c.counter];
        const retry = this.held.get(c.actor) ?? '';
        const exp = model.lockTop(c.actor, counter, retry);
        // A retry sends the held token as a request parameter, not a header (spec/11 §3).
        const body = retry ? form({ 'e2e-token': this.realToken(retry) }) : { headers: {} };
        const reply = await ctx.request(c.actor, 'POST', e2eePath(`/lock/${model.top.id}`), {
          ...body,
          headers: { ...body.headers, 'x-nc-e2ee-counter': String(counter) },
        });
        this.expectStatus(exp, reply);
        if (exp.token === undefined) return;
        const got = (ocsData(reply) as Record<string, unknown> | undefined)?.['e2e-token'];
        if (typeof got !== 'string' || got === '')
          this.diverge('the lock answer has no e2e-token', 'a token', ocsData(reply));
        const known = this.tokens.get(exp.token);
        // E2EE-LOCK-003: a retry with the held token gets that same token back.
        if (known !== undefined && known !== got)
          this.diverge('a lock retry answered another token', 'the held token', 'another token');
        if (known === undefined && [...this.tokens.values()].includes(got))
          this.diverge(
            'a new lock answered a token issued before',
            'a fresh token',
            'an old token',
          );
        this.tokens.set(exp.token, got);
        this.held.set(c.actor, exp.token);
        return;
      }
      case 'unlock': {
        const sym = this.symbolicToken(c.actor, c.token);
        const exp = model.unlockTop(c.actor, sym, c.abort);
        const reply = await ctx.request(
          c.actor,
          'DELETE',
          e2eePath(`/lock/${model.top.id}${c.abort ? '?abort=true' : ''}`),
          { headers: this.tokenHeader(sym) },
        );
        this.expectStatus(exp, reply);
        if (exp.status === 200)
          for (const [a, t] of this.held)
            if (t === sym) {
              this.held.delete(a);
              this.stale.set(a, t);
            }
        return;
      }
      case 'meta': {
        const sym = this.symbolicToken(c.actor, c.token);
        const folder = this.folderAt(c.folder);
        const doc = metadataDocument(c.doc);
        const sig = signatureFor(c.doc);
        const exp = model.writeMeta(c.kind, c.actor, folder, sym, doc, sig);
        const path = e2eePath(`/meta-data/${folder.id}`);
        const headers = this.tokenHeader(sym);
        const reply =
          c.kind === 'delete'
            ? await ctx.request(c.actor, 'DELETE', path, { headers })
            : await ctx.request(c.actor, c.kind.toUpperCase(), path, {
                ...form({ metaData: doc }),
                headers: {
                  ...headers,
                  'x-nc-e2ee-signature': sig,
                  'content-type': 'application/x-www-form-urlencoded',
                },
              });
        this.expectStatus(exp, reply);
        return;
      }
      case 'put': {
        const sym = this.symbolicToken(c.actor, c.token);
        const body = fileBody(c.body);
        const exp = model.put(c.actor, c.path, sym, body);
        const reply = await ctx.request(c.actor, 'PUT', this.dav(c.actor, c.path), {
          headers: { ...this.tokenHeader(sym), 'content-type': 'application/octet-stream' },
          body,
        });
        this.expectStatus(exp, reply);
        this.learnId(exp, reply);
        return;
      }
      case 'mkcol': {
        const sym = this.symbolicToken(c.actor, c.token);
        const exp = model.mkcol(c.actor, c.path, sym);
        const reply = await ctx.request(c.actor, 'MKCOL', this.dav(c.actor, c.path), {
          headers: this.tokenHeader(sym),
        });
        this.expectStatus(exp, reply);
        this.learnId(exp, reply);
        return;
      }
      case 'delete': {
        const sym = this.symbolicToken(c.actor, c.token);
        const exp = model.del(c.actor, c.path, sym);
        const reply = await ctx.request(c.actor, 'DELETE', this.dav(c.actor, c.path), {
          headers: this.tokenHeader(sym),
        });
        this.expectStatus(exp, reply);
        return;
      }
      case 'move': {
        const sym = this.symbolicToken(c.actor, c.token);
        const exp = model.move(c.actor, c.from, c.to, sym);
        const dest = this.dav(c.actor, c.to);
        const reply = await ctx.request(c.actor, 'MOVE', this.dav(c.actor, c.from), {
          headers: { ...this.tokenHeader(sym), destination: this.davPrefix + dest },
        });
        this.expectStatus(exp, reply);
        return;
      }
      case 'read': {
        const exp = model.get(c.actor, c.path);
        const reply = await ctx.request(c.actor, 'GET', this.dav(c.actor, c.path));
        this.expectStatus(exp, reply);
        if (exp.body !== undefined && reply.text() !== exp.body)
          this.diverge('GET answered other bytes', exp.body, reply.text().slice(0, 300));
        return;
      }
      case 'share':
        return this.share(c.recipient, c.sub, c.perms);
      case 'unshare': {
        const id = this.shareIds.get(c.recipient);
        if (id === undefined) return; // never shared: there is no id to send
        const exp = model.unshare(c.actor, c.recipient);
        const reply = await ctx.request(c.actor, 'DELETE', sharesPath(`/${id}`));
        this.expectStatus(exp, reply);
        if (exp.status === 200) this.mounts.delete(c.recipient);
        return;
      }
      case 'filedrop': {
        const folder = this.folderAt(c.folder);
        const entries = filedropEntries(c.entry);
        const exp = model.filedrop(c.actor, folder, entries);
        const reply = await ctx.request(
          c.actor,
          'PUT',
          e2eePath(`/meta-data/${folder.id}/filedrop`),
          form({ filedrop: JSON.stringify(entries) }),
        );
        this.expectStatus(exp, reply);
        return;
      }
    }
  }

  private dav(actor: ModelActor, segs: readonly string[]): string {
    return davPath(this.uid(actor), [...this.topSegs(actor), ...segs]);
  }

  private async share(recipient: ModelActor, sub: string | null, perms: number): Promise<void> {
    const { ctx, model } = this;
    const exp = model.share(recipient, sub, perms);
    const path = '/' + [...this.topSegs(OWNER), ...(sub === null ? [] : [sub])].join('/');
    const reply = await ctx.request(
      'alice',
      'POST',
      sharesPath(''),
      form({
        path,
        shareType: '0',
        shareWith: this.uid(recipient),
        permissions: String(perms),
      }),
    );
    this.expectStatus(exp, reply);
    if (exp.status !== 200) return;
    const id = (ocsData(reply) as Record<string, unknown> | undefined)?.['id'];
    if (typeof id !== 'string' && typeof id !== 'number')
      this.diverge('the share answer has no id', 'a share id', ocsData(reply));
    this.shareIds.set(recipient, String(id));
    // E2EE-API-251: the recipient reads the share to learn where it is mounted.
    const seen = await ctx.request(recipient, 'GET', sharesPath(`/${id}`));
    const data = ocsData(seen);
    const one = (Array.isArray(data) ? data[0] : data) as Record<string, unknown> | undefined;
    const at = one?.['path'] ?? one?.['file_target'];
    if (seen.status !== 200 || typeof at !== 'string')
      this.diverge('the recipient cannot read the new share', 200, seen.status);
    this.mounts.set(
      recipient,
      at.split('/').filter((s) => s !== ''),
    );
  }

  // --- visible state -----------------------------------------------------------------------

  /** Compares what each actor sees with the model. */
  private async observe(): Promise<void> {
    const actors: ModelActor[] = this.opts.recipients ? ['alice', 'bob', 'carol'] : ['alice'];
    for (const actor of actors) {
      const visible = this.model.canSee(actor, this.model.top);
      if (visible) {
        // A recipient's view is checked at the top folder only, to keep the request count low.
        const folders = visibleFolders(this.model.top);
        for (const f of actor === OWNER ? folders : folders.slice(0, 1)) {
          const segs = [...this.topSegs(actor), ...f.segs];
          const reply = await propfind(this.ctx, actor, segs);
          const want = listFolder(f.node);
          if (reply.status !== 207)
            this.diverge(
              `${actor}'s PROPFIND of /${f.segs.join('/')} answered ${reply.status}`,
              207,
              reply.status,
            );
          this.davPrefix = hrefPrefix(reply.text()) ?? this.davPrefix;
          const got = parseListing(reply.text(), segs);
          if (JSON.stringify(got) !== JSON.stringify(want))
            this.diverge(`${actor}'s listing of /${f.segs.join('/')} differs`, want, got);
        }
      }
      const metaFolders =
        actor === OWNER ? this.model.folders.filter((f) => !f.gone) : [this.model.top];
      for (const f of metaFolders) await this.compareMeta(actor, f);
    }
  }

  /** The committed document and signature, byte for byte (E2EE-API-120, E2EE-API-126). */
  private async compareMeta(actor: ModelActor, f: ModelNode): Promise<void> {
    const want = this.model.readMeta(actor, f);
    const reply = await this.ctx.request(actor, 'GET', e2eePath(`/meta-data/${f.id}`));
    const data = ocsData(reply) as Record<string, unknown> | undefined;
    const got = {
      status: reply.status,
      ...(reply.status === 200
        ? { doc: data?.['meta-data'], sig: reply.headers['x-nc-e2ee-signature'] ?? '' }
        : {}),
    };
    if (JSON.stringify(got) !== JSON.stringify(want))
      this.diverge(`${actor}'s GET meta-data of ${this.folderName(f)} differs`, want, got);
  }
}
