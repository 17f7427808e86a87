/**
 * WebDAV writes (spec/14-webdav-and-shares.md §5–§6): PUT, MKCOL, DELETE, MOVE, COPY, the lock
 * token inside encrypted trees, tree crossings and recipients' permissions.
 */
import { describe, expect, it } from 'vitest';
import request from 'supertest';
import { BROWSER_UA, DAV, PASSWORD, makeDavServer, type DavServer } from './_dav.js';
import { tree } from '../../src/store/index.js';
import { MAX_PUT_BYTES } from '../../src/http/dav/router.js';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';

const dest = (p: string, uid = 'alice') => `${DAV}/${uid}/${p}`;

/** Sends only the headers of a PUT announcing MAX_PUT_BYTES + 1 bytes; returns the status. */
async function announceHugePut(s: DavServer, path: string): Promise<number> {
  const server = s.app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const { port } = server.address() as AddressInfo;
    const req = httpRequest({
      host: '127.0.0.1',
      port,
      method: 'PUT',
      path,
      headers: {
        authorization: `Basic ${Buffer.from(`alice:${PASSWORD}`).toString('base64')}`,
        'content-length': String(MAX_PUT_BYTES + 1),
      },
    });
    req.flushHeaders();
    const [res] = (await once(req, 'response')) as [IncomingMessage];
    res.resume();
    req.destroy();
    return res.statusCode ?? 0;
  } finally {
    server.close();
  }
}

function share(s: DavServer, path: string, permissions = 31, owner = 'alice', to = 'bob') {
  return request(s.app)
    .post('/ocs/v2.php/apps/files_sharing/api/v1/shares?format=json')
    .auth(owner, PASSWORD)
    .set('OCS-APIRequest', 'true')
    .send({ path, shareType: 0, shareWith: to, permissions });
}

/** Runs `req` and checks its status and that the store did not change. */
async function refused(s: DavServer, req: Promise<{ status: number }>, status: number) {
  const fp = s.store.fingerprint();
  expect((await req).status).toBe(status);
  expect(s.store.fingerprint()).toBe(fp);
}

/**
 * A token that differs from `token` in its last character. Replacing the last character with a
 * fixed letter is the right token whenever the random token already ends in that letter.
 */
function wrongToken(token: string): string {
  const last = token.at(-1);
  return token.slice(0, -1) + (last === 'Z' ? 'Y' : 'Z');
}

describe('MKCOL', () => {
  it('E2EE-API-230: 201 with OC-FileId; 405 exists; 409 no parent; 415 with a body', async () => {
    const s = makeDavServer('nc32');
    const r = await s.dav('mkcol', 'A');
    expect(r.status).toBe(201);
    const id = tree.resolvePath(s.store, 'alice', '/A')!.node.id;
    expect(r.headers['oc-fileid']).toBe(`${String(id).padStart(8, '0')}ocsealfold01`);
    expect(/^0*(\d+)/.exec(r.headers['oc-fileid'])![1]).toBe(String(id));
    await refused(s, s.dav('mkcol', 'A'), 405);
    await refused(s, s.dav('mkcol', ''), 405);
    await refused(s, s.dav('mkcol', 'missing/B'), 409);
    s.putFile(s.root('alice'), 'file', 'x');
    await refused(s, s.dav('mkcol', 'file/B'), 409);
    await refused(s, s.dav('mkcol', 'C').set('Content-Type', 'application/xml').send('<x/>'), 415);
  });
});

describe('PUT', () => {
  it('E2EE-API-231: 201 new, 204 replaced, byte-exact, headers; 409 no parent; 405 on a folder; 413 too large', async () => {
    const s = makeDavServer('nc32');
    const a = await s.dav('put', 'f').send(Buffer.from('one'));
    expect(a.status).toBe(201);
    expect(a.headers['etag']).toMatch(/^"[0-9a-f]+"$/);
    expect(a.headers['oc-etag']).toBe(a.headers['etag']);
    const b = await s.dav('put', 'f').send(Buffer.from('two'));
    expect(b.status).toBe(204);
    expect(b.headers['oc-fileid']).toBe(a.headers['oc-fileid']);
    expect(b.headers['etag']).not.toBe(a.headers['etag']);
    expect((await s.dav('get', 'f')).body.toString()).toBe('two');
    await refused(s, s.dav('put', 'no/f').send('x'), 409);
    s.mkdir(s.root('alice'), 'dir');
    await refused(s, s.dav('put', 'dir').send('x'), 405);
    await refused(s, s.dav('put', '').send('x'), 405);
    // A body announced above the limit is refused before it is read (raw request: only headers
    // are sent, so the refusal cannot race a 64 MiB upload).
    const fp = s.store.fingerprint();
    expect(await announceHugePut(s, `${DAV}/alice/big`)).toBe(413);
    expect(s.store.fingerprint()).toBe(fp);
  });
});

