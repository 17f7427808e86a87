/**
 * Model-based test (fast-check `fc.commands`): random interleavings of lock, unlock, abort,
 * metadata POST/PUT/DELETE/GET, filedrop, WebDAV PUT/MKCOL/DELETE/MOVE/GET/PROPFIND (inside and
 * outside encrypted folders, with and without lock tokens, as E2EE clients and browsers), OCS user
 * share create/delete and clock ticks, by an owner (alice), a recipient (bob) and an outsider
 * (eve), against the server (over HTTP) and the executable model (`model.ts`). After every
 * command the statuses, the whole committed and intermediate state (tree, contents, owners,
 * shares, metadata, counters, locks) and what PROPFIND lists for each user must agree.
 */

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import request from 'supertest';
import { XMLParser } from 'fast-xml-parser';
import { PASSWORD, makeServer, type TestServer } from './_server.js';
import { Model, type MEntry, type MNode, type MShare, type Ua } from './model.js';
import { loadE2eeState } from '../../src/e2ee/index.js';
import { putUserShare } from '../_support/shares.js';

const TTL_MS = 100_000;
const USERS = ['alice', 'bob', 'eve'] as const;
type User = (typeof USERS)[number];
type Key = 'E' | 'S' | 'P';
type Anchor = Key | 'home';
type Via = 'header' | 'query';

const BROWSER_UA = 'Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0';
const SHARES = '/ocs/v2.php/apps/files_sharing/api/v1/shares';
/** Where an anchor lives when the user cannot reach it (the request then meets their own tree). */
const STATIC: Record<Anchor, string[]> = { home: [], E: ['E'], S: ['E', 'S'], P: ['P'] };

interface Real {
  s: TestServer;
  ids: Record<Key | 'home', number>;
  tokens: string[];
  /** Server ids of the shares, in the order of `Mod.shares`. */
  shareIds: number[];
}
interface Mod {
  m: Model;
  nodes: Record<Key | 'home', MNode>;
  tokens: string[];
  shares: MShare[];
}

/** -3: the latest token issued, -2: none, -1 or out of range: a token nobody holds. */
function tokenOf(list: string[], tk: number): string {
  if (tk === -2) return '';
  if (tk === -3 && list.length > 0) return list[list.length - 1] as string;
  return list[tk] ?? 'bogus-token-0000000000000000000000000000000000000000000000000000';
}

/** The request path of `anchor` (plus `rest`) for `u`, as the model says `u` reaches it. */
function segsOf(d: Mod, u: User, a: Anchor, rest: readonly string[]): string[] {
  const base = a === 'home' ? [] : (d.m.pathOf(u, d.nodes[a]) ?? STATIC[a]);
  return [...base, ...rest];
}

const enc = (segs: readonly string[]): string => '/' + segs.map(encodeURIComponent).join('/');

// --- State snapshots ---------------------------------------------------------------------------

