/**
 * Every endpoint of the E2EE transaction API and every status of both profiles, over HTTP
 * (spec/11-locking.md §7, spec/12-metadata-api.md). Expected statuses are written out here, from
 * the spec's table, not read from the implementation.
 */

import { describe, expect, it } from 'vitest';
import request from 'supertest';
import { users } from '../../src/store/index.js';
import { lock, makeServer, PASSWORD, type TestServer } from './_server.js';

/** The spec table (E2EE-LOCK-071): situation → [nc30, nc32]. */
const TABLE = {
  counterMissing: [412, 400],
  heldByOther: [403, 423],
  counterNotGreater: [500, 412],
  headerEmpty: [412, 400],
  putNotLocked: [403, 412],
  postNotLocked: [403, 403],
  deleteNotLocked: [403, 412],
  unlockEmpty: [412, 400],
  filedropLocked: [403, 412],
} as const;

const SIG = 'MIAGCSqGSIb3DQEHAqCAMIACAQExDTALBglghkgBZQMEAgEwgAYJKoZIhvcNAQcBAACg';
const DOC =
  '{"metadata":{"ciphertext":"Y3Q=|aXY=","nonce":"aXY=","authenticationTag":"dGFn"},"version":"2.0"}';

function setup(s: TestServer): { top: number; sub: number; plain: number } {
  const top = s.mkdir(s.root('alice'), 'e2ee');
  const sub = s.mkdir(top, 'aaaabbbbccccddddeeeeffff00001111');
  const plain = s.mkdir(s.root('alice'), 'plain');
  s.engine((ctx) => {
    ctx.tree.setEncrypted(top, true);
    ctx.tree.setEncrypted(sub, true);
  });
  return { top, sub, plain };
}

/** A v2 metadata upload of `doc` as `uid` with token and signature headers (`null`: not sent). */
function upload(
  s: TestServer,
  method: 'post' | 'put',
  id: number,
  token: string | null,
  opts: { doc?: string; sig?: string | null; uid?: string } = {},
): request.Test {
  const { doc = DOC, sig = SIG, uid = 'alice' } = opts;
  let r = s.ocs(method, `/v2/meta-data/${id}`, uid);
  if (token !== null) r = r.set('e2e-token', token);
  if (sig !== null) r = r.set('X-NC-E2EE-SIGNATURE', sig);
  return r.type('form').send({ metaData: doc });
}

async function commitDoc(
  s: TestServer,
  id: number,
  counter: number,
  doc = DOC,
  sig = SIG,
): Promise<void> {
  const t = await lock(s, id, counter);
  const m = s.ocs('get', `/v2/meta-data/${id}`);
  const exists = (await m).status === 200;
  const w = await upload(s, exists ? 'put' : 'post', id, t, { doc, sig });
  expect(w.status).toBe(200);
  expect((await s.ocs('delete', `/v2/lock/${id}`).set('e2e-token', t)).status).toBe(200);
}