describe('DELETE', () => {
  it('E2EE-API-233: 204 recursive with shares; 404 missing; 403 root and received share roots', async () => {
    const s = makeDavServer('nc32');
    const d = s.mkdir(s.root('alice'), 'd');
    const sub = s.mkdir(d, 'sub');
    s.putFile(sub, 'f', 'x');
    expect((await share(s, '/d/sub')).status).toBe(200);
    expect(s.store.list('shares')).toHaveLength(1);
    await refused(s, s.dav('delete', 'd/sub', 'bob'), 404);
    await refused(s, s.dav('delete', 'sub', 'bob'), 403);
    expect((await s.dav('delete', 'd')).status).toBe(204);
    expect(s.dump(s.root('alice'))).toEqual([]);
    expect(s.store.list('shares')).toHaveLength(0);
    await refused(s, s.dav('delete', 'd'), 404);
    await refused(s, s.dav('delete', ''), 403);
  });
});

describe('MOVE and COPY', () => {
  it('E2EE-API-234: Destination, Overwrite, 201/204, 409, 412, 403 and id semantics', async () => {
    const s = makeDavServer('nc32');
    const a = s.putFile(s.root('alice'), 'a', 'A');
    s.putFile(s.root('alice'), 'b', 'B');
    const d = s.mkdir(s.root('alice'), 'd');
    // Destination forms: absolute URL (any host) and absolute path.
    const m1 = await s.dav('move', 'a').set('Destination', `http://example.test${dest('d/a2')}`);
    expect(m1.status).toBe(201);
    expect(tree.resolvePath(s.store, 'alice', '/d/a2')!.node.id).toBe(a);
    const m2 = await s.dav('move', 'd/a2').set('Destination', dest('a'));
    expect(m2.status).toBe(201);
    await refused(s, s.dav('move', 'a').set('Destination', dest('b')).set('Overwrite', 'F'), 412);
    await refused(
      s,
      s.dav('move', 'a').set('Destination', dest('b')).set('Overwrite', 'maybe'),
      400,
    );
    await refused(s, s.dav('move', 'a'), 400);
    await refused(
      s,
      s.dav('move', 'a').set('Destination', 'ftp://x/remote.php/dav/files/alice/z'),
      400,
    );
    await refused(s, s.dav('move', 'a').set('Destination', '/elsewhere/z'), 400);
    await refused(s, s.dav('move', 'a').set('Destination', dest('x/../b')), 400);
    await refused(s, s.dav('move', 'a').set('Destination', dest('z', 'bob')), 403);
    await refused(s, s.dav('move', 'a').set('Destination', dest('a')), 403);
    await refused(s, s.dav('move', 'a').set('Destination', dest('')), 403);
    await refused(s, s.dav('move', 'a').set('Destination', dest('nope/a')), 409);
    await refused(s, s.dav('move', 'd').set('Destination', dest('d/inner')), 409);
    // Regression (found by the model-based test): replacing an ancestor of the source deleted the
    // source with it (MOVE answered 404 by accident, COPY crashed with 500).
    s.putFile(d, 'inner', 'I');
    await refused(s, s.dav('move', 'd/inner').set('Destination', dest('d')), 403);
    await refused(s, s.dav('copy', 'd/inner').set('Destination', dest('d')), 403);
    s.store.transact((tx) => tree.deleteNode(tx, 1, tree.childByName(tx, d, 'inner')!.id));
    await refused(s, s.dav('move', 'ghost').set('Destination', dest('g')), 404);
    const over = await s.dav('move', 'a').set('Destination', dest('b')).set('Overwrite', 'T');
    expect(over.status).toBe(204);
    expect((await s.dav('get', 'b')).body.toString()).toBe('A');
    const c = await s.dav('copy', 'b').set('Destination', dest('d/b'));
    expect(c.status).toBe(201);
    const copy = tree.resolvePath(s.store, 'alice', '/d/b')!.node;
    expect(copy.id).not.toBe(a);
    expect(Buffer.from(copy.content!).toString()).toBe('A');
    s.putFile(d, 'deep', 'D');
    expect((await s.dav('copy', 'd').set('Destination', dest('d2'))).status).toBe(201);
    expect(s.dump(tree.resolvePath(s.store, 'alice', '/d2')!.node.id)).toEqual(['/b', '/deep']);
    void d;
  });

  it('E2EE-API-800: E2EE-API-801: no MOVE or COPY between encrypted and plain trees; encrypted folders are not copied', async () => {
    const s = makeDavServer('nc32');
    const enc = s.encryptedFolder('alice', 'Enc');
    const t = s.lock(enc);
    await s.dav('put', 'Enc/in').set('e2e-token', t).send('c');
    s.unlock(enc, t);
    s.putFile(s.root('alice'), 'plain', 'p');
    const p = s.mkdir(s.root('alice'), 'P');
    const t2 = s.lock(enc);
    for (const m of ['move', 'copy'] as const) {
      await refused(
        s,
        s.dav(m, 'plain').set('Destination', dest('Enc/plain')).set('e2e-token', t2),
        403,
      );
      await refused(s, s.dav(m, 'Enc/in').set('Destination', dest('in')).set('e2e-token', t2), 403);
      await refused(s, s.dav(m, 'Enc').set('Destination', dest('P/Enc')).set('e2e-token', t2), 403);
    }
    s.unlock(enc, t2);
    // A plain folder holding an encrypted folder: E2EE clients may move it, nobody may copy it.
    const holder = s.mkdir(p, 'holder');
    const inner = s.mkdir(holder, 'E2');
    s.engine((ctx) => ctx.tree.setEncrypted(inner, true));
    await refused(s, s.dav('copy', 'P/holder').set('Destination', dest('holder2')), 403);
    expect((await s.dav('move', 'P/holder').set('Destination', dest('holder2'))).status).toBe(201);
    expect(tree.isInEncryptedTree(s.store, inner)).toBe(true);
  });

  it('E2EE-API-802: a client that is not an E2EE client may neither move nor delete a plain folder holding an encrypted one', async () => {
    const s = makeDavServer('nc32');
    const p = s.mkdir(s.root('alice'), 'P');
    const holder = s.mkdir(p, 'holder');
    const inner = s.mkdir(holder, 'E2');
    s.engine((ctx) => ctx.tree.setEncrypted(inner, true));
    const before = s.store.fingerprint();
    const move = s.dav('move', 'P/holder', 'alice', BROWSER_UA).set('Destination', dest('moved'));
    expect((await move).status).toBe(403);
    expect((await s.dav('delete', 'P/holder', 'alice', BROWSER_UA)).status).toBe(403);
    expect(s.store.fingerprint()).toEqual(before);
    // The same move by an E2EE client is allowed (E2EE-API-800 only forbids crossing the boundary).
    expect((await s.dav('move', 'P/holder').set('Destination', dest('moved'))).status).toBe(201);
  });

  it('E2EE-API-222, E2EE-LOCK-041: inside encrypted trees MOVE/COPY need the token (403 without, 423 with another) and are staged until unlock', async () => {
    const s = makeDavServer('nc32');
    const enc = s.encryptedFolder('alice', 'Enc');
    let t = s.lock(enc);
    await s.dav('mkcol', 'Enc/sub').set('e2e-token', t);
    await s.dav('put', 'Enc/f').set('e2e-token', t).send('c');
    s.unlock(enc, t);
    t = s.lock(enc);
    await refused(s, s.dav('move', 'Enc/f').set('Destination', dest('Enc/sub/f')), 403);
    await refused(
      s,
      s.dav('move', 'Enc/f').set('Destination', dest('Enc/sub/f')).set('e2e-token', 'x'.repeat(64)),
      423,
    );
    expect(
      (await s.dav('move', 'Enc/f').set('Destination', dest('Enc/sub/f')).set('e2e-token', t))
        .status,
    ).toBe(201);
    expect(
      (
        await s
          .dav('copy', 'Enc/sub')
          .set('Destination', dest('Enc/sub2'))
          .query({ 'e2e-token': t })
      ).status,
    ).toBe(201);
    // The copy holds the committed state of sub: the staged f is not part of it.
    expect(s.dump(enc)).toEqual(['/sub/', '/sub/f.e2e-to-save', '/sub2.e2e-to-save/']);
    s.unlock(enc, t);
    expect(s.dump(enc)).toEqual(['/sub/', '/sub/f', '/sub2/']);
  });
});