function realSnapshot(r: Real): string[] {
  const state = loadE2eeState(r.s.store);
  const out: string[] = [];
  const seen = new Map<number, string>();
  const dec = new TextDecoder();
  const walk = (id: number, prefix: string): void => {
    for (const c of r.s.store.childrenOf(id)) {
      const path = `${prefix}/${c.name}`;
      seen.set(c.id, path);
      const m = state.meta[String(c.id)];
      const l = state.locks[String(c.id)];
      out.push(
        [
          path,
          c.kind,
          c.encrypted,
          c.owner,
          c.content ? dec.decode(c.content) : '',
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
      walk(c.id, path);
    }
  };
  for (const u of USERS) walk(r.s.root(u), `${u}:`);
  for (const s of r.s.store.list('shares'))
    out.push(
      `share ${seen.get(s.nodeId)}|${s.owner}|${s.recipient}|${s.permissions}|${s.mountName}`,
    );
  for (const k of Object.keys(state.meta)) if (!seen.has(Number(k))) out.push(`orphan meta ${k}`);
  for (const k of Object.keys(state.locks)) if (!seen.has(Number(k))) out.push(`orphan lock ${k}`);
  return out.sort();
}

function modelSnapshot(d: Mod): string[] {
  const out: string[] = [];
  const paths = new Map<MNode, string>();
  const walk = (n: MNode, prefix: string): void => {
    for (const c of n.children) {
      const path = `${prefix}/${c.name}`;
      paths.set(c, path);
      const m = c.meta;
      out.push(
        [
          path,
          c.kind,
          c.encrypted,
          d.m.ownerOf(c),
          c.content ?? '',
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
      walk(c, path);
    }
  };
  for (const u of USERS) walk(d.m.home(u), `${u}:`);
  for (const s of d.m.shares)
    out.push(`share ${paths.get(s.node)}|${s.owner}|${s.user}|${s.perms}|${s.mount}`);
  return out.sort();
}

// --- PROPFIND ----------------------------------------------------------------------------------

const PROPS = [
  'permissions',
  'is-encrypted',
  'getcontentlength',
  'e2ee-is-encrypted',
  'e2ee-metadata',
];
const PROPFIND_BODY =
  '<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns" ' +
  'xmlns:nc="http://nextcloud.org/ns"><d:prop><d:resourcetype/><d:getcontentlength/>' +
  '<oc:permissions/><nc:is-encrypted/><nc:e2ee-is-encrypted/><nc:e2ee-metadata/></d:prop></d:propfind>';
const xml = new XMLParser({
  removeNSPrefix: true,
  parseTagValue: false,
  isArray: (name) => name === 'response' || name === 'propstat',
});

function renderEntry(
  segs: readonly string[],
  folder: boolean,
  props: Record<string, string>,
): string {
  const p = PROPS.filter((k) => props[k] !== undefined).map((k) => `${k}=${props[k]}`);
  return [`${segs.join('/')}${folder ? '/' : ''}`, ...p].join('|');
}

/** The responses of a multistatus body as `path|prop=value…` (props of the 200 propstat only). */
function parseEntries(body: string, u: User): string[] {
  const prefix = `/remote.php/dav/files/${u}/`;
  const doc = xml.parse(body) as {
    multistatus: {
      response: { href: string; propstat: { prop: Record<string, unknown>; status: string }[] }[];
    };
  };
  return doc.multistatus.response
    .map((res) => {
      expect(res.href.startsWith(prefix)).toBe(true);
      const rest = res.href.slice(prefix.length);
      const segs = rest
        .split('/')
        .filter((x) => x !== '')
        .map(decodeURIComponent);
      const ok = res.propstat.find((p) => p.status.includes(' 200 '));
      const props: Record<string, string> = {};
      for (const [k, v] of Object.entries(ok?.prop ?? {}))
        if (PROPS.includes(k)) props[k] = typeof v === 'string' ? v : '';
      return renderEntry(segs, rest === '' || rest.endsWith('/'), props);
    })
    .sort();
}

const modelEntries = (entries: MEntry[]): string[] =>
  entries.map((e) => renderEntry(e.segs, e.folder, e.props)).sort();

// --- Requests ----------------------------------------------------------------------------------

function davReq(
  r: Real,
  method: string,
  u: User,
  segs: readonly string[],
  o: { ua?: Ua; token?: string; via?: Via } = {},
): request.Test {
  const { ua = 'desktop', token = '', via = 'header' } = o;
  const q = token !== '' && via === 'query' ? `?e2e-token=${encodeURIComponent(token)}` : '';
  let req = r.s.dav(method, enc(segs) + q, u);
  if (ua !== 'desktop') req = req.set('User-Agent', BROWSER_UA);
  if (ua === 'header') req = req.set('X-E2EE-Supported', 'true');
  if (token !== '' && via === 'header') req = req.set('e2e-token', token);
  return req;
}

const bufferText = (res: NodeJS.ReadableStream, cb: (e: Error | null, body: string) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks).toString('utf8')));
};

async function propfind(r: Real, u: User, segs: readonly string[], ua: Ua) {
  return davReq(r, 'PROPFIND', u, segs, { ua })
    .set('Depth', '1')
    .set('Content-Type', 'application/xml')
    .send(PROPFIND_BODY);
}

// --- Commands ----------------------------------------------------------------------------------

type Cmd = fc.AsyncCommand<Mod, Real>;

/** What PROPFIND lists for every user at their root and at the shared encrypted folder. */
async function checkListings(d: Mod, r: Real): Promise<void> {
  d.m.rollback();
  for (const u of USERS) {
    for (const segs of [[], segsOf(d, u, 'E', [])]) {
      const want = d.m.propfind(u, segs, 'desktop');
      const res = await propfind(r, u, segs, 'desktop');
      expect(res.status, `PROPFIND ${u} ${enc(segs)}`).toBe(want.status);
      if (want.entries)
        expect(parseEntries(res.text, u), `PROPFIND ${u} ${enc(segs)}`).toEqual(
          modelEntries(want.entries),
        );
    }
  }
}

async function check(d: Mod, r: Real, got: number, want: number, what: string): Promise<void> {
  expect(got, what).toBe(want);
  expect(realSnapshot(r), `state after ${what}`).toEqual(modelSnapshot(d));
  await checkListings(d, r);
  expect(realSnapshot(r), `state after listings after ${what}`).toEqual(modelSnapshot(d));
}

function cmd(label: string, run: (d: Mod, r: Real) => Promise<void>): Cmd {
  return { check: () => true, run, toString: () => label };
}

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
    await check(d, r, res.status, want.status, `lock ${u} ${k}`);
  });
}

