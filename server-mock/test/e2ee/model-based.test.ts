/**
 * Model-based test (fast-check `fc.commands`): random interleavings of lock, unlock, abort,
 * metadata POST/PUT/DELETE/GET, filedrop, WebDAV staging (PUT, MKCOL, DELETE through the engine
 * API) and clock ticks, by three users, against the server (OCS over HTTP) and the executable
 * model (`model.ts`). After every command the statuses and the whole server-visible state (tree,
 * committed and intermediate metadata, counters, locks) must agree.
 */

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { makeServer, type TestServer } from './_server.js';
import { Model, type MNode } from './model.js';
import { tree } from '../../src/store/index.js';
import {
  isE2eeFailure,
  loadE2eeState,
  stageDelete,
  stagePut,
  statusFor,
} from '../../src/e2ee/index.js';

const TTL_MS = 100_000;
type User = 'alice' | 'bob' | 'eve';
type Key = 'E' | 'S' | 'P';

interface Real {
  s: TestServer;
  ids: Record<Key | 'home', number>;
  tokens: string[];
}
interface Mod {
  m: Model;
  nodes: Record<Key | 'home', MNode>;
  tokens: string[];
}

/** -3: the latest token issued, -2: none, -1 or out of range: a token nobody holds. */
function tokenOf(list: string[], tk: number): string {
  if (tk === -2) return '';
  if (tk === -3 && list.length > 0) return list[list.length - 1] as string;
  return list[tk] ?? 'bogus-token-0000000000000000000000000000000000000000000000000000';
}

const MKCOL_EXISTS = new Error('mkcol: exists');

function realStage(r: Real, fn: Parameters<TestServer['engine']>[0]): number {
  r.s.rollback();
  try {
    r.s.engine(fn);
    return 200;
  } catch (e) {
    if (e === MKCOL_EXISTS) return 405;
    if (isE2eeFailure(e)) return statusFor(e.kind, r.s.profile);
    throw e;
  }
}

function realSnapshot(r: Real): string[] {
  const state = loadE2eeState(r.s.store);
  const out: string[] = [];
  const seen = new Set<number>();
  const walk = (id: number, prefix: string): void => {
    for (const c of r.s.store.childrenOf(id)) {
      seen.add(c.id);
      const m = state.meta[String(c.id)];
      const l = state.locks[String(c.id)];
      out.push(
        [
          `${prefix}/${c.name}`,
          c.kind,
          c.encrypted,
          m !== undefined,
          m?.doc,
          m?.signature,
          m?.counter,
          m?.intermediate?.doc,
          m?.intermediate?.signature,
          m?.intermediateCounter,
          l ? r.tokens.indexOf(l.token) : '',
        ].join('|'),
      );
      walk(c.id, `${prefix}/${c.name}`);
    }
  };
  walk(r.ids.home, '');
  for (const k of Object.keys(state.meta)) if (!seen.has(Number(k))) out.push(`orphan meta ${k}`);
  for (const k of Object.keys(state.locks)) if (!seen.has(Number(k))) out.push(`orphan lock ${k}`);
  return out.sort();
}

function modelSnapshot(d: Mod): string[] {
  const out: string[] = [];
  const walk = (n: MNode, prefix: string): void => {
    for (const c of n.children) {
      const m = c.meta;
      out.push(
        [
          `${prefix}/${c.name}`,
          c.kind,
          c.encrypted,
          m !== undefined,
          m?.doc,
          m?.sig,
          m?.counter,
          m?.idoc,
          m?.isig,
          m?.icounter,
          c.lock ? d.tokens.indexOf(c.lock.token) : '',
        ].join('|'),
      );
      walk(c, `${prefix}/${c.name}`);
    }
  };
  walk(d.nodes.home, '');
  return out.sort();
}

type Cmd = fc.AsyncCommand<Mod, Real>;

function check(d: Mod, r: Real, got: number, want: number, what: string): void {
  expect(got, what).toBe(want);
  expect(realSnapshot(r), `state after ${what}`).toEqual(modelSnapshot(d));
}

function cmd(label: string, run: (d: Mod, r: Real) => Promise<void>): Cmd {
  return { check: () => true, run, toString: () => label };
}