describe('writes inside encrypted trees', () => {
  it.each(['nc30', 'nc32'] as const)(
    'E2EE-API-222: PUT/MKCOL/DELETE need the lock token (header or query), are staged, and commit at unlock (%s)',
    async (profile) => {
      const s = makeDavServer(profile);
      const enc = s.encryptedFolder('alice', 'Enc');
      await refused(s, s.dav('put', 'Enc/f').send('c'), 403);
      await refused(s, s.dav('mkcol', 'Enc/d'), 403);
      const t = s.lock(enc);
      await refused(s, s.dav('put', 'Enc/f').set('e2e-token', 'wrong').send('c'), 423);
      await refused(
        s,
        s
          .dav('put', 'Enc/f')
          .query({ 'e2e-token': [t, t] })
          .send('c'),
        400,
      );
      const put = await s.dav('put', 'Enc/f').set('e2e-token', t).send('c');
      expect(put.status).toBe(201);
      const mk = await s.dav('mkcol', 'Enc/d').query({ 'e2e-token': t });
      expect(mk.status).toBe(201);
      expect(Number(/^0*(\d+)/.exec(mk.headers['oc-fileid'])![1])).toBe(
        tree.childByName(s.store, enc, 'd.e2e-to-save')!.id,
      );
      expect(s.dump(enc)).toEqual(['/d.e2e-to-save/', '/f.e2e-to-save']);
      s.unlock(enc, t);
      expect(s.dump(enc)).toEqual(['/d/', '/f']);
      const t2 = s.lock(enc);
      await refused(s, s.dav('delete', 'Enc/f'), 403);
      expect((await s.dav('delete', 'Enc/f').set('e2e-token', t2)).status).toBe(204);
      expect((await s.dav('delete', 'Enc/f').set('e2e-token', t2)).status).toBe(404);
      s.unlock(enc, t2, 'alice', true);
      expect(s.dump(enc)).toEqual(['/d/', '/f']);
      // A token that differs from the lock's (in its last character, whatever that is) is
      // refused with 423, core's FileLocked (E2EE-LOCK-041).
      const t3 = s.lock(enc);
      expect(wrongToken(t3)).not.toBe(t3);
      expect(wrongToken('abcZ')).not.toBe('abcZ');
      await refused(s, s.dav('put', 'Enc/g').set('e2e-token', wrongToken(t3)).send('x'), 423);
      s.unlock(enc, t3);
    },
  );
});