function unlockCmd(u: User, k: Key, t: number, abort: boolean): Cmd {
  return cmd(`unlock ${u} ${k} t${t} abort=${abort}`, async (d, r) => {
    d.m.rollback();
    const want = d.m.unlock(u, d.nodes[k], tokenOf(d.tokens, t), abort);
    const token = tokenOf(r.tokens, t);
    const req = r.s.ocs('delete', `/v2/lock/${r.ids[k]}${abort ? '?abort=true' : ''}`, u);
    const res = await (token ? req.set('e2e-token', token) : req);
    await check(d, r, res.status, want, `unlock ${u} ${k}`);
  });
}

type MetaKind = 'post' | 'put' | 'delete';

function metaCmd(kind: MetaKind, u: User, k: Key, t: number, doc: string, sig: string): Cmd {
  return cmd(`${kind} meta ${u} ${k} t${t} ${doc} ${sig}`, async (d, r) => {
    d.m.rollback();
    const want = d.m.writeMeta(kind, u, d.nodes[k], tokenOf(d.tokens, t), doc, sig);
    const token = tokenOf(r.tokens, t);
    let req = r.s.ocs(kind, `/v2/meta-data/${r.ids[k]}`, u);
    if (token) req = req.set('e2e-token', token);
    if (sig) req = req.set('X-NC-E2EE-SIGNATURE', sig);
    const res = await (kind === 'delete' ? req : req.type('form').send({ metaData: doc }));
    await check(d, r, res.status, want, `${kind} meta ${u} ${k}`);
  });
}

function getMetaCmd(u: User, k: Key): Cmd {
  return cmd(`get meta ${u} ${k}`, async (d, r) => {
    d.m.rollback();
    const want = d.m.getMeta(u, d.nodes[k]);
    const res = await r.s.ocs('get', `/v2/meta-data/${r.ids[k]}`, u);
    if (want.status === 200) {
      expect(res.body.ocs.data['meta-data']).toBe(want.doc);
      expect(res.headers['x-nc-e2ee-signature']).toBe(want.sig);
    }
    await check(d, r, res.status, want.status, `get ${u} ${k}`);
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
    await check(d, r, res.status, want, `filedrop ${u} ${k}`);
  });
}

interface DavOpts {
  t: number;
  ua: Ua;
  via: Via;
}
const optsLabel = (o: DavOpts) => `t${o.t} ${o.ua} ${o.via}`;

function putCmd(u: User, a: Anchor, rest: string[], o: DavOpts, body: string): Cmd {
  return cmd(`PUT ${u} ${a}/${rest.join('/')} ${optsLabel(o)} ${body}`, async (d, r) => {
    d.m.rollback();
    const segs = segsOf(d, u, a, rest);
    const want = d.m.put(u, segs, tokenOf(d.tokens, o.t), o.ua, body);
    const token = tokenOf(r.tokens, o.t);
    const res = await davReq(r, 'PUT', u, segs, { ...o, token }).send(body);
    await check(d, r, res.status, want, `PUT ${u} ${enc(segs)}`);
  });
}

