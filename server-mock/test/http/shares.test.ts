/**
 * The OCS user-share API subset (spec/14-webdav-and-shares.md §7): create, list, read, delete,
 * visibility for the recipient, E2EE use of a received folder, and the audit log.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import request from 'supertest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { DAV, PASSWORD, makeDavServer, propfindBody, type DavServer } from './_dav.js';
import * as audit from '../../src/audit.js';
import { lockFolder, putMetadata, unlockFolder } from '../../src/e2ee/index.js';

const schema = JSON.parse(
  readFileSync(new URL('../../../spec/schemas/ocs-share.schema.json', import.meta.url), 'utf8'),
) as object;
const validShare = new Ajv2020({ allErrors: true, strict: true }).compile(schema);

const API = '/ocs/v2.php/apps/files_sharing/api/v1/shares';

function ocs(s: DavServer, method: 'get' | 'post' | 'delete', path: string, uid = 'alice') {
  const agent = request(s.app);
  return agent[method](`${API}${path}${path.includes('?') ? '&' : '?'}format=json`)
    .auth(uid, PASSWORD)
    .set('OCS-APIRequest', 'true');
}

function data(res: { body: unknown }): unknown {
  return (res.body as { ocs: { data: unknown } }).ocs.data;
}

describe('user shares', () => {
  it('E2EE-API-250: create a user share (JSON and form bodies); every refusal has its status and changes nothing', async () => {
    const s = makeDavServer('nc32');
    const team = s.mkdir(s.root('alice'), 'Team');
    s.putFile(s.root('alice'), 'file.txt', 'x');
    const ok = await ocs(s, 'post', '').send({ path: '/Team', shareType: 0, shareWith: 'bob' });
    expect(ok.status).toBe(200);
    const share = data(ok) as Record<string, unknown>;
    expect(validShare(share), JSON.stringify(validShare.errors)).toBe(true);
    expect(share).toMatchObject({
      share_type: 0,
      uid_owner: 'alice',
      share_with: 'bob',
      permissions: 31,
      path: '/Team',
      item_type: 'folder',
      item_source: team,
      file_target: '/Team',
    });
    const form = await ocs(s, 'post', '')
      .type('form')
      .send('path=%2Ffile.txt&shareType=0&shareWith=eve&permissions=31');
    expect(form.status).toBe(200);
    expect((data(form) as { permissions: number }).permissions).toBe(19);
    const cases: [Record<string, unknown>, number, string][] = [
      [{ shareType: 0, shareWith: 'bob' }, 404, 'no path'],
      [{ path: '/Nope', shareType: 0, shareWith: 'bob' }, 404, 'unknown path'],
      [{ path: '/Team', shareType: 0, shareWith: 'mallory' }, 404, 'unknown user'],
      [{ path: '/Team', shareType: 0 }, 404, 'no recipient'],
      [{ path: '/Team', shareType: 2, shareWith: 'bob' }, 400, 'group share'],
      [{ path: '/Team', shareWith: 'bob' }, 400, 'no type'],
      [{ path: '/Team', shareType: 0, shareWith: 'eve', permissions: 0 }, 400, 'perm 0'],
      [{ path: '/Team', shareType: 0, shareWith: 'eve', permissions: 32 }, 400, 'perm 32'],
      [{ path: '/Team', shareType: 0, shareWith: 'eve', permissions: 2 }, 400, 'no read'],
      [{ path: '/Team', shareType: 0, shareWith: 'eve', permissions: '1x' }, 400, 'perm text'],
      [{ path: '/Team', shareType: 0, shareWith: 'eve', permissions: [1] }, 400, 'perm array'],
      [{ path: '/', shareType: 0, shareWith: 'bob' }, 403, 'root'],
      [{ path: '/Team', shareType: 0, shareWith: 'alice' }, 403, 'self'],
      [{ path: '/Team', shareType: 0, shareWith: 'bob' }, 403, 'twice'],
    ];
    for (const [body, status, what] of cases) {
      const fp = s.store.fingerprint();
      const r = await ocs(s, 'post', '').send(body);
      expect(r.status, what).toBe(status);
      expect(s.store.fingerprint(), what).toBe(fp);
    }
    // A recipient cannot reshare; a sub-folder of an encrypted folder cannot be shared.
    expect(
      (await ocs(s, 'post', '', 'bob').send({ path: '/Team', shareType: 0, shareWith: 'eve' }))
        .status,
    ).toBe(403);
    const enc = s.encryptedFolder('alice', 'Enc');
    const t = s.lock(enc);
    await s.dav('mkcol', 'Enc/sub').set('e2e-token', t);
    s.unlock(enc, t);
    expect(
      (await ocs(s, 'post', '').send({ path: '/Enc/sub', shareType: 0, shareWith: 'bob' })).status,
    ).toBe(403);
    expect(
      (await ocs(s, 'post', '').send({ path: '/Enc', shareType: 0, shareWith: 'bob' })).status,
    ).toBe(200);
    // Anonymous and CSRF-less requests are refused before anything else.
    expect(
      (await request(s.app).post(`${API}?format=json`).set('OCS-APIRequest', 'true')).status,
    ).toBe(401);
  });

  it('E2EE-API-251: list own shares, shares received, one share; others are 404', async () => {
    const s = makeDavServer('nc30');
    s.mkdir(s.root('alice'), 'A');
    s.mkdir(s.root('alice'), 'B');
    s.mkdir(s.root('eve'), 'E');
    const a = data(
      await ocs(s, 'post', '').send({ path: '/A', shareType: 0, shareWith: 'bob' }),
    ) as { id: string };
    await ocs(s, 'post', '').send({ path: '/B', shareType: 0, shareWith: 'eve' });
    await ocs(s, 'post', '', 'eve').send({ path: '/E', shareType: 0, shareWith: 'bob' });
    const own = data(await ocs(s, 'get', '')) as { share_with: string }[];
    expect(own.map((x) => x.share_with)).toEqual(['bob', 'eve']);
    const received = data(await ocs(s, 'get', '?shared_with_me=true', 'bob')) as Record<
      string,
      unknown
    >[];
    expect(received.map((x) => [x['uid_owner'], x['path']])).toEqual([
      ['alice', '/A'],
      ['eve', '/E'],
    ]);
    for (const r of received) expect(validShare(r)).toBe(true);
    expect((data(await ocs(s, 'get', '?path=/B')) as unknown[]).length).toBe(1);
    expect((await ocs(s, 'get', '?path=/none')).status).toBe(404);
    expect((data(await ocs(s, 'get', `/${a.id}`, 'bob')) as { id: string }[])[0]!.id).toBe(a.id);
    for (const id of [a.id, '999', 'abc', '1e3', '-1']) {
      expect((await ocs(s, 'get', `/${id}`, 'eve')).status, id).toBe(404);
    }
    expect((await ocs(s, 'get', `/${a.id}`, 'alice')).status).toBe(200);
  });

  it('E2EE-API-252: owner or recipient deletes; the recipient loses WebDAV and E2EE access; others get 404', async () => {
    const s = makeDavServer('nc32');
    const enc = s.encryptedFolder('alice', 'Enc');
    const one = data(
      await ocs(s, 'post', '').send({ path: '/Enc', shareType: 0, shareWith: 'bob' }),
    ) as { id: string };
    expect((await s.dav('propfind', 'Enc', 'bob').set('Depth', '0')).status).toBe(207);
    expect((await ocs(s, 'delete', `/${one.id}`, 'eve')).status).toBe(404);
    const del = await ocs(s, 'delete', `/${one.id}`);
    expect(del.status).toBe(200);
    expect(data(del)).toEqual([]);
    expect((await s.dav('propfind', 'Enc', 'bob').set('Depth', '0')).status).toBe(404);
    expect(() =>
      s.engine((ctx) => lockFolder(ctx, 'bob', enc, { token: '', counter: '9', api: 'v2' })),
    ).toThrow();
    expect((await ocs(s, 'delete', `/${one.id}`)).status).toBe(404);
    const two = data(
      await ocs(s, 'post', '').send({ path: '/Enc', shareType: 0, shareWith: 'bob' }),
    ) as { id: string };
    expect((await ocs(s, 'delete', `/${two.id}`, 'bob')).status).toBe(200);
    expect(s.store.list('shares')).toHaveLength(0);
  });

  it('E2EE-API-253: a recipient locks, writes (staged) and commits in a shared encrypted folder', async () => {
    const s = makeDavServer('nc32');
    const enc = s.encryptedFolder('alice', 'Enc');
    await ocs(s, 'post', '').send({ path: '/Enc', shareType: 0, shareWith: 'bob' });
    const token = s.engine((ctx) =>
      lockFolder(ctx, 'bob', enc, { token: '', counter: '50', api: 'v2' }),
    );
    const put = await s.dav('put', 'Enc/from-bob', 'bob').set('e2e-token', token).send('cipher');
    expect(put.status).toBe(201);
    s.engine((ctx) =>
      putMetadata(ctx, 'bob', enc, { doc: '{"v":2}', token, signature: 'c2ln', api: 'v2' }),
    );
    s.engine((ctx) => unlockFolder(ctx, 'bob', enc, { token, abort: false, api: 'v2' }));
    expect((await s.dav('get', 'Enc/from-bob', 'alice')).body.toString()).toBe('cipher');
    const listing = await s
      .dav('propfind', `${DAV}/bob/Enc`, 'bob')
      .set('Depth', '1')
      .send(propfindBody(['d:getetag', 'nc:e2ee-metadata']));
    expect(listing.body.toString()).toContain('from-bob');
    expect(listing.body.toString()).toContain('{&quot;v&quot;:2}');
  });

  it('E2EE-API-254: share creation and deletion are audited without secrets', async () => {
    const s = makeDavServer('nc32');
    const team = s.mkdir(s.root('alice'), 'Team');
    const r = data(
      await ocs(s, 'post', '').send({
        path: '/Team',
        shareType: 0,
        shareWith: 'bob',
        permissions: 17,
      }),
    ) as { id: string };
    await ocs(s, 'delete', `/${r.id}`, 'bob');
    const events = audit.list(s.store).filter((e) => e.action.startsWith('share.'));
    expect(events.map((e) => [e.action, e.actor, e.object])).toEqual([
      ['share.create', 'alice', `share:${r.id}`],
      ['share.delete', 'bob', `share:${r.id}`],
    ]);
    expect(events[0]!.details).toEqual({ node: team, recipient: 'bob', permissions: 17 });
    expect(events[1]!.details).toMatchObject({ node: team, recipient: 'bob', by: 'recipient' });
    expect(JSON.stringify(events)).not.toContain(PASSWORD);
  });

  it('E2EE-API-430: a link share gets a fresh [A-Za-z0-9] token and a public url; refusals change nothing; the audit log names no token', async () => {
    const s = makeDavServer('nc32');
    const enc = s.encryptedFolder('alice', 'Enc');
    s.putFile(s.root('alice'), 'file.txt', 'x');
    const made = await ocs(s, 'post', '').send({ path: '/Enc', shareType: 3, permissions: 4 });
    expect(made.status).toBe(200);
    const link = data(made) as Record<string, unknown>;
    expect(validShare(link), JSON.stringify(validShare.errors)).toBe(true);
    expect(link).toMatchObject({
      share_type: 3,
      share_with: null,
      permissions: 4,
      item_source: enc,
    });
    const token = link['token'] as string;
    expect(token).toMatch(/^[a-km-zA-HJ-NP-Z2-9]{15}$/);
    expect(link['url']).toMatch(new RegExp(`/index\\.php/s/${token}$`));
    // A second link of the same folder has its own token; the default permission is read.
    const second = data(await ocs(s, 'post', '').send({ path: '/Enc', shareType: 3 })) as {
      token: string;
      permissions: number;
    };
    expect(second.token).not.toBe(token);
    expect(second.permissions).toBe(1);
    const t = s.lock(enc);
    await s.dav('mkcol', 'Enc/sub').set('e2e-token', t);
    s.unlock(enc, t);
    const cases: [Record<string, unknown>, number, string][] = [
      [{ shareType: 3 }, 404, 'no path'],
      [{ path: '/Nope', shareType: 3 }, 404, 'unknown path'],
      [{ path: '/Enc', shareType: 3, permissions: 31 }, 400, 'share bit'],
      [{ path: '/Enc', shareType: 3, permissions: 2 }, 400, 'update only'],
      [{ path: '/file.txt', shareType: 3, permissions: 4 }, 400, 'file drop of a file'],
      [{ path: '/', shareType: 3 }, 403, 'root'],
      [{ path: '/Enc/sub', shareType: 3 }, 403, 'inside an encrypted tree'],
    ];
    for (const [body, status, what] of cases) {
      const fp = s.store.fingerprint();
      const r = await ocs(s, 'post', '').send(body);
      expect(r.status, what).toBe(status);
      expect(s.store.fingerprint(), what).toBe(fp);
    }
    expect((await ocs(s, 'post', '', 'bob').send({ path: '/Enc', shareType: 3 })).status).toBe(404);
    const events = audit.list(s.store).filter((e) => e.action === 'share.create');
    expect(events[0]!.details).toEqual({ node: enc, recipient: 'link', permissions: 4 });
    expect(JSON.stringify(audit.list(s.store))).not.toContain(token);
  });

  it('E2EE-API-431: link shares are listed and read by their owner only; deleting one removes its keys', async () => {
    const s = makeDavServer('nc30');
    s.mkdir(s.root('alice'), 'Pub');
    const link = data(await ocs(s, 'post', '').send({ path: '/Pub', shareType: 3 })) as {
      id: string;
      token: string;
    };
    const own = data(await ocs(s, 'get', '')) as { id: string; token: string }[];
    expect(own.map((x) => [x.id, x.token])).toEqual([[link.id, link.token]]);
    expect((data(await ocs(s, 'get', `/${link.id}`)) as { token: string }[])[0]!.token).toBe(
      link.token,
    );
    expect((await ocs(s, 'get', `/${link.id}`, 'bob')).status).toBe(404);
    expect((data(await ocs(s, 'get', '?shared_with_me=true', 'bob')) as unknown[]).length).toBe(0);
    const owner = `s:${link.token}`;
    s.store.transact((tx) => {
      tx.put('privateKeys', owner, { owner, blob: 'blob', createdAt: 1 });
    });
    expect((await ocs(s, 'delete', `/${link.id}`, 'bob')).status).toBe(404);
    expect((await ocs(s, 'delete', `/${link.id}`)).status).toBe(200);
    expect(s.store.get('privateKeys', owner)).toBeUndefined();
    expect(s.store.list('shares')).toHaveLength(0);
  });
});