describe('the top encrypted folder deleted under a lock', () => {
  // Regression (found by the model-based test): the staged delete lived in the plain parent as
  // `Enc.e2e-to-delete`, so listings showed uncommitted state, and a new plain `Enc` could be
  // created there, which the abort then replaced (data loss).
  it('E2EE-API-807 E2EE-LOCK-044: keeps its name in its plain parent until the unlock, and the name stays taken', async () => {
    const s = makeDavServer('nc32');
    const enc = s.encryptedFolder('alice', 'Enc');
    s.putFile(enc, 'f', 'c');
    s.mkdir(s.root('alice'), 'plain.e2e-to-delete');
    const hrefs = async (path: string) =>
      [
        ...String((await s.dav('propfind', path).set('Depth', '1')).body).matchAll(
          /<d:href>([^<]*)/g,
        ),
      ].map((m) => m[1]!.slice(`${DAV}/alice/`.length));
    const t = s.lock(enc);
    expect((await s.dav('delete', 'Enc').set('e2e-token', t)).status).toBe(204);
    expect(s.dump(s.root('alice'))).toContain('/Enc.e2e-to-delete/');
    expect(await hrefs('')).toEqual(['', 'Enc/', 'plain.e2e-to-delete/']);
    expect(await hrefs('Enc')).toEqual(['Enc/', 'Enc/f']);
    expect((await s.dav('propfind', 'Enc.e2e-to-delete')).status).toBe(404);
    await refused(s, s.dav('mkcol', 'Enc'), 405);
    await refused(s, s.dav('put', 'Enc').send('x'), 405);
    await refused(s, s.dav('delete', 'Enc').set('e2e-token', t), 404);
    s.unlock(enc, t, 'alice', true);
    expect(s.dump(s.root('alice'))).toEqual(['/Enc/', '/Enc/f', '/plain.e2e-to-delete/']);
    const t2 = s.lock(enc);
    expect((await s.dav('delete', 'Enc').set('e2e-token', t2)).status).toBe(204);
    s.unlock(enc, t2);
    expect(await hrefs('')).toEqual(['', 'plain.e2e-to-delete/']);
  });
});