function mkcolCmd(u: User, a: Anchor, name: string, o: DavOpts): Cmd {
  return cmd(`MKCOL ${u} ${a}/${name} ${optsLabel(o)}`, async (d, r) => {
    d.m.rollback();
    const segs = segsOf(d, u, a, [name]);
    const want = d.m.mkcol(u, segs, tokenOf(d.tokens, o.t), o.ua);
    const res = await davReq(r, 'MKCOL', u, segs, { ...o, token: tokenOf(r.tokens, o.t) });
    await check(d, r, res.status, want, `MKCOL ${u} ${enc(segs)}`);
  });
}

function deleteCmd(u: User, a: Anchor, rest: string[], o: DavOpts): Cmd {
  return cmd(`DELETE ${u} ${a}/${rest.join('/')} ${optsLabel(o)}`, async (d, r) => {
    d.m.rollback();
    const segs = segsOf(d, u, a, rest);
    const want = d.m.del(u, segs, tokenOf(d.tokens, o.t), o.ua);
    const res = await davReq(r, 'DELETE', u, segs, { ...o, token: tokenOf(r.tokens, o.t) });
    await check(d, r, res.status, want, `DELETE ${u} ${enc(segs)}`);
  });
}

function moveCmd(
  u: User,
  [sa, sr]: [Anchor, string[]],
  [da, dn]: [Anchor, string],
  o: DavOpts,
): Cmd {
  return cmd(`MOVE ${u} ${sa}/${sr.join('/')} → ${da}/${dn} ${optsLabel(o)}`, async (d, r) => {
    d.m.rollback();
    const src = segsOf(d, u, sa, sr);
    const dst = segsOf(d, u, da, [dn]);
    const want = d.m.move(u, src, dst, tokenOf(d.tokens, o.t), o.ua);
    const res = await davReq(r, 'MOVE', u, src, { ...o, token: tokenOf(r.tokens, o.t) }).set(
      'Destination',
      `/remote.php/dav/files/${u}${enc(dst)}`,
    );
    await check(d, r, res.status, want, `MOVE ${u} ${enc(src)} → ${enc(dst)}`);
  });
}

function getCmd(u: User, a: Anchor, rest: string[], ua: Ua): Cmd {
  return cmd(`GET ${u} ${a}/${rest.join('/')} ${ua}`, async (d, r) => {
    d.m.rollback();
    const segs = segsOf(d, u, a, rest);
    const want = d.m.get(u, segs, ua);
    const res = await davReq(r, 'GET', u, segs, { ua })
      .buffer(true)
      .parse(bufferText as unknown as Parameters<request.Test['parse']>[0]);
    if (want.status === 200) expect(res.body, `GET ${u} ${enc(segs)}`).toBe(want.body);
    await check(d, r, res.status, want.status, `GET ${u} ${enc(segs)}`);
  });
}

function propfindCmd(u: User, a: Anchor, rest: string[], ua: Ua): Cmd {
  return cmd(`PROPFIND ${u} ${a}/${rest.join('/')} ${ua}`, async (d, r) => {
    d.m.rollback();
    const segs = segsOf(d, u, a, rest);
    const want = d.m.propfind(u, segs, ua);
    const res = await propfind(r, u, segs, ua);
    if (want.entries && res.status === 207)
      expect(parseEntries(res.text, u), `PROPFIND ${u} ${enc(segs)} ${ua}`).toEqual(
        modelEntries(want.entries),
      );
    await check(d, r, res.status, want.status, `PROPFIND ${u} ${enc(segs)} ${ua}`);
  });
}

type ShareTarget = Anchor | 'P/f' | 'nope';