const key = fc.oneof(
  { weight: 4, arbitrary: fc.constant<Key>('E') },
  { weight: 3, arbitrary: fc.constant<Key>('S') },
  { weight: 1, arbitrary: fc.constant<Key>('P') },
);
const user = fc.oneof(
  { weight: 5, arbitrary: fc.constant<User>('alice') },
  { weight: 2, arbitrary: fc.constant<User>('bob') },
  { weight: 1, arbitrary: fc.constant<User>('eve') },
);
const tk = fc.oneof(
  { weight: 8, arbitrary: fc.constant(-3) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom(-2, -1) },
);
const DOCS = ['{"v":1}', '{"v":2,"filedrop":{"k0":{"z":0}}}', '{"v":3}', '{}', 'not json'];
const SIGS = ['SIG-1', 'SIG-2', 'SIG-3', ''];

const counterArb = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom(undefined, '0', 'x') },
  { weight: 8, arbitrary: fc.integer({ min: 1, max: 30 }).map(String) },
);
type MetaKind = 'post' | 'put' | 'delete';

function lockCmd(u: User, k: Key, t: number, c: string | undefined): Cmd {
  return cmd(`lock ${u} ${k} t${t} c${c}`, async (d, r) => {
    const token = tokenOf(r.tokens, t);
    d.m.rollback();
    const want = d.m.lock(u, d.nodes[k], tokenOf(d.tokens, t), c);
    const req = r.s.ocs('post', `/v2/lock/${r.ids[k]}${token ? `?e2e-token=${token}` : ''}`, u);
    const res = await (c === undefined ? req : req.set('X-NC-E2EE-COUNTER', c));
    if (want.token && !d.tokens.includes(want.token)) d.tokens.push(want.token);
    const got = res.body?.ocs?.data?.['e2e-token'];
    if (res.status === 200 && !r.tokens.includes(got)) r.tokens.push(got);
    check(d, r, res.status, want.status, `lock ${u} ${k}`);
  });
}

function unlockCmd(u: User, k: Key, t: number, abort: boolean): Cmd {
  return cmd(`unlock ${u} ${k} t${t} abort=${abort}`, async (d, r) => {
    d.m.rollback();
    const want = d.m.unlock(u, d.nodes[k], tokenOf(d.tokens, t), abort);
    const token = tokenOf(r.tokens, t);
    const req = r.s.ocs('delete', `/v2/lock/${r.ids[k]}${abort ? '?abort=true' : ''}`, u);
    const res = await (token ? req.set('e2e-token', token) : req);
    check(d, r, res.status, want, `unlock ${u} ${k}`);
  });
}

function metaCmd(kind: MetaKind, u: User, k: Key, t: number, doc: string, sig: string): Cmd {
  return cmd(`${kind} meta ${u} ${k} t${t} ${doc} ${sig}`, async (d, r) => {
    d.m.rollback();
    const want = d.m.writeMeta(kind, u, d.nodes[k], tokenOf(d.tokens, t), doc, sig);
    const token = tokenOf(r.tokens, t);
    let req = r.s.ocs(kind, `/v2/meta-data/${r.ids[k]}`, u);
    if (token) req = req.set('e2e-token', token);
    if (sig) req = req.set('X-NC-E2EE-SIGNATURE', sig);
    const res = await (kind === 'delete' ? req : req.type('form').send({ metaData: doc }));
    check(d, r, res.status, want, `${kind} meta ${u} ${k}`);
  });
}

function getCmd(u: User, k: Key): Cmd {
  return cmd(`get meta ${u} ${k}`, async (d, r) => {
    d.m.rollback();
    const want = d.m.getMeta(u, d.nodes[k]);
    const res = await r.s.ocs('get', `/v2/meta-data/${r.ids[k]}`, u);
    if (want.status === 200) {
      expect(res.body.ocs.data['meta-data']).toBe(want.doc);
      expect(res.headers['x-nc-e2ee-signature']).toBe(want.sig);
    }
    check(d, r, res.status, want.status, `get ${u} ${k}`);
  });
}

