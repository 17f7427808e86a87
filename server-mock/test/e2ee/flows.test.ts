/**
 * The clients' operation flows (spec/16-client-flows.md) as HTTP sequences (OCS + WebDAV), the stale-lock
 * rollback with an injected clock, and persistence of transactions across a restart, including
 * a kill in the middle of a transaction.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lock, makeServer, type TestServer } from './_server.js';
import { openStore } from '../../src/store/index.js';

const SIG = 'MIAGCSqGSIb3DQEHAqCAMIACAQExDTALBglghkgBZQMEAgEwgAYJKoZIhvcNAQcBAACg';
const doc = (n: number) =>
  `{"metadata":{"ciphertext":"c${n}","nonce":"n","authenticationTag":"t"},"version":"2.0"}`;
const UUID = (c: string) => c.repeat(32);

function fileIdOf(res: { headers: Record<string, string> }): number {
  return Number(/^(\d+)/.exec(res.headers['oc-fileid'] ?? '')?.[1]);
}

async function writeMeta(
  s: TestServer,
  m: 'post' | 'put' | 'delete',
  id: number,
  token: string,
  body?: string,
) {
  const req = s
    .ocs(m, `/v2/meta-data/${id}`)
    .set('e2e-token', token)
    .set('X-NC-E2EE-SIGNATURE', SIG);
  const res = await (body === undefined ? req : req.type('form').send({ metaData: body }));
  expect(res.status, `${m} meta ${id}: ${res.text}`).toBe(200);
}

async function unlock(s: TestServer, id: number, token: string, abort = false) {
  const res = await s
    .ocs('delete', `/v2/lock/${id}${abort ? '?abort=true' : ''}`)
    .set('e2e-token', token);
  expect(res.status, res.text).toBe(200);
}

/** GET a WebDAV file as text (any content type). */
async function getText(s: TestServer, path: string): Promise<string | number> {
  const res = await s
    .dav('GET', path)
    .buffer(true)
    .parse((r, cb) => {
      let d = '';
      r.setEncoding('utf8');
      r.on('data', (c: string) => (d += c));
      r.on('end', () => cb(null, d));
    });
  return res.status === 200 ? (res.body as string) : res.status;
}

async function metaOf(s: TestServer, id: number): Promise<string | number> {
  const r = await s.ocs('get', `/v2/meta-data/${id}`);
  return r.status === 200 ? r.body.ocs.data['meta-data'] : r.status;
}

/** New top folder (§1.12): MKCOL → PUT /encrypted → lock(1) → POST meta → unlock. */
async function newTopFolder(s: TestServer, name = 'vault'): Promise<number> {
  const mk = await s.dav('MKCOL', `/${name}`);
  expect(mk.status).toBe(201);
  const id = fileIdOf(mk);
  expect((await s.ocs('put', `/v2/encrypted/${id}`)).status).toBe(200);
  const t = await lock(s, id, 1);
  await writeMeta(s, 'post', id, t, doc(1));
  await unlock(s, id, t);
  return id;
}

/** One committed transaction on `top`: lock(counter) → PUT /vault/`name` → PUT meta → unlock. */
async function commitFile(s: TestServer, top: number, counter: number, name: string, body: string) {
  const t = await lock(s, top, counter);
  const put = await s.dav('PUT', `/vault/${name}`).set('e2e-token', t).send(body);
  expect(put.status, put.text).toBeLessThan(300);
  await writeMeta(s, 'put', top, t, doc(counter));
  await unlock(s, top, t);
}