function shareCreateCmd(u: User, target: ShareTarget, withU: string, perms: number): Cmd {
  return cmd(`share ${u} ${target} with ${withU} perms ${perms}`, async (d, r) => {
    // Share requests are not E2EE requests: no stale-lock rollback before them.
    const segs =
      target === 'nope'
        ? ['nope']
        : target === 'P/f'
          ? segsOf(d, u, 'P', ['f'])
          : segsOf(d, u, target, []);
    const want = d.m.shareCreate(u, segs, withU, perms);
    const res = await r.s
      .request('post', `${SHARES}?format=json`)
      .set('OCS-APIRequest', 'true')
      .auth(u, PASSWORD)
      .type('form')
      .send({
        path: '/' + segs.join('/'),
        shareType: '0',
        shareWith: withU,
        permissions: String(perms),
      });
    if (want.share && res.status === 200) {
      expect(res.body.ocs.data).toMatchObject({
        file_target: `/${want.share.mount}`,
        permissions: want.share.perms,
        share_with: withU,
      });
      d.shares.push(want.share);
      r.shareIds.push(Number(res.body.ocs.data.id));
    }
    await check(d, r, res.status, want.status, `share ${u} ${enc(segs)} with ${withU}`);
  });
}

function shareDeleteCmd(u: User, i: number): Cmd {
  return cmd(`unshare ${u} #${i}`, async (d, r) => {
    const gone: MShare = { owner: '', node: d.nodes.home, user: '', mount: '', perms: 0 };
    const want = d.m.shareDelete(u, d.shares[i] ?? gone);
    const res = await r.s
      .request('delete', `${SHARES}/${r.shareIds[i] ?? 999}?format=json`)
      .set('OCS-APIRequest', 'true')
      .auth(u, PASSWORD);
    await check(d, r, res.status, want, `unshare ${u} #${i}`);
  });
}

// --- Generators --------------------------------------------------------------------------------

const key = fc.oneof(
  { weight: 4, arbitrary: fc.constant<Key>('E') },
  { weight: 3, arbitrary: fc.constant<Key>('S') },
  { weight: 1, arbitrary: fc.constant<Key>('P') },
);
const anchor = fc.oneof(
  { weight: 4, arbitrary: fc.constant<Anchor>('E') },
  { weight: 2, arbitrary: fc.constant<Anchor>('S') },
  { weight: 2, arbitrary: fc.constant<Anchor>('P') },
  { weight: 1, arbitrary: fc.constant<Anchor>('home') },
);
const user = fc.oneof(
  { weight: 5, arbitrary: fc.constant<User>('alice') },
  { weight: 3, arbitrary: fc.constant<User>('bob') },
  { weight: 1, arbitrary: fc.constant<User>('eve') },
);
const tk = fc.oneof(
  { weight: 8, arbitrary: fc.constant(-3) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom(-2, -1) },
);
const ua = fc.oneof(
  { weight: 6, arbitrary: fc.constant<Ua>('desktop') },
  { weight: 1, arbitrary: fc.constantFrom<Ua>('browser', 'header') },
);
const via = fc.constantFrom<Via>('header', 'query');
const davOpts = (t: fc.Arbitrary<number>) => fc.record<DavOpts>({ t, ua, via });
/** Inside a transaction: the latest token, an E2EE client. */
const innerOpts = fc.record<DavOpts>({ t: fc.constant(-3), ua: fc.constant<Ua>('desktop'), via });

const DOCS = ['{"v":1}', '{"v":2,"filedrop":{"k0":{"z":0}}}', '{"v":3}', '{}', 'not json'];
const SIGS = ['SIG-1', 'SIG-2', 'SIG-3', ''];
const counterArb = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom(undefined, '0', 'x') },
  { weight: 8, arbitrary: fc.integer({ min: 1, max: 30 }).map(String) },
);
const metaKind = fc.constantFrom<MetaKind>('post', 'put', 'delete');
const doc = fc.constantFrom(...DOCS);
const sig = fc.constantFrom(...SIGS);
const fileName = fc.constantFrom<string[]>(['a'], ['b'], ['d'], ['a.e2e-to-save'], ['d', 'a']);
const body = fc.constantFrom('x', 'yy', 'zzz');
const delRest = fc.constantFrom<string[]>([], ['a'], ['b'], ['d'], ['S'], ['f']);
const getRest = fc.constantFrom<string[]>([], ['a'], ['b'], ['f'], ['d', 'a']);
const moveSrc = fc.tuple(anchor, fc.constantFrom<string[]>(['a'], ['b'], ['d'], ['f'], []));
const moveDst = fc.tuple(
  fc.oneof({ weight: 3, arbitrary: anchor }, { weight: 1, arbitrary: fc.constant<Anchor>('home') }),
  fc.constantFrom('a', 'b', 'c', 'd'),
);
const dropRaw = fc.constantFrom('{"k1":{"a":1}}', '{"k2":{"b":[2]}}', '{"k0":{"y":1}}', '[]', 'x');