function filedropCmd(u: User, k: Key, raw: string): Cmd {
  return cmd(`filedrop ${u} ${k} ${raw}`, async (d, r) => {
    d.m.rollback();
    const want = d.m.filedrop(u, d.nodes[k], raw);
    const res = await r.s
      .ocs('put', `/v2/meta-data/${r.ids[k]}/filedrop`, u)
      .type('form')
      .send({ filedrop: raw });
    check(d, r, res.status, want, `filedrop ${u} ${k}`);
  });
}

function putCmd(u: User, k: Key, name: string, t: number): Cmd {
  return cmd(`PUT ${u} ${k}/${name} t${t}`, async (d, r) => {
    d.m.rollback();
    const w = d.m.stageCreate(u, d.nodes[k], name, 'file', tokenOf(d.tokens, t));
    const got = realStage(r, (ctx, tx) => {
      stagePut(ctx, { user: u, token: tokenOf(r.tokens, t) }, r.ids[k], name, (pid, staged) => {
        const ex = tree.childByName(tx, pid, staged);
        if (ex) return tree.writeContent(tx, 1, ex.id, new Uint8Array([1])).id;
        return tree.createNode(tx, 1, { parent: pid, name: staged, kind: 'file' }).id;
      });
    });
    check(d, r, got, w, `PUT ${u} ${k}/${name}`);
  });
}

function mkcolCmd(u: User, t: number): Cmd {
  return cmd(`MKCOL ${u} E/d t${t}`, async (d, r) => {
    d.m.rollback();
    const w = d.m.stageCreate(u, d.nodes.E, 'd', 'folder', tokenOf(d.tokens, t));
    const got = realStage(r, (ctx, tx) => {
      stagePut(ctx, { user: u, token: tokenOf(r.tokens, t) }, r.ids.E, 'd', (pid, staged) => {
        if (tree.childByName(tx, pid, staged)) throw MKCOL_EXISTS;
        return tree.createNode(tx, 1, { parent: pid, name: staged, kind: 'folder' }).id;
      });
    });
    check(d, r, got, w, `MKCOL ${u} E/d`);
  });
}

function deleteCmd(u: User, p: Key | 'home', name: string, t: number): Cmd {
  return cmd(`DELETE ${u} ${p}/${name} t${t}`, async (d, r) => {
    d.m.rollback();
    const w = d.nodes[p].gone ? 404 : d.m.stageDelete(u, d.nodes[p], name, tokenOf(d.tokens, t));
    r.s.rollback();
    const child =
      r.s.store.get('nodes', String(r.ids[p])) && tree.childByName(r.s.store, r.ids[p], name);
    const got = child
      ? realStage(r, (ctx) => stageDelete(ctx, { user: u, token: tokenOf(r.tokens, t) }, child.id))
      : 404;
    check(d, r, got, w, `DELETE ${u} ${p}/${name}`);
  });
}

const metaKind = fc.constantFrom<MetaKind>('post', 'put', 'delete');
const doc = fc.constantFrom(...DOCS);
const sig = fc.constantFrom(...SIGS);
const fileName = fc.constantFrom('a', 'b');
const delTarget = fc.constantFrom<[Key | 'home', string]>(
  ['E', 'a'],
  ['E', 'b'],
  ['E', 'd'],
  ['E', 'S'],
  ['S', 'a'],
  ['S', 'b'],
  ['home', 'E'],
);
const dropRaw = fc.constantFrom('{"k1":{"a":1}}', '{"k2":{"b":[2]}}', '{"k0":{"y":1}}', '[]', 'x');

/** Steps inside a transaction: they use the latest token. */
const goodDoc = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...DOCS.slice(0, 3)) },
  { weight: 1, arbitrary: doc },
);
const goodSig = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...SIGS.slice(0, 3)) },
  { weight: 1, arbitrary: sig },
);
const innerStep = (u: User, locked: Key) =>
  fc.oneof(
    {
      weight: 4,
      arbitrary: fc
        .tuple(metaKind, fc.constantFrom<Key>(locked, locked, 'S'), goodDoc, goodSig)
        .map(([kind, k, dd, ss]) => metaCmd(kind, u, k, -3, dd, ss)),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.constantFrom<Key>('E', 'S'), fileName)
        .map(([k, n]) => putCmd(u, k, n, -3)),
    },
    { weight: 1, arbitrary: fc.constant(null).map(() => mkcolCmd(u, -3)) },
    { weight: 1, arbitrary: delTarget.map(([p, n]) => deleteCmd(u, p, n, -3)) },
    { weight: 1, arbitrary: key.map((k) => getCmd(u, k)) },
  );