describe.each(['nc30', 'nc32'] as const)('flows, profile %s', (profile) => {
  it('E2EE-LOCK-050: new top folder: the metadata is committed at unlock', async () => {
    const s = makeServer(profile);
    const id = await newTopFolder(s);
    expect(await metaOf(s, id)).toBe(doc(1));
    expect((await s.ocs('get', `/v2/meta-data/${id}`)).headers['x-nc-e2ee-signature']).toBe(SIG);
  });

  it("E2EE-LOCK-051: new sub-folder with the parent's token: staged folder and metadata commit deepest first", async () => {
    const s = makeServer(profile);
    const top = await newTopFolder(s);
    const t = await lock(s, top, 2);
    const mk = await s.dav('MKCOL', `/vault/${UUID('a')}`).set('e2e-token', t);
    expect(mk.status).toBe(201);
    const sub = fileIdOf(mk);
    expect(s.dump(top)).toEqual([`/${UUID('a')}.e2e-to-save/`]);
    expect((await s.ocs('put', `/v2/encrypted/${sub}`)).status).toBe(200);
    await writeMeta(s, 'post', sub, t, doc(10));
    await writeMeta(s, 'put', top, t, doc(2));
    // Not visible before the commit.
    expect(await metaOf(s, sub)).toBe(404);
    expect(await metaOf(s, top)).toBe(doc(1));
    await unlock(s, top, t);
    expect(s.dump(top)).toEqual([`/${UUID('a')}/`]);
    expect(await metaOf(s, sub)).toBe(doc(10));
    expect(await metaOf(s, top)).toBe(doc(2));
    // The sub-folder keeps its file id through the rename.
    expect(s.store.get('nodes', String(sub))!.name).toBe(UUID('a'));
  });

  it('E2EE-LOCK-052: upload and update a file: the staged body replaces the old one at unlock', async () => {
    const s = makeServer(profile);
    const top = await newTopFolder(s);
    const f = `/vault/${UUID('b')}`;
    await commitFile(s, top, 2, UUID('b'), 'v1');
    expect(await getText(s, f)).toBe('v1');
    const t = await lock(s, top, 3);
    expect((await s.dav('PUT', f).set('e2e-token', t).send('v2')).status).toBeLessThan(300);
    expect(await getText(s, f)).toBe('v1');
    await writeMeta(s, 'put', top, t, doc(3));
    await unlock(s, top, t);
    expect(await getText(s, f)).toBe('v2');
    expect(s.dump(top)).toEqual([`/${UUID('b')}`]);
  });

  it('E2EE-LOCK-053: delete: the entry is readable until the commit, then really deleted', async () => {
    const s = makeServer(profile);
    const top = await newTopFolder(s);
    const f = `/vault/${UUID('c')}`;
    await commitFile(s, top, 2, UUID('c'), 'data');
    const t = await lock(s, top, 3);
    expect((await s.dav('DELETE', f)).status).toBe(403);
    expect((await s.dav('DELETE', f).set('e2e-token', t)).status).toBe(204);
    expect(s.dump(top)).toEqual([`/${UUID('c')}.e2e-to-delete`]);
    expect(await getText(s, f)).toBe('data');
    await writeMeta(s, 'put', top, t, doc(3));
    await unlock(s, top, t);
    expect(s.dump(top)).toEqual([]);
    expect(await getText(s, f)).toBe(404);
  });

  it('E2EE-LOCK-054: delete the whole root: DELETE meta writes {}, the unlock removes folder and metadata', async () => {
    const s = makeServer(profile);
    const top = await newTopFolder(s);
    await commitFile(s, top, 2, UUID('d'), 'x');
    const t2 = await lock(s, top, 3);
    await writeMeta(s, 'delete', top, t2);
    expect((await s.dav('DELETE', '/vault').set('e2e-token', t2)).status).toBe(204);
    expect(s.dump(s.root('alice'))).toContain('/vault.e2e-to-delete/');
    await unlock(s, top, t2);
    expect(s.dump(s.root('alice'))).toEqual([]);
    expect(s.store.get('nodes', String(top))).toBeUndefined();
    const state = s.store.get('documents', 'e2ee')!.json as { meta: object; locks: object };
    expect(state.meta).toEqual({});
    expect(state.locks).toEqual({});
  });

  it('E2EE-LOCK-055: abort=true reverts staged writes, deletes and intermediate metadata', async () => {
    const s = makeServer(profile);
    const top = await newTopFolder(s);
    await commitFile(s, top, 2, UUID('e'), 'keep');
    const t = await lock(s, top, 3);
    await s.dav('DELETE', `/vault/${UUID('e')}`).set('e2e-token', t);
    await s
      .dav('PUT', `/vault/${UUID('f')}`)
      .set('e2e-token', t)
      .send('new');
    await s.dav('MKCOL', `/vault/${UUID('0')}`).set('e2e-token', t);
    await writeMeta(s, 'put', top, t, doc(3));
    await unlock(s, top, t, true);
    expect(s.dump(top)).toEqual([`/${UUID('e')}`]);
    expect(await metaOf(s, top)).toBe(doc(2));
    // The counter of the aborted lock was not stored: 3 is accepted again.
    expect((await s.ocs('post', `/v2/lock/${top}`).set('X-NC-E2EE-COUNTER', '3')).status).toBe(200);
  });

  it('E2EE-LOCK-040, E2EE-LOCK-041: WebDAV writes inside an encrypted folder need the lock token (403 without one, 423 with another); reserved names are refused', async () => {
    const s = makeServer(profile);
    const top = await newTopFolder(s);
    expect((await s.dav('PUT', `/vault/${UUID('1')}`).send('x')).status).toBe(403);
    const t = await lock(s, top, 2);
    expect(
      (
        await s
          .dav('PUT', `/vault/${UUID('1')}`)
          .set('e2e-token', 'W'.repeat(64))
          .send('x')
      ).status,
    ).toBe(423);
    expect((await s.dav('PUT', `/vault/x.e2e-to-save`).set('e2e-token', t).send('x')).status).toBe(
      403,
    );
    expect(
      (await s.dav('PUT', `/vault/${UUID('1')}?e2e-token=${t}`).send('x')).status,
    ).toBeLessThan(300);
  });

  it('E2EE-LOCK-060: a stale lock is rolled back after the TTL (injected clock), a live one is not', async () => {
    const s = makeServer(profile, { lockTtlSeconds: 60 });
    const top = await newTopFolder(s);
    const t = await lock(s, top, 2);
    await s
      .dav('PUT', `/vault/${UUID('2')}`)
      .set('e2e-token', t)
      .send('x');
    s.clock.t += 50_000;
    await writeMeta(s, 'put', top, t, doc(2)); // activity at +50 s
    s.clock.t += 50_000; // lock age 100 s, idle 50 s: kept
    expect((await s.ocs('post', `/v2/lock/${top}`).set('X-NC-E2EE-COUNTER', '9')).status).toBe(
      profile === 'nc30' ? 403 : 423,
    );
    s.clock.t += 11_000; // idle 61 s: rolled back at the next request
    const r = await s.ocs('post', `/v2/lock/${top}`).set('X-NC-E2EE-COUNTER', '2');
    expect(r.status).toBe(200);
    expect(s.dump(top)).toEqual([]);
    expect(await metaOf(s, top)).toBe(doc(1));
    const audit = s.store.list('audit').map((a) => a.action);
    expect(audit).toContain('e2ee.rollback');
  });

  it('E2EE-LOCK-065: every lock, unlock and rollback is audited without the token', async () => {
    const s = makeServer(profile);
    const top = await newTopFolder(s);
    const t = await lock(s, top, 2);
    await unlock(s, top, t, true);
    const recs = s.store.list('audit').filter((a) => a.action.startsWith('e2ee.'));
    expect(recs.map((a) => a.action)).toEqual([
      'e2ee.flag-set',
      'e2ee.lock',
      'e2ee.unlock',
      'e2ee.lock',
      'e2ee.abort',
    ]);
    for (const r of recs) {
      expect(JSON.stringify(r)).not.toContain(t);
      if (r.action.includes('lock') || r.action === 'e2ee.abort')
        expect(r.details?.['token']).toMatch(/^[0-9a-f]{16}$/);
      expect(r.actor).toBe('alice');
      expect(r.object).toBe(`file:${top}`);
    }
  });
});