const goodDoc = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...DOCS.slice(0, 3)) },
  { weight: 1, arbitrary: doc },
);
const goodSig = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...SIGS.slice(0, 3)) },
  { weight: 1, arbitrary: sig },
);

/** Steps inside a transaction: they use the latest token. */
const innerStep = (u: User, locked: Key) =>
  fc.oneof(
    {
      weight: 4,
      arbitrary: fc
        .tuple(metaKind, fc.constantFrom<Key>(locked, locked, 'S'), goodDoc, goodSig)
        .map(([kind, k, dd, ss]) => metaCmd(kind, u, k, -3, dd, ss)),
    },
    {
      weight: 3,
      arbitrary: fc
        .tuple(fc.constantFrom<Anchor>('E', 'S'), fileName, innerOpts, body)
        .map(([a, n, o, b]) => putCmd(u, a, n, o, b)),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom<Anchor>('E', 'S'), innerOpts)
        .map(([a, o]) => mkcolCmd(u, a, 'd', o)),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom<Anchor>('E', 'S', 'home'), delRest, innerOpts)
        .map(([a, rest, o]) => deleteCmd(u, a, a === 'home' ? ['E'] : rest, o)),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.tuple(
            fc.constantFrom<Anchor>('E', 'S'),
            fc.constantFrom<string[]>(['a'], ['b'], ['d']),
          ),
          fc.tuple(fc.constantFrom<Anchor>('E', 'S'), fc.constantFrom('a', 'c')),
          innerOpts,
        )
        .map(([s, t, o]) => moveCmd(u, s, t, o)),
    },
    { weight: 1, arbitrary: key.map((k) => getMetaCmd(u, k)) },
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
  fc.tuple(user, key).map(([u, k]) => getMetaCmd(u, k)),
  fc.tuple(user, key, dropRaw).map(([u, k, raw]) => filedropCmd(u, k, raw)),
  fc
    .tuple(user, anchor, fileName, davOpts(tk), body)
    .map(([u, a, n, o, b]) => putCmd(u, a, n, o, b)),
  fc
    .tuple(user, anchor, fc.constantFrom('d', 'a', 'e'), davOpts(tk))
    .map(([u, a, n, o]) => mkcolCmd(u, a, n, o)),
  fc.tuple(user, anchor, delRest, davOpts(tk)).map(([u, a, rest, o]) => deleteCmd(u, a, rest, o)),
  fc.tuple(user, moveSrc, moveDst, davOpts(tk)).map(([u, s, t, o]) => moveCmd(u, s, t, o)),
  // Moves between a received share and the recipient's own tree (ownership changes).
  fc
    .tuple(
      fc.constantFrom<User>('alice', 'bob', 'bob'),
      fc.constantFrom<[Anchor, string[]]>(['P', ['d']], ['home', ['P']], ['home', ['c']]),
      fc.constantFrom<[Anchor, string]>(['home', 'c'], ['P', 'c'], ['P', 'e']),
      davOpts(tk),
    )
    .map(([u, s, t, o]) => moveCmd(u, s, t, o)),
  fc.tuple(user, anchor, getRest, ua).map(([u, a, rest, x]) => getCmd(u, a, rest, x)),
  fc
    .tuple(user, anchor, fc.constantFrom<string[]>([], ['d']), ua)
    .map(([u, a, rest, x]) => propfindCmd(u, a, rest, x)),
  fc
    .tuple(
      fc.constantFrom<User>('alice', 'alice', 'bob'),
      fc.constantFrom<ShareTarget>('E', 'P', 'P', 'S', 'P/f', 'home', 'nope'),
      fc.constantFrom('bob', 'bob', 'eve', 'alice', 'ghost'),
      fc.constantFrom(31, 31, 1, 5, 15, 0),
    )
    .map(([u, t, w, p]) => shareCreateCmd(u, t, w, p)),
  fc
    .tuple(fc.constantFrom<User>('alice', 'alice', 'bob', 'eve'), fc.nat({ max: 4 }))
    .map(([u, i]) => shareDeleteCmd(u, i)),
  flow,
  flow,
  flow,
  fc.constantFrom(1_000, TTL_MS / 2, TTL_MS + 1).map((ms) =>
    cmd(`tick ${ms}`, async (d, r) => {
      d.m.now += ms;
      r.s.clock.t += ms;
      await check(d, r, 0, 0, `tick ${ms}`);
    }),
  ),
];