/** lock → a few writes with its token → unlock or abort, each step checked. */
const flow = fc
  .tuple(user, key, counterArb)
  .chain(([u, k, c]) =>
    fc.tuple(
      fc.constant(u),
      fc.constant(k),
      fc.constant(c),
      fc.array(innerStep(u, k), { maxLength: 5 }),
      fc.boolean(),
    ),
  )
  .map(([u, k, c, steps, abort]) => {
    const all = [lockCmd(u, k, -2, c), ...steps, unlockCmd(u, k, -3, abort)];
    return cmd(`flow[${all.map(String).join('; ')}]`, async (d, r) => {
      for (const x of all) await x.run(d, r);
    });
  });

const commands = [
  fc.tuple(user, key, tk, counterArb).map(([u, k, t, c]) => lockCmd(u, k, t, c)),
  fc.tuple(user, key, tk, fc.boolean()).map(([u, k, t, a]) => unlockCmd(u, k, t, a)),
  fc
    .tuple(metaKind, user, key, tk, doc, sig)
    .map(([kind, u, k, t, dd, ss]) => metaCmd(kind, u, k, t, dd, ss)),
  fc.tuple(user, key).map(([u, k]) => getCmd(u, k)),
  fc.tuple(user, key, dropRaw).map(([u, k, raw]) => filedropCmd(u, k, raw)),
  fc
    .tuple(user, fc.constantFrom<Key>('E', 'S'), fileName, tk)
    .map(([u, k, n, t]) => putCmd(u, k, n, t)),
  fc.tuple(user, tk).map(([u, t]) => mkcolCmd(u, t)),
  fc.tuple(user, delTarget, tk).map(([u, [p, n], t]) => deleteCmd(u, p, n, t)),
  flow,
  flow,
  flow,
  fc.constantFrom(1_000, TTL_MS / 2, TTL_MS + 1).map((ms) =>
    cmd(`tick ${ms}`, async (d, r) => {
      d.m.now += ms;
      r.s.clock.t += ms;
      expect(realSnapshot(r)).toEqual(modelSnapshot(d));
    }),
  ),
];

function setup(profile: 'nc30' | 'nc32'): { model: Mod; real: Real } {
  const s = makeServer(profile, { lockTtlSeconds: TTL_MS / 1000 });
  const home = s.root('alice');
  const E = s.mkdir(home, 'E');
  const S = s.mkdir(E, 'S');
  const P = s.mkdir(home, 'P');
  s.engine((ctx) => {
    ctx.tree.setEncrypted(E, true);
    ctx.tree.setEncrypted(S, true);
  });
  s.share(E, 'bob');
  const m = new Model(profile, TTL_MS);
  m.now = s.clock.t;
  const mh = m.home('alice');
  const mE = m.add(mh, 'E', 'folder');
  const mS = m.add(mE, 'S', 'folder');
  const mP = m.add(mh, 'P', 'folder');
  mE.encrypted = true;
  mS.encrypted = true;
  m.shares.push({ node: mE, user: 'bob' });
  return {
    model: { m, nodes: { home: mh, E: mE, S: mS, P: mP }, tokens: [] },
    real: { s, ids: { home, E, S, P }, tokens: [] },
  };
}

describe.each(['nc30', 'nc32'] as const)('model-based, profile %s', (profile) => {
  it('E2EE-LOCK-050, E2EE-LOCK-055, E2EE-LOCK-060, E2EE-LOCK-071, E2EE-LOCK-072, E2EE-API-140: the server agrees with the executable model on every status and state', async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 40, size: '+1' }), async (cmds) => {
        const { model, real } = setup(profile);
        await fc.asyncModelRun(() => ({ model, real }), cmds);
      }),
      { numRuns: 30 },
    );
  });
});