// nc33 (app 2.2.2+) answers every situation like nc32 (app 1.18.4): the same column.
describe.each(['nc30', 'nc32', 'nc33'] as const)('profile %s', (profile) => {
  const col = profile === 'nc30' ? 0 : 1;

  describe('lock', () => {
    it('E2EE-LOCK-004: a lock answers a fresh 64-character alphanumeric token', async () => {
      const s = makeServer(profile);
      const { top } = setup(s);
      const res = await s.ocs('post', `/v2/lock/${top}`).set('X-NC-E2EE-COUNTER', '1');
      expect(res.status).toBe(200);
      expect(res.body.ocs.data['e2e-token']).toMatch(/^[A-Za-z0-9]{64}$/);
      expect(res.body.ocs.meta.statuscode).toBe(200);
    });

    it('E2EE-LOCK-010, E2EE-LOCK-070, E2EE-LOCK-071: a v2 lock without a usable counter is refused with the profile status', async () => {
      const s = makeServer(profile);
      const { top } = setup(s);
      for (const c of [undefined, '', '0', 'abc', '-1', '1.5', '99999999999999999999']) {
        const req = s.ocs('post', `/v2/lock/${top}`);
        if (c !== undefined) req.set('X-NC-E2EE-COUNTER', c);
        const res = await req;
        expect(res.status, `counter ${c}`).toBe(TABLE.counterMissing[col]);
        expect(res.headers['x-sealfold-e2ee-code']).toBe('INPUT_MALFORMED');
      }
      expect(s.dump(top)).toEqual(['/aaaabbbbccccddddeeeeffff00001111/']);
    });

    it('E2EE-LOCK-002: a foreign lock on the folder or an ancestor refuses the lock', async () => {
      const s = makeServer(profile);
      const { top, sub } = setup(s);
      s.share(top, 'bob');
      const t = await lock(s, top, 1);
      for (const id of [top, sub]) {
        const res = await s.ocs('post', `/v2/lock/${id}`, 'bob').set('X-NC-E2EE-COUNTER', '9');
        expect(res.status).toBe(TABLE.heldByOther[col]);
        expect(res.headers['x-sealfold-e2ee-code']).toBe('LOCK_CONFLICT');
      }
      // The same user without the token is also "another token".
      const again = await s.ocs('post', `/v2/lock/${top}`).set('X-NC-E2EE-COUNTER', '2');
      expect(again.status).toBe(TABLE.heldByOther[col]);
      expect(t).toHaveLength(64);
    });

    it('E2EE-LOCK-003: a retry with the current token returns the same token, without a counter check', async () => {
      const s = makeServer(profile);
      const { top } = setup(s);
      const t = await lock(s, top, 5);
      const q = await s.ocs('post', `/v2/lock/${top}?e2e-token=${t}`).set('X-NC-E2EE-COUNTER', '1');
      expect(q.status).toBe(200);
      expect(q.body.ocs.data['e2e-token']).toBe(t);
      const b = await s
        .ocs('post', `/v2/lock/${top}`)
        .set('X-NC-E2EE-COUNTER', '5')
        .type('form')
        .send({ 'e2e-token': t });
      expect(b.body.ocs.data['e2e-token']).toBe(t);
      // The header is not the retry channel.
      const h = await s
        .ocs('post', `/v2/lock/${top}`)
        .set('X-NC-E2EE-COUNTER', '6')
        .set('e2e-token', t);
      expect(h.status).toBe(TABLE.heldByOther[col]);
    });

    it('E2EE-LOCK-003: a retry whose counter is not greater than the stored one still gets the same token (no E2EE-LOCK-011 check)', async () => {
      const s = makeServer(profile);
      const { top } = setup(s);
      await commitDoc(s, top, 1); // first commit: no metadata directory at lock time
      await commitDoc(s, top, 7); // stores 7
      const t = await lock(s, top, 8);
      for (const c of ['3', '7']) {
        const retry = await s
          .ocs('post', `/v2/lock/${top}?e2e-token=${t}`)
          .set('X-NC-E2EE-COUNTER', c);
        expect(retry.status, `retry with counter ${c}`).toBe(200);
        expect(retry.body.ocs.data['e2e-token']).toBe(t);
      }
      // The same stale counter without the token is a new lock, refused by E2EE-LOCK-002 first.
      const fresh = await s.ocs('post', `/v2/lock/${top}`).set('X-NC-E2EE-COUNTER', '3');
      expect(fresh.status).toBe(TABLE.heldByOther[col]);
    });

    it('E2EE-LOCK-011, E2EE-LOCK-072: a counter not greater than the stored one is refused (nc30: the real 500)', async () => {
      const s = makeServer(profile);
      const { top } = setup(s);
      await commitDoc(s, top, 1); // first commit: no metadata directory at lock time
      await commitDoc(s, top, 7); // stores 7
      for (const c of ['7', '3']) {
        const res = await s.ocs('post', `/v2/lock/${top}`).set('X-NC-E2EE-COUNTER', c);
        expect(res.status, `counter ${c}`).toBe(TABLE.counterNotGreater[col]);
        expect(res.headers['x-sealfold-e2ee-code']).toBe('COUNTER_ROLLBACK');
      }
      // Greater, not direct successor, is enough (the real server's rule, not the RFC's).
      expect((await s.ocs('post', `/v2/lock/${top}`).set('X-NC-E2EE-COUNTER', '100')).status).toBe(
        200,
      );
    });

    it('E2EE-LOCK-012: the counter is stored only when the folder already had a metadata directory', async () => {
      const s = makeServer(profile);
      const { top } = setup(s);
      await commitDoc(s, top, 4);
      // Like the real server: the first lock found no metadata directory, so nothing was stored.
      const t = await lock(s, top, 1);
      await s.ocs('delete', `/v2/lock/${top}`).set('e2e-token', t);
      await commitDoc(s, top, 4);
      expect((await s.ocs('post', `/v2/lock/${top}`).set('X-NC-E2EE-COUNTER', '4')).status).toBe(
        TABLE.counterNotGreater[col],
      );
    });

    it('E2EE-LOCK-012: a lock released without a metadata commit does not move the counter', async () => {
      const s = makeServer(profile);
      const { top } = setup(s);
      await commitDoc(s, top, 1);
      await commitDoc(s, top, 2);
      const t = await lock(s, top, 50);
      expect((await s.ocs('delete', `/v2/lock/${top}`).set('e2e-token', t)).status).toBe(200);
      expect((await s.ocs('post', `/v2/lock/${top}`).set('X-NC-E2EE-COUNTER', '3')).status).toBe(
        200,
      );
    });

    it("E2EE-LOCK-001: only accessible folders are locked; never a file, a home folder or another user's folder", async () => {
      const s = makeServer(profile);
      const { top } = setup(s);
      const file = s.putFile(s.root('alice'), 'f.txt');
      for (const [id, uid] of [
        [file, 'alice'],
        [s.root('alice'), 'alice'],
        [top, 'eve'],
        [999999, 'alice'],
      ] as const) {
        const res = await s.ocs('post', `/v2/lock/${id}`, uid).set('X-NC-E2EE-COUNTER', '1');
        expect(res.status, `${uid} ${id}`).toBe(403);
        expect(res.headers['x-sealfold-e2ee-code']).toBe('FORBIDDEN');
      }
      expect((await s.ocs('post', '/v2/lock/abc').set('X-NC-E2EE-COUNTER', '1')).status).toBe(404);
      s.share(top, 'bob');
      expect(
        (await s.ocs('post', `/v2/lock/${top}`, 'bob').set('X-NC-E2EE-COUNTER', '1')).status,
      ).toBe(200);
    });

    it('E2EE-LOCK-013: the v1 lock takes no counter; a foreign lock answers 403', async () => {
      const s = makeServer(profile);
      const { top } = setup(s);
      s.share(top, 'bob');
      const r1 = await s.ocs('post', `/v1/lock/${top}`);
      expect(r1.status).toBe(200);
      const t = r1.body.ocs.data['e2e-token'];
      expect(t).toMatch(/^[A-Za-z0-9]{64}$/);
      expect((await s.ocs('post', `/v1/lock/${top}`, 'bob')).status).toBe(403);
      expect(
        (await s.ocs('post', `/v1/lock/${top}?e2e-token=${t}`)).body.ocs.data['e2e-token'],
      ).toBe(t);
      expect((await s.ocs('delete', `/v1/lock/${top}`).set('e2e-token', t)).status).toBe(200);
    });
  });

  describe('unlock', () => {
    it('E2EE-LOCK-020: an unlock without a token is refused', async () => {
      const s = makeServer(profile);
      const { top } = setup(s);
      await lock(s, top, 1);
      const res = await s.ocs('delete', `/v2/lock/${top}`);
      expect(res.status).toBe(TABLE.unlockEmpty[col]);
    });

    it(`E2EE-LOCK-021: unlocking a folder that is not locked answers ${profile === 'nc30' ? 404 : 403}`, async () => {
      const s = makeServer(profile);
      const { top } = setup(s);
      const res = await s.ocs('delete', `/v2/lock/${top}`).set('e2e-token', 'x'.repeat(64));
      // App 1.18.4's pre-check refuses a token that holds no lock on the path with 403.
      expect(res.status).toBe(profile === 'nc30' ? 404 : 403);
      expect(res.headers['x-sealfold-e2ee-code']).toBe('NOT_FOUND');
    });

    it('E2EE-LOCK-202: unlocking a sub-folder whose ancestor the token locks answers 404', async () => {
      const s = makeServer(profile);
      const { top, sub } = setup(s);
      const t = await lock(s, top, 1);
      const res = await s.ocs('delete', `/v2/lock/${sub}`).set('e2e-token', t);
      expect(res.status).toBe(404);
      expect((await s.ocs('delete', `/v2/lock/${top}`).set('e2e-token', t)).status).toBe(200);
    });

    it(`E2EE-LOCK-200: lock and unlock of a folder outside an encrypted tree ${profile === 'nc30' ? 'are allowed' : 'answer 403'}`, async () => {
      const s = makeServer(profile);
      const { plain } = setup(s);
      const l = await s.ocs('post', `/v2/lock/${plain}`).set('X-NC-E2EE-COUNTER', '1');
      if (profile === 'nc30') {
        expect(l.status).toBe(200);
        const t = l.body.ocs.data['e2e-token'] as string;
        expect((await s.ocs('delete', `/v2/lock/${plain}`).set('e2e-token', t)).status).toBe(200);
      } else {
        expect(l.status).toBe(403);
        expect(l.headers['x-sealfold-e2ee-code']).toBe('FORBIDDEN');
        const u = await s.ocs('delete', `/v2/lock/${plain}`).set('e2e-token', 'x'.repeat(64));
        expect(u.status).toBe(403);
      }
    });

    it(`E2EE-LOCK-201: a read-only share recipient ${profile === 'nc30' ? 'may lock' : 'may not lock (403)'}; with update permission it may`, async () => {
      const s = makeServer(profile);
      const { top, sub } = setup(s);
      s.share(top, 'bob', 1);
      s.share(sub, 'eve', 31);
      const rw = await s.ocs('post', `/v2/lock/${sub}`, 'eve').set('X-NC-E2EE-COUNTER', '1');
      expect(rw.status).toBe(200);
      // A descendant's lock does not block the ancestor (E2EE-LOCK-002 walks ancestors only).
      const ro = await s.ocs('post', `/v2/lock/${top}`, 'bob').set('X-NC-E2EE-COUNTER', '1');
      expect(ro.status).toBe(profile === 'nc30' ? 200 : 403);
    });

    it('E2EE-LOCK-022: a wrong token answers 403 and commits nothing', async () => {
      const s = makeServer(profile);
      const { top } = setup(s);
      const t = await lock(s, top, 1);
      await upload(s, 'post', top, t);
      const res = await s.ocs('delete', `/v2/lock/${top}`).set('e2e-token', 'W'.repeat(64));
      expect(res.status).toBe(403);
      expect((await s.ocs('get', `/v2/meta-data/${top}`)).status).toBe(404);
      expect((await s.ocs('delete', `/v2/lock/${top}`).set('e2e-token', t)).status).toBe(200);
      expect((await s.ocs('get', `/v2/meta-data/${top}`)).status).toBe(200);
    });

    it('E2EE-LOCK-023: unlock removes the lock; a file or an invisible folder answers 403', async () => {
      const s = makeServer(profile);
      const { top } = setup(s);
      const t = await lock(s, top, 1);
      expect((await s.ocs('delete', `/v2/lock/${top}`, 'eve').set('e2e-token', t)).status).toBe(
        403,
      );
      const file = s.putFile(s.root('alice'), 'f');
      expect((await s.ocs('delete', `/v2/lock/${file}`).set('e2e-token', t)).status).toBe(403);
      expect((await s.ocs('delete', `/v2/lock/${top}`).set('e2e-token', t)).status).toBe(200);
      expect((await s.ocs('delete', `/v2/lock/${top}`).set('e2e-token', t)).status).toBe(
        profile === 'nc30' ? 404 : 403,
      );
      expect(
        (await s.ocs('post', `/v2/lock/${top}`, 'alice').set('X-NC-E2EE-COUNTER', '1')).status,
      ).toBe(200);
    });
  });

  describe('meta-data', () => {
    it('E2EE-API-122: v2 writes need a non-empty e2e-token and signature', async () => {
      const s = makeServer(profile);
      const { top } = setup(s);
      const t = await lock(s, top, 1);
      const noTok = await upload(s, 'post', top, null);
      const noSig = await upload(s, 'post', top, t, { sig: null });
      const putNoSig = await upload(s, 'put', top, t, { sig: null });
      const delNoTok = await s.ocs('delete', `/v2/meta-data/${top}`);
      for (const r of [noTok, noSig, putNoSig, delNoTok])
        expect(r.status).toBe(TABLE.headerEmpty[col]);
      expect(noSig.headers['x-sealfold-e2ee-code']).toBe('SIGNATURE_MISSING');
    });

    it('E2EE-LOCK-030: metadata is written only under the lock held by the token', async () => {
      const s = makeServer(profile);
      const { top } = setup(s);
      await commitDoc(s, top, 1);
      const bogus = 'B'.repeat(64);
      const post = await upload(s, 'post', top, bogus);
      const put = await upload(s, 'put', top, bogus);
      const del = await s.ocs('delete', `/v2/meta-data/${top}`).set('e2e-token', bogus);
      expect(post.status).toBe(TABLE.postNotLocked[col]);
      expect(put.status).toBe(TABLE.putNotLocked[col]);
      expect(del.status).toBe(TABLE.deleteNotLocked[col]);
      // Locked by someone else: the same answers.
      s.share(top, 'bob');
      const tb = await lock(s, top, 2, 'bob');
      const put2 = await upload(s, 'put', top, bogus);
      expect(put2.status).toBe(TABLE.putNotLocked[col]);
      const ok = await upload(s, 'put', top, tb, { uid: 'bob' });
      expect(ok.status).toBe(200);
    });

    it('E2EE-LOCK-031: a sub-folder is written with the token of the locked ancestor', async () => {
      const s = makeServer(profile);
      const { top, sub } = setup(s);
      const t = await lock(s, top, 1);
      const r = await upload(s, 'post', sub, t);
      expect(r.status).toBe(200);
      expect(r.body.ocs.data['meta-data']).toBe(DOC);
    });

    it('E2EE-API-123: POST never replaces a committed or pending document (409)', async () => {
      const s = makeServer(profile);
      const { top, sub } = setup(s);
      const t = await lock(s, top, 1);
      const post = (id: number) => upload(s, 'post', id, t);
      expect((await post(sub)).status).toBe(200);
      expect((await post(sub)).status).toBe(409);
      await s.ocs('delete', `/v2/lock/${top}`).set('e2e-token', t);
      const t2 = await lock(s, top, 2);
      const again = await upload(s, 'post', sub, t2);
      expect(again.status).toBe(409);
      expect(again.headers['x-sealfold-e2ee-code']).toBe('ALREADY_EXISTS');
    });

    it('E2EE-API-124, E2EE-API-125: PUT needs a committed document (404); DELETE without one is 400', async () => {
      const s = makeServer(profile);
      const { top } = setup(s);
      const t = await lock(s, top, 1);
      const r = await upload(s, 'put', top, t);
      expect(r.status).toBe(404);
      const d = await s.ocs('delete', `/v2/meta-data/${top}`).set('e2e-token', t);
      expect(d.status).toBe(400);
    });

    it('E2EE-API-121: an uploaded document must be a JSON object (400, nothing stored)', async () => {
      const s = makeServer(profile);
      const { top } = setup(s);
      const t = await lock(s, top, 1);
      for (const body of [
        {},
        { metaData: 'not json' },
        { metaData: '[1,2]' },
        { metaData: 'null' },
        { metaData: '"x"' },
      ]) {
        const r = await s
          .ocs('post', `/v2/meta-data/${top}`)
          .set('e2e-token', t)
          .set('X-NC-E2EE-SIGNATURE', SIG)
          .type('form')
          .send(body);
        expect(r.status, JSON.stringify(body)).toBe(400);
        expect(r.headers['x-sealfold-e2ee-code']).toBe('METADATA_MALFORMED');
      }
      await s.ocs('delete', `/v2/lock/${top}`).set('e2e-token', t);
      expect((await s.ocs('get', `/v2/meta-data/${top}`)).status).toBe(404);
    });

    it('E2EE-API-120: GET answers the committed document and its signature header; 404 otherwise', async () => {
      const s = makeServer(profile);
      const { top, plain } = setup(s);
      expect((await s.ocs('get', `/v2/meta-data/${top}`)).status).toBe(404);
      await commitDoc(s, top, 1);
      const g = await s.ocs('get', `/v2/meta-data/${top}`);
      expect(g.status).toBe(200);
      expect(g.body.ocs.data['meta-data']).toBe(DOC);
      expect(g.headers['x-nc-e2ee-signature']).toBe(SIG);
      expect((await s.ocs('get', `/v2/meta-data/${top}`, 'eve')).status).toBe(404);
      expect((await s.ocs('get', `/v2/meta-data/${plain}`)).status).toBe(404);
      s.share(top, 'bob');
      expect((await s.ocs('get', `/v2/meta-data/${top}`, 'bob')).body.ocs.data['meta-data']).toBe(
        DOC,
      );
    });

    it('E2EE-API-126: documents and signatures are stored and returned byte-exact', async () => {
      const s = makeServer(profile);
      const { top } = setup(s);
      const odd =
        '{ "version" : "2.0",\n  "metadata":{"nonce":"a\\/b","ciphertext":"é✓"} ,"z":1.50 }';
      await commitDoc(s, top, 1, odd, 'x');
      // The signature header cannot carry non-Latin-1 text; use a printable one with odd spacing.
      await commitDoc(s, top, 2, odd, ' MIIB  /+= ');
      const g = await s.ocs('get', `/v2/meta-data/${top}`);
      expect(g.body.ocs.data['meta-data']).toBe(odd);
      expect(g.headers['x-nc-e2ee-signature']).toBe('MIIB  /+=');
    });

    it('E2EE-API-125: DELETE under a lock removes the metadata at unlock', async () => {
      const s = makeServer(profile);
      const { top } = setup(s);
      await commitDoc(s, top, 1);
      const t = await lock(s, top, 2);
      expect((await s.ocs('delete', `/v2/meta-data/${top}`).set('e2e-token', t)).status).toBe(200);
      expect((await s.ocs('get', `/v2/meta-data/${top}`)).status).toBe(200);
      await s.ocs('delete', `/v2/lock/${top}`).set('e2e-token', t);
      expect((await s.ocs('get', `/v2/meta-data/${top}`)).status).toBe(404);
    });
  });

  describe('v1 meta-data', () => {
    const V1 = '{"metadata":{"metadataKey":"a2V5","version":1.2},"files":{}}';

    it('E2EE-API-130: the v1 API refuses a folder whose stored document is not v1', async () => {
      const s = makeServer(profile);
      const { top } = setup(s);
      await commitDoc(s, top, 1);
      expect((await s.ocs('get', `/v1/meta-data/${top}`)).status).toBe(403);
      expect((await s.ocs('post', `/v1/lock/${top}`)).status).toBe(403);
      const put = await s.ocs('put', `/v1/meta-data/${top}`).type('form').send({ metaData: V1 });
      expect(put.status).toBe(403);
      expect(put.headers['x-sealfold-e2ee-code']).toMatch(/UNSUPPORTED|LOCK_CONFLICT/);
    });

    it('E2EE-API-131: v1 documents take no signature; PUT takes the token as a parameter; unlock commits', async () => {
      const s = makeServer(profile);
      const { top } = setup(s);
      const t = (await s.ocs('post', `/v1/lock/${top}`)).body.ocs.data['e2e-token'];
      expect(
        (await s.ocs('post', `/v1/meta-data/${top}`).type('form').send({ metaData: V1 })).status,
      ).toBe(200);
      expect((await s.ocs('delete', `/v1/lock/${top}`).set('e2e-token', t)).status).toBe(200);
      const g = await s.ocs('get', `/v1/meta-data/${top}`);
      expect(g.body.ocs.data['meta-data']).toBe(V1);
      const v2 = await s.ocs('get', `/v2/meta-data/${top}`);
      expect(v2.headers['x-nc-e2ee-signature']).toBe('');
      const t2 = (await s.ocs('post', `/v1/lock/${top}`)).body.ocs.data['e2e-token'];
      const V1b = V1.replace('a2V5', 'a2V6');
      expect(
        (await s.ocs('put', `/v1/meta-data/${top}`).type('form').send({ metaData: V1b })).status,
      ).toBe(403);
      expect(
        (
          await s
            .ocs('put', `/v1/meta-data/${top}?e2e-token=${t2}`)
            .type('form')
            .send({ metaData: V1b })
        ).status,
      ).toBe(200);
      await s.ocs('delete', `/v1/lock/${top}`).set('e2e-token', t2);
      expect((await s.ocs('get', `/v1/meta-data/${top}`)).body.ocs.data['meta-data']).toBe(V1b);
    });
  });

  describe('filedrop', () => {
    const ENTRY = {
      ciphertext: 'Y3Q=',
      nonce: 'bm9uY2U=',
      authenticationTag: 'dGFn',
      users: [{ userId: 'alice', encryptedFiledropKey: 'a2V5' }],
    };

    it('E2EE-API-140, E2EE-API-144: filedrop merges into the stored document without a lock or counter change', async () => {
      const s = makeServer(profile);
      const { top } = setup(s);
      await commitDoc(s, top, 1);
      await commitDoc(s, top, 2);
      const r = await s
        .ocs('put', `/v2/meta-data/${top}/filedrop`, 'alice')
        .type('form')
        .send({ filedrop: JSON.stringify({ aa: ENTRY }) });
      expect(r.status).toBe(200);
      expect(Object.keys(r.body.ocs.data.filedrop)).toEqual(['aa']);
      await s
        .ocs('put', `/v2/meta-data/${top}/filedrop`)
        .type('form')
        .send({ filedrop: JSON.stringify({ bb: ENTRY }) });
      const g = await s.ocs('get', `/v2/meta-data/${top}`);
      const doc = JSON.parse(g.body.ocs.data['meta-data']);
      expect(Object.keys(doc.filedrop)).toEqual(['aa', 'bb']);
      expect(Object.keys(doc)).toEqual(['metadata', 'version', 'filedrop']);
      expect(g.headers['x-nc-e2ee-signature']).toBe(SIG);
      // Counter unchanged: 3 is still accepted.
      expect((await s.ocs('post', `/v2/lock/${top}`).set('X-NC-E2EE-COUNTER', '3')).status).toBe(
        200,
      );
    });

    it(`E2EE-API-433: the v1 filedrop route ${profile === 'nc33' ? 'is gone (404, nothing stored)' : 'merges like v2'}`, async () => {
      const s = makeServer(profile);
      const { top } = setup(s);
      await commitDoc(s, top, 1);
      const r = await s
        .ocs('put', `/v1/meta-data/${top}/filedrop`)
        .type('form')
        .send({ filedrop: JSON.stringify({ aa: ENTRY }) });
      expect(r.status).toBe(profile === 'nc33' ? 404 : 200);
      const doc = JSON.parse(
        (await s.ocs('get', `/v2/meta-data/${top}`)).body.ocs.data['meta-data'],
      );
      expect(Object.keys(doc.filedrop ?? {})).toEqual(profile === 'nc33' ? [] : ['aa']);
    });

    it('E2EE-API-141: a client lock on the folder or an ancestor refuses the filedrop', async () => {
      const s = makeServer(profile);
      const { top, sub } = setup(s);
      await commitDoc(s, top, 1);
      await commitDoc(s, sub, 1);
      await lock(s, top, 2);
      for (const id of [top, sub]) {
        const r = await s
          .ocs('put', `/v2/meta-data/${id}/filedrop`)
          .type('form')
          .send({ filedrop: JSON.stringify({ aa: ENTRY }) });
        expect(r.status).toBe(TABLE.filedropLocked[col]);
      }
    });

    it('E2EE-API-142: a malformed filedrop is rejected and pending entries survive (SRV-4)', async () => {
      const s = makeServer(profile);
      const { top } = setup(s);
      await commitDoc(s, top, 1);
      await s
        .ocs('put', `/v2/meta-data/${top}/filedrop`)
        .type('form')
        .send({ filedrop: JSON.stringify({ aa: ENTRY }) });
      const before = (await s.ocs('get', `/v2/meta-data/${top}`)).body.ocs.data['meta-data'];
      for (const bad of [
        undefined,
        '',
        'nope',
        '[]',
        '{}',
        '{"x":1}',
        '{"x":[1]}',
        '{"x":null}',
        'null',
      ]) {
        const r = await s
          .ocs('put', `/v2/meta-data/${top}/filedrop`)
          .type('form')
          .send(bad === undefined ? {} : { filedrop: bad });
        expect(r.status, String(bad)).toBe(400);
        expect(r.headers['x-sealfold-e2ee-code']).toBe('METADATA_MALFORMED');
      }
      expect((await s.ocs('get', `/v2/meta-data/${top}`)).body.ocs.data['meta-data']).toBe(before);
    });

    it('E2EE-API-143: a stored document that cannot take the merge stays untouched', async () => {
      const s = makeServer(profile);
      const { top } = setup(s);
      const weird = '{"metadata":{},"filedrop":[1,2]}';
      await commitDoc(s, top, 1, weird);
      const r = await s
        .ocs('put', `/v2/meta-data/${top}/filedrop`)
        .type('form')
        .send({ filedrop: JSON.stringify({ aa: ENTRY }) });
      expect(r.status).toBe(400);
      expect((await s.ocs('get', `/v2/meta-data/${top}`)).body.ocs.data['meta-data']).toBe(weird);
      expect(
        (
          await s
            .ocs('put', `/v2/meta-data/999999/filedrop`)
            .type('form')
            .send({ filedrop: JSON.stringify({ aa: ENTRY }) })
        ).status,
      ).toBe(403);
    });

    it('E2EE-API-815: E2EE-API-816: an anonymous uploader acts through a link share with create permission; no gate', async () => {
      const s = makeServer(profile);
      const { top } = setup(s);
      await commitDoc(s, top, 1);
      s.linkShare(top, 'linktokenCREATE', 4);
      s.linkShare(top, 'linktokenREAD', 1);
      const anon = (token: string) =>
        request(s.app)
          .put(
            `/ocs/v2.php/apps/end_to_end_encryption/api/v2/meta-data/${top}/filedrop?format=json`,
          )
          .set('OCS-APIRequest', 'true')
          .set('User-Agent', 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0')
          .set('X-NC-E2EE-SHARE-TOKEN', token)
          .type('form')
          .send({ filedrop: JSON.stringify({ cc: ENTRY }) });
      expect((await anon('linktokenREAD')).status).toBe(403);
      expect((await anon('nosuchtoken')).status).toBe(403);
      expect((await anon('linktokenCREATE')).status).toBe(200);
      const doc = JSON.parse(
        (await s.ocs('get', `/v2/meta-data/${top}`)).body.ocs.data['meta-data'],
      );
      expect(Object.keys(doc.filedrop)).toEqual(['cc']);
    });
  });

  describe('encrypted flag and reset', () => {
    it('E2EE-API-110: PUT /encrypted flags an empty folder; otherwise 404', async () => {
      const s = makeServer(profile);
      const a = s.mkdir(s.root('alice'), 'a');
      const full = s.mkdir(s.root('alice'), 'full');
      s.putFile(full, 'x');
      const file = s.putFile(s.root('alice'), 'file');
      const shared = s.mkdir(s.root('alice'), 'shared');
      s.share(shared, 'bob');
      expect((await s.ocs('put', `/v2/encrypted/${a}`)).status).toBe(200);
      expect(s.store.get('nodes', String(a))!.encrypted).toBe(true);
      for (const [id, uid] of [
        [full, 'alice'],
        [file, 'alice'],
        [shared, 'alice'],
        [999999, 'alice'],
        [a, 'eve'],
      ] as const) {
        expect((await s.ocs('put', `/v2/encrypted/${id}`, uid)).status, `${id}`).toBe(404);
      }
    });

    it('E2EE-API-111: the flag of a folder with content cannot be cleared (SRV-8); an empty one can, with its metadata', async () => {
      const s = makeServer(profile);
      const { top, sub } = setup(s);
      await commitDoc(s, sub, 1);
      expect((await s.ocs('delete', `/v2/encrypted/${top}`)).status).toBe(404);
      expect(s.store.get('nodes', String(top))!.encrypted).toBe(true);
      expect((await s.ocs('delete', `/v2/encrypted/${sub}`)).status).toBe(200);
      expect(s.store.get('nodes', String(sub))!.encrypted).toBe(false);
      expect((await s.ocs('get', `/v2/meta-data/${sub}`)).status).toBe(404);
    });

    it('E2EE-API-100: lock, metadata and flag endpoints refuse clients that are not E2EE clients', async () => {
      const s = makeServer(profile);
      const { top } = setup(s);
      const browser = (
        m: 'get' | 'post' | 'put' | 'delete',
        p: string,
        ua: string,
        hdr?: string,
      ) => {
        const agent = request(s.app);
        const r = agent[m](`/ocs/v2.php/apps/end_to_end_encryption/api${p}?format=json`)
          .set('OCS-APIRequest', 'true')
          .set('User-Agent', ua)
          .auth('alice', PASSWORD);
        return hdr === undefined ? r : r.set('X-E2EE-Supported', hdr);
      };
      const firefox = 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0';
      for (const [m, p] of [
        ['post', `/v2/lock/${top}`],
        ['delete', `/v2/lock/${top}`],
        ['get', `/v2/meta-data/${top}`],
        ['put', `/v2/encrypted/${top}`],
      ] as const) {
        expect((await browser(m, p, firefox)).status).toBe(403);
        expect((await browser(m, p, 'Mozilla/5.0 (Linux) mirall/2.9.9')).status).toBe(403);
        expect((await browser(m, p, 'Mozilla/5.0 (Linux) mirall/2.9.9', 'true')).status).toBe(403);
      }
      const withHeader = await browser('post', `/v2/lock/${top}`, firefox, 'true').set(
        'X-NC-E2EE-COUNTER',
        '1',
      );
      expect(withHeader.status).toBe(profile === 'nc30' ? 403 : 200);
      const ios = await browser(
        'get',
        `/v2/meta-data/${top}`,
        'Mozilla/5.0 (iOS) Nextcloud-iOS/4.9.0',
      );
      expect(ios.status).toBe(404);
    });

    it("E2EE-API-150: DELETE /encrypted-files deletes the user's encrypted folders, metadata and locks", async () => {
      const s = makeServer(profile);
      const { top, sub, plain } = setup(s);
      await commitDoc(s, top, 1);
      const bobs = s.mkdir(s.root('bob'), 'bobs');
      s.engine((ctx) => ctx.tree.setEncrypted(bobs, true));
      await lock(s, top, 2);
      const r = await s.ocs('delete', '/v2/encrypted-files');
      expect(r.status).toBe(200);
      expect(r.body.ocs.data.deletedIds).toEqual([top]);
      expect(s.store.get('nodes', String(top))).toBeUndefined();
      expect(s.store.get('nodes', String(sub))).toBeUndefined();
      expect(s.store.get('nodes', String(plain))).toBeDefined();
      expect(s.store.get('nodes', String(bobs))).toBeDefined();
      const state = s.store.get('documents', 'e2ee')!.json as { locks: object; meta: object };
      expect(state.locks).toEqual({});
      expect(state.meta).toEqual({});
    });

    it(`E2EE-API-060, E2EE-API-420: the reset ${profile === 'nc30' ? 'accepts an app password (no confirmation before app 1.17.3)' : 'needs the login password, not an app password'}`, async () => {
      const s = makeServer(profile);
      setup(s);
      const app = s.store.transact((tx) => users.addAppPassword(tx, s.clock.t, 'alice', 'dev'));
      const r = await request(s.app)
        .delete('/ocs/v2.php/apps/end_to_end_encryption/api/v2/encrypted-files?format=json')
        .set('OCS-APIRequest', 'true')
        .auth('alice', app as string);
      expect(r.status).toBe(profile === 'nc30' ? 200 : 403);
    });
  });
});