/**
 * alice: /E (encrypted, shared with bob as "E"), /E/S (encrypted), /P (plain, shared with bob as
 * "P (2)" because bob has a /P of his own) with /P/f and /P/d/a; bob: /P with /P/b; eve: nothing.
 */
function setup(profile: 'nc30' | 'nc32'): { model: Mod; real: Real } {
  const s = makeServer(profile, { lockTtlSeconds: TTL_MS / 1000 });
  const home = s.root('alice');
  const E = s.mkdir(home, 'E');
  const S = s.mkdir(E, 'S');
  const P = s.mkdir(home, 'P');
  s.putFile(P, 'f', 'x');
  s.putFile(s.mkdir(P, 'd'), 'a', 'x');
  s.putFile(s.mkdir(s.root('bob'), 'P'), 'b', 'x');
  s.engine((ctx) => {
    ctx.tree.setEncrypted(E, true);
    ctx.tree.setEncrypted(S, true);
  });
  const shareIds = s.store.transact((tx) => [
    putUserShare(tx, { owner: 'alice', nodeId: E, recipient: 'bob', mountName: 'E' }),
    putUserShare(tx, { owner: 'alice', nodeId: P, recipient: 'bob', mountName: 'P (2)' }),
  ]);
  const m = new Model(profile, TTL_MS);
  m.now = s.clock.t;
  const mh = m.home('alice');
  m.home('eve');
  const mE = m.add(mh, 'E', 'folder');
  const mS = m.add(mE, 'S', 'folder');
  const mP = m.add(mh, 'P', 'folder');
  m.add(mP, 'f', 'file').content = 'x';
  m.add(m.add(mP, 'd', 'folder'), 'a', 'file').content = 'x';
  m.add(m.add(m.home('bob'), 'P', 'folder'), 'b', 'file').content = 'x';
  mE.encrypted = true;
  mS.encrypted = true;
  const shares: MShare[] = [
    { owner: 'alice', node: mE, user: 'bob', mount: 'E', perms: 31 },
    { owner: 'alice', node: mP, user: 'bob', mount: 'P (2)', perms: 31 },
  ];
  m.shares.push(...shares);
  return {
    model: { m, nodes: { home: mh, E: mE, S: mS, P: mP }, tokens: [], shares },
    real: { s, ids: { home, E, S, P }, tokens: [], shareIds },
  };
}

describe.each(['nc30', 'nc32'] as const)('model-based, profile %s', (profile) => {
  it(
    'the server agrees with the executable model on every status, state and listing',
    {
      meta: {
        requirements: [
          'E2EE-LOCK-050',
          'E2EE-LOCK-055',
          'E2EE-LOCK-060',
          'E2EE-LOCK-071',
          'E2EE-LOCK-072',
          'E2EE-API-140',
          'E2EE-API-806',
          'E2EE-API-807',
          'E2EE-API-220',
          'E2EE-API-222',
          'E2EE-API-252',
          'E2EE-API-253',
        ],
      },
    },
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.commands(commands, { maxCommands: 30, size: '+1' }), async (cmds) => {
          const { model, real } = setup(profile);
          const close = await real.s.serve();
          try {
            await fc.asyncModelRun(() => ({ model, real }), cmds);
          } finally {
            await close();
          }
        }),
        { numRuns: 30 },
      );
    },
  );
});