describe('persistence (E2EE-LOCK-061)', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('E2EE-LOCK-061: committed transactions survive a restart; a kill mid-transaction loses only the uncommitted part', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sealfold-e2ee-'));
    dirs.push(dir);
    const s1 = makeServer('nc32', { dataDir: dir, lockTtlSeconds: 60 });
    const top = await newTopFolder(s1);
    await commitFile(s1, top, 2, UUID('3'), 'committed');
    // A second transaction, interrupted: no close(), the process "dies".
    const t = await lock(s1, top, 3);
    await s1
      .dav('PUT', `/vault/${UUID('4')}`)
      .set('e2e-token', t)
      .send('pending');
    await s1.dav('DELETE', `/vault/${UUID('3')}`).set('e2e-token', t);
    await writeMeta(s1, 'put', top, t, doc(3));

    const s2 = makeServer('nc32', {
      store: openStore(dir),
      lockTtlSeconds: 60,
      clockStart: s1.clock.t,
    });
    expect(await metaOf(s2, top)).toBe(doc(2));
    expect(await getText(s2, `/vault/${UUID('3')}`)).toBe('committed');
    // The lock survived the restart: the client may still finish...
    expect((await s2.ocs('post', `/v2/lock/${top}`).set('X-NC-E2EE-COUNTER', '9')).status).toBe(
      423,
    );
    // ...or it is rolled back after the TTL, leaving exactly the committed state.
    s2.clock.t += 61_000;
    const t3 = await lock(s2, top, 3);
    expect(s2.dump(top)).toEqual([`/${UUID('3')}`]);
    expect(await metaOf(s2, top)).toBe(doc(2));
    await writeMeta(s2, 'put', top, t3, doc(4));
    await unlock(s2, top, t3);
    s2.store.close();

    const s3 = makeServer('nc32', { store: openStore(dir), clockStart: s2.clock.t });
    expect(await metaOf(s3, top)).toBe(doc(4));
    expect((await s3.ocs('post', `/v2/lock/${top}`).set('X-NC-E2EE-COUNTER', '3')).status).toBe(
      412,
    );
    s3.store.close();
  });

  it('E2EE-LOCK-061: a restart in the middle of a transaction lets the client commit it afterwards', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sealfold-e2ee-'));
    dirs.push(dir);
    const s1 = makeServer('nc30', { dataDir: dir });
    const top = await newTopFolder(s1);
    const t = await lock(s1, top, 2);
    await s1
      .dav('PUT', `/vault/${UUID('5')}`)
      .set('e2e-token', t)
      .send('x');
    await writeMeta(s1, 'put', top, t, doc(2));
    const s2 = makeServer('nc30', { store: openStore(dir), clockStart: s1.clock.t });
    await unlock(s2, top, t);
    expect(await metaOf(s2, top)).toBe(doc(2));
    expect(s2.dump(top)).toEqual([`/${UUID('5')}`]);
    s2.store.close();
  });
});