describe('recipients', () => {
  it('E2EE-API-235: writes need the share bits; the share root cannot be moved or deleted', async () => {
    const s = makeDavServer('nc32');
    const team = s.mkdir(s.root('alice'), 'Team');
    s.putFile(team, 'doc', 'd');
    expect((await share(s, '/Team', 1)).status).toBe(200);
    await refused(s, s.dav('put', 'Team/doc', 'bob').send('x'), 403);
    await refused(s, s.dav('put', 'Team/new', 'bob').send('x'), 403);
    await refused(s, s.dav('mkcol', 'Team/sub', 'bob'), 403);
    await refused(s, s.dav('delete', 'Team/doc', 'bob'), 403);
    await refused(s, s.dav('move', 'Team', 'bob').set('Destination', dest('T2', 'bob')), 403);
    await refused(
      s,
      s.dav('copy', 'Team/doc', 'bob').set('Destination', dest('Team/doc2', 'bob')),
      403,
    );
    expect(
      (await s.dav('copy', 'Team/doc', 'bob').set('Destination', dest('mine', 'bob'))).status,
    ).toBe(201);
    const team2 = s.mkdir(s.root('alice'), 'Rw');
    void team2;
    expect((await share(s, '/Rw', 31)).status).toBe(200);
    expect((await s.dav('put', 'Rw/new', 'bob').send('x')).status).toBe(201);
    expect(tree.resolvePath(s.store, 'alice', '/Rw/new')!.node.owner).toBe('alice');
    expect((await s.dav('delete', 'Rw/new', 'bob')).status).toBe(204);
    await refused(s, s.dav('delete', 'Rw', 'bob'), 403);
  });

  // Regression (found by the model-based test): only the moved node changed owner, so the
  // recipient lost its children and PROPFIND of the moved folder answered 500.
  it('E2EE-API-234 E2EE-API-253: a folder moved between a share and the own tree changes owner with everything below it', async () => {
    const s = makeDavServer('nc32');
    const team = s.mkdir(s.root('alice'), 'Team');
    s.putFile(s.mkdir(team, 'sub'), 'doc', 'hello');
    const mine = s.mkdir(s.root('bob'), 'Mine');
    s.putFile(s.mkdir(mine, 'inner'), 'note', 'n');
    expect((await share(s, '/Team')).status).toBe(200);
    expect(
      (await s.dav('move', 'Team/sub', 'bob').set('Destination', dest('out', 'bob'))).status,
    ).toBe(201);
    expect(tree.resolvePath(s.store, 'bob', '/out/doc')!.node.owner).toBe('bob');
    expect(tree.resolvePath(s.store, 'alice', '/Team/sub')).toBeUndefined();
    const got = await s.dav('get', 'out/doc', 'bob');
    expect([got.status, String(got.body)]).toEqual([200, 'hello']);
    expect((await s.dav('propfind', 'out', 'bob').set('Depth', '1')).status).toBe(207);
    expect(
      (await s.dav('move', 'Mine', 'bob').set('Destination', dest('Team/in', 'bob'))).status,
    ).toBe(201);
    expect(tree.resolvePath(s.store, 'alice', '/Team/in/inner/note')!.node.owner).toBe('alice');
    expect((await s.dav('get', 'Team/in/inner/note', 'bob')).status).toBe(200);
  });
});
