/**
 * WebDAV reads (spec/14-webdav-and-shares.md §3–§5): addressing, PROPFIND, GET/HEAD, OPTIONS, the
 * E2EE gate and the profile differences.
 */
import { describe, expect, it } from 'vitest';
import request from 'supertest';
import { BROWSER_UA, DAV, DESKTOP_UA, PASSWORD, makeDavServer, propfindBody } from './_dav.js';
import { parseMultistatusForTest, type DavResponse } from '../../src/http/dav/_xml.js';

const ALL = [
  'd:getetag',
  'd:getlastmodified',
  'd:getcontentlength',
  'd:getcontenttype',
  'd:resourcetype',
  'oc:fileid',
  'oc:id',
  'oc:size',
  'oc:permissions',
  'nc:is-encrypted',
  'nc:e2ee-is-encrypted',
  'nc:e2ee-metadata',
  'nc:e2ee-metadata-signature',
];

function ms(body: Buffer): DavResponse[] {
  return parseMultistatusForTest(body.toString('utf8'));
}

function prop(r: DavResponse, local: string): unknown {
  return r.found.find(([k]) => k.endsWith(`}${local}`))?.[1];
}

function missing(r: DavResponse, local: string): boolean {
  return r.missing.some((k) => k.endsWith(`}${local}`));
}

describe('addressing', () => {
  it('E2EE-API-200: no credentials → 401 with WWW-Authenticate; wrong password → 401; another user tree → 403', async () => {
    const s = makeDavServer('nc32');
    const agent = request(s.app) as unknown as Record<string, (p: string) => request.Test>;
    const anon = await agent['propfind']!(`${DAV}/alice/`).set('User-Agent', DESKTOP_UA);
    expect(anon.status).toBe(401);
    expect(anon.headers['www-authenticate']).toMatch(/^Basic/);
    const wrong = await agent['propfind']!(`${DAV}/alice/`).auth('alice', 'nope');
    expect(wrong.status).toBe(401);
    const other = await s.dav('propfind', `${DAV}/bob/`, 'alice');
    expect(other.status).toBe(403);
    expect(other.headers['x-sealfold-e2ee-code']).toBe('FORBIDDEN');
    expect((await s.dav('get', `${DAV}/bob/x`, 'alice')).status).toBe(403);
  });

  it('E2EE-API-817: E2EE-API-818: bad percent-encoding, dot segments, encoded slashes and controls are 400', async () => {
    const s = makeDavServer('nc32');
    s.mkdir(s.root('alice'), 'a');
    for (const p of [
      '%E0%A4%A',
      'a/%2e%2e/x',
      'a/../x',
      'a/./x',
      'a%2Fb',
      'a/%00',
      'a/%5C',
      `${'x'.repeat(251)}`,
    ]) {
      const r = await s.dav('propfind', `${DAV}/alice/${p}`).set('Depth', '0');
      expect(r.status, p).toBe(400);
      expect(r.headers['x-sealfold-e2ee-code']).toBe('INPUT_MALFORMED');
    }
    // Encoded names that are valid resolve normally.
    s.putFile(s.root('alice'), 'ä b#?.txt', 'v');
    const ok = await s.dav('get', `${DAV}/alice/${encodeURIComponent('ä b#?.txt')}`);
    expect(ok.status).toBe(200);
    expect(ok.body.toString()).toBe('v');
  });

  it("E2EE-API-202: other users' nodes are 404; received shares appear at the recipient's root", async () => {
    const s = makeDavServer('nc32');
    const f = s.mkdir(s.root('alice'), 'Team');
    s.putFile(f, 'plan.txt', 'p');
    expect((await s.dav('get', 'Team/plan.txt', 'bob')).status).toBe(404);
    const share = await request(s.app)
      .post('/ocs/v2.php/apps/files_sharing/api/v1/shares?format=json')
      .auth('alice', PASSWORD)
      .set('OCS-APIRequest', 'true')
      .send({ path: '/Team', shareType: 0, shareWith: 'bob' });
    expect(share.status).toBe(200);
    const listing = ms((await s.dav('propfind', '', 'bob').set('Depth', '1')).body);
    expect(listing.map((r) => r.href)).toEqual([`${DAV}/bob/`, `${DAV}/bob/Team/`]);
    expect((await s.dav('get', 'Team/plan.txt', 'bob')).body.toString()).toBe('p');
    expect((await s.dav('get', 'Team/plan.txt', 'eve')).status).toBe(404);
    // A second share of a folder with the same name gets "Team (2)".
    const g = s.mkdir(s.root('eve'), 'Team');
    s.putFile(g, 'e.txt', 'e');
    await request(s.app)
      .post('/ocs/v2.php/apps/files_sharing/api/v1/shares?format=json')
      .auth('eve', PASSWORD)
      .set('OCS-APIRequest', 'true')
      .send({ path: '/Team', shareType: 0, shareWith: 'bob' });
    expect((await s.dav('get', 'Team%20(2)/e.txt', 'bob')).body.toString()).toBe('e');
  });
});

describe('PROPFIND', () => {
  it('E2EE-API-819: E2EE-API-820: E2EE-API-821: empty body = allprop; prop returns known (200) and unknown (404, own namespace) properties', async () => {
    const s = makeDavServer('nc32');
    s.putFile(s.root('alice'), 'f.txt', 'abc');
    const all = ms((await s.dav('propfind', 'f.txt').set('Depth', '0')).body);
    expect(all).toHaveLength(1);
    expect(prop(all[0]!, 'getcontentlength')).toBe('3');
    expect(all[0]!.missing).toEqual([]);
    const body = `<?xml version="1.0"?><propfind xmlns="DAV:" xmlns:z="urn:zeta"><prop><getetag/><z:color/><quota-used-bytes/></prop></propfind>`;
    const r = await s.dav('propfind', 'f.txt').set('Depth', '0').send(body);
    expect(r.status).toBe(207);
    const [one] = ms(r.body);
    expect(prop(one!, 'getetag')).toMatch(/^"[0-9a-f]+"$/);
    expect(one!.missing).toEqual(['{urn:zeta}color', '{DAV:}quota-used-bytes']);
    const names = ms(
      (
        await s
          .dav('propfind', 'f.txt')
          .set('Depth', '0')
          .send('<d:propfind xmlns:d="DAV:"><d:propname/></d:propfind>')
      ).body,
    )[0]!;
    expect(names.found.map(([k]) => k)).toContain('{http://owncloud.org/ns}fileid');
    expect(names.found.every(([, v]) => v === '')).toBe(true);
    for (const bad of [
      '<d:propfind xmlns:d="DAV:"></d:propfind>',
      '<d:propfind xmlns:d="DAV:"><d:prop/><d:allprop/></d:propfind>',
      '<d:propfind xmlns:d="DAV:"><d:prop></d:prop></d:propfind>',
      '<x:propfind xmlns:x="urn:x"><x:prop><x:a/></x:prop></x:propfind>',
      '<d:propfind xmlns:d="DAV:"><d:prop><d:getetag></d:propfind>',
      '<d:propfind><d:prop/></d:propfind>',
      'not xml',
      '<a/><b/>',
    ]) {
      const res = await s.dav('propfind', 'f.txt').set('Depth', '0').send(bad);
      expect(res.status, bad).toBe(400);
    }
  });

  it('E2EE-API-211: DOCTYPE bodies are 400 and bodies above 64 KiB are 413', async () => {
    const s = makeDavServer('nc32');
    const bomb = `<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><d:propfind xmlns:d="DAV:"><d:prop><d:getetag/></d:prop></d:propfind>`;
    expect((await s.dav('propfind', '').send(bomb)).status).toBe(400);
    const big = propfindBody(['d:getetag']).replace(
      '<d:prop>',
      `<d:prop>${'<d:x/>'.repeat(12000)}`,
    );
    expect(
      (await s.dav('propfind', '').set('Content-Type', 'application/xml').send(big)).status,
    ).toBe(413);
  });

  it('E2EE-API-212: Depth 0/1/absent are served, infinity is 403 (finite depth), garbage is 400', async () => {
    const s = makeDavServer('nc32');
    const d = s.mkdir(s.root('alice'), 'd');
    s.putFile(d, 'a', '1');
    expect(ms((await s.dav('propfind', 'd').set('Depth', '0')).body)).toHaveLength(1);
    expect(ms((await s.dav('propfind', 'd').set('Depth', '1')).body)).toHaveLength(2);
    expect(ms((await s.dav('propfind', 'd')).body)).toHaveLength(2);
    const inf = await s.dav('propfind', 'd').set('Depth', 'infinity');
    expect(inf.status).toBe(403);
    expect(inf.body.toString()).toContain('propfind-finite-depth');
    for (const v of ['2', '-1', 'one', '0,1'])
      expect((await s.dav('propfind', 'd').set('Depth', v)).status).toBe(400);
  });

  it('E2EE-API-213: property values (etag changes, fileid, oc:id, sizes, resourcetype, dates)', async () => {
    const s = makeDavServer('nc32');
    const d = s.mkdir(s.root('alice'), 'd');
    const f = s.putFile(d, 'a.bin', '12345');
    const before = ms(
      (await s.dav('propfind', 'd').set('Depth', '1').send(propfindBody(ALL))).body,
    );
    const folder = before.find((r) => r.href.endsWith('/d/'))!;
    const file = before.find((r) => r.href.endsWith('/a.bin'))!;
    expect(prop(file, 'fileid')).toBe(String(f));
    expect(prop(file, 'id')).toBe(`${String(f).padStart(8, '0')}ocsealfold01`);
    expect(prop(file, 'getcontentlength')).toBe('5');
    expect(prop(file, 'getcontenttype')).toBe('application/octet-stream');
    expect(prop(file, 'resourcetype')).toBe('');
    expect(prop(folder, 'resourcetype')).toEqual({ elements: ['{DAV:}collection'] });
    expect(prop(folder, 'size')).toBe('5');
    expect(missing(folder, 'getcontentlength')).toBe(true);
    expect(new Date(String(prop(file, 'getlastmodified'))).getTime()).toBe(1_700_000_000_000);
    expect(await s.dav('put', 'd/a.bin').send('123456')).toMatchObject({ status: 204 });
    const after = ms((await s.dav('propfind', 'd').set('Depth', '1').send(propfindBody(ALL))).body);
    expect(
      prop(
        after.find((r) => r.href.endsWith('/a.bin'))!,
        'getetag',
      ),
    ).not.toBe(prop(file, 'getetag'));
    expect(
      prop(
        after.find((r) => r.href.endsWith('/d/'))!,
        'getetag',
      ),
    ).not.toBe(prop(folder, 'getetag'));
  });

  it.each(['nc30', 'nc32'] as const)(
    'E2EE-API-822: E2EE-API-823: E2EE-API-824: is-encrypted for folders; e2ee-* properties only in nc32 (%s)',
    async (profile) => {
      const s = makeDavServer(profile);
      const enc = s.encryptedFolder('alice', 'Enc', '{"doc":1}');
      s.mkdir(s.root('alice'), 'Plain');
      const token = s.lock(enc);
      await s.dav('put', 'Enc/blob').set('e2e-token', token).send('c');
      s.unlock(enc, token);
      const rs = ms((await s.dav('propfind', '').set('Depth', '1').send(propfindBody(ALL))).body);
      const e = rs.find((r) => r.href.endsWith('/Enc/'))!;
      const p = rs.find((r) => r.href.endsWith('/Plain/'))!;
      expect(prop(e, 'is-encrypted')).toBe('1');
      expect(prop(p, 'is-encrypted')).toBe('0');
      const inner = ms(
        (await s.dav('propfind', 'Enc').set('Depth', '1').send(propfindBody(ALL))).body,
      );
      const blob = inner.find((r) => r.href.endsWith('/blob'))!;
      expect(missing(blob, 'is-encrypted')).toBe(true);
      if (profile === 'nc32') {
        expect(prop(e, 'e2ee-is-encrypted')).toBe('1');
        expect(prop(p, 'e2ee-is-encrypted')).toBe('0');
        expect(prop(blob, 'e2ee-is-encrypted')).toBe('1');
        expect(prop(e, 'e2ee-metadata')).toBe('{"doc":1}');
        expect(prop(e, 'e2ee-metadata-signature')).toBe('c2lnbmF0dXJl');
        expect(missing(p, 'e2ee-metadata')).toBe(true);
      } else {
        for (const k of ['e2ee-is-encrypted', 'e2ee-metadata', 'e2ee-metadata-signature']) {
          expect(missing(e, k), k).toBe(true);
        }
      }
    },
  );

  it('E2EE-API-806: E2EE-API-807: E2EE-API-808: staged saves are hidden, staged deletes listed and readable under their names until commit', async () => {
    const s = makeDavServer('nc32');
    const enc = s.encryptedFolder('alice', 'Enc');
    let t = s.lock(enc);
    await s.dav('put', 'Enc/old').set('e2e-token', t).send('old');
    s.unlock(enc, t);
    t = s.lock(enc);
    expect((await s.dav('put', 'Enc/new').set('e2e-token', t).send('new')).status).toBe(201);
    expect((await s.dav('delete', 'Enc/old').set('e2e-token', t)).status).toBe(204);
    expect(s.dump(enc)).toEqual(['/new.e2e-to-save', '/old.e2e-to-delete']);
    const names = ms((await s.dav('propfind', 'Enc').set('Depth', '1')).body).map((r) => r.href);
    expect(names).toEqual([`${DAV}/alice/Enc/`, `${DAV}/alice/Enc/old`]);
    expect((await s.dav('get', 'Enc/old')).body.toString()).toBe('old');
    expect((await s.dav('get', 'Enc/new')).status).toBe(404);
    expect((await s.dav('get', 'Enc/new.e2e-to-save')).status).toBe(404);
    expect((await s.dav('propfind', 'Enc/old.e2e-to-delete').set('Depth', '0')).status).toBe(404);
    expect((await s.dav('put', 'Enc/x.e2e-to-save').set('e2e-token', t).send('x')).status).toBe(
      403,
    );
    s.unlock(enc, t);
    const after = ms((await s.dav('propfind', 'Enc').set('Depth', '1')).body).map((r) => r.href);
    expect(after).toEqual([`${DAV}/alice/Enc/`, `${DAV}/alice/Enc/new`]);
  });

  it('E2EE-API-216: oc:permissions for owners, recipients, read-only shares and non-E2EE clients', async () => {
    const s = makeDavServer('nc32');
    const f = s.mkdir(s.root('alice'), 'Team');
    s.putFile(f, 'a', '1');
    const enc = s.encryptedFolder('alice', 'Enc');
    void enc;
    const share = (path: string, permissions: number) =>
      request(s.app)
        .post('/ocs/v2.php/apps/files_sharing/api/v1/shares?format=json')
        .auth('alice', PASSWORD)
        .set('OCS-APIRequest', 'true')
        .send({ path, shareType: 0, shareWith: 'bob', permissions });
    await share('/Team', 1);
    const own = ms(
      (
        await s
          .dav('propfind', '')
          .set('Depth', '1')
          .send(propfindBody(['oc:permissions']))
      ).body,
    );
    expect(
      prop(
        own.find((r) => r.href.endsWith('/Team/'))!,
        'permissions',
      ),
    ).toBe('RGDNVCK');
    const file = ms(
      (
        await s
          .dav('propfind', 'Team/a')
          .set('Depth', '0')
          .send(propfindBody(['oc:permissions']))
      ).body,
    );
    expect(prop(file[0]!, 'permissions')).toBe('RGDNVW');
    const bobs = ms(
      (
        await s
          .dav('propfind', 'Team', 'bob')
          .set('Depth', '1')
          .send(propfindBody(['oc:permissions']))
      ).body,
    );
    expect(prop(bobs[0]!, 'permissions')).toBe('SMG');
    expect(prop(bobs[1]!, 'permissions')).toBe('SMG');
    const browser = ms(
      (
        await s
          .dav('propfind', '', 'alice', BROWSER_UA)
          .set('Depth', '1')
          .send(propfindBody(['oc:permissions']))
      ).body,
    );
    expect(
      prop(
        browser.find((r) => r.href.endsWith('/Enc/'))!,
        'permissions',
      ),
    ).toBe('');
    expect(
      prop(
        browser.find((r) => r.href.endsWith('/Team/'))!,
        'permissions',
      ),
    ).toBe('RGDNVCK');
  });
});

describe('GET, HEAD, OPTIONS', () => {
  it('E2EE-API-232: GET returns the exact bytes with headers; HEAD has no body; folders are 405; missing 404', async () => {
    const s = makeDavServer('nc32');
    const bytes = Buffer.from([0, 255, 1, 254, 10, 13]);
    const put = await s.dav('put', 'raw.bin').set('Content-Type', 'text/plain').send(bytes);
    expect(put.status).toBe(201);
    const get = await s.dav('get', 'raw.bin');
    expect(get.status).toBe(200);
    expect(Buffer.compare(get.body, bytes)).toBe(0);
    expect(get.headers['content-type']).toBe('application/octet-stream');
    expect(get.headers['etag']).toBe(put.headers['etag']);
    expect(get.headers['oc-fileid']).toBe(put.headers['oc-fileid']);
    expect(get.headers['last-modified']).toBe(new Date(1_700_000_000_000).toUTCString());
    const head = await s.dav('head', 'raw.bin');
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe('6');
    expect(Buffer.isBuffer(head.body) ? head.body.length : 0).toBe(0);
    s.mkdir(s.root('alice'), 'dir');
    expect((await s.dav('get', 'dir')).status).toBe(405);
    expect((await s.dav('get', 'nope')).status).toBe(404);
    expect((await s.dav('get', 'raw.bin/x')).status).toBe(404);
  });

  it('E2EE-API-224: OPTIONS lists the methods; PROPPATCH, LOCK and unknown methods are 405 with Allow', async () => {
    const s = makeDavServer('nc32');
    const o = await s.dav('options', '');
    expect(o.status).toBe(200);
    expect(o.headers['allow']).toContain('PROPFIND');
    for (const m of ['proppatch', 'lock'] as const) {
      const r = await s.dav(m, '');
      expect(r.status).toBe(405);
      expect(r.headers['allow']).toContain('MKCOL');
    }
  });
});

describe('E2EE gate', () => {
  it.each(['nc30', 'nc32'] as const)(
    'E2EE-API-220: non-E2EE clients get 403 on PROPFIND and every write in encrypted trees, and GET/HEAD the ciphertext (%s)',
    async (profile) => {
      const s = makeDavServer(profile);
      const enc = s.encryptedFolder('alice', 'Enc');
      const t = s.lock(enc);
      await s.dav('put', 'Enc/f').set('e2e-token', t).send('c');
      s.unlock(enc, t);
      const before = s.store.fingerprint();
      const t2 = s.lock(enc);
      const fp = s.store.fingerprint();
      const ua = BROWSER_UA;
      expect((await s.dav('propfind', 'Enc', 'alice', ua).set('Depth', '0')).status).toBe(403);
      expect((await s.dav('propfind', 'Enc/f', 'alice', ua).set('Depth', '0')).status).toBe(403);
      // The real app does not gate downloads; Nextcloud's web client sends no E2EE header on GET.
      const get = await s.dav('get', 'Enc/f', 'alice', ua);
      expect(get.status).toBe(200);
      expect(Buffer.from(get.body as Buffer).toString()).toBe('c');
      expect((await s.dav('head', 'Enc/f', 'alice', ua)).status).toBe(200);
      expect((await s.dav('put', 'Enc/g', 'alice', ua).set('e2e-token', t2).send('x')).status).toBe(
        403,
      );
      expect((await s.dav('mkcol', 'Enc/h', 'alice', ua).set('e2e-token', t2)).status).toBe(403);
      expect((await s.dav('delete', 'Enc/f', 'alice', ua).set('e2e-token', t2)).status).toBe(403);
      expect((await s.dav('delete', 'Enc', 'alice', ua).set('e2e-token', t2)).status).toBe(403);
      expect(
        (
          await s
            .dav('move', 'Enc/f', 'alice', ua)
            .set('Destination', `${DAV}/alice/Enc/g`)
            .set('e2e-token', t2)
        ).status,
      ).toBe(403);
      expect(s.store.fingerprint()).toBe(fp);
      expect(before).not.toBe(fp);
      // The parent listing still works and shows the folder without permissions.
      const list = await s.dav('propfind', '', 'alice', ua).set('Depth', '1');
      expect(list.status).toBe(207);
    },
  );

  it.each([
    ['nc30', 403],
    ['nc32', 207],
  ] as const)(
    'E2EE-API-221: X-E2EE-Supported: true admits a generic client only in nc32 (%s → %i)',
    async (profile, status) => {
      const s = makeDavServer(profile);
      s.encryptedFolder('alice', 'Enc');
      const r = await s
        .dav('propfind', 'Enc', 'alice', 'sealfold-test/1.0')
        .set('X-E2EE-Supported', 'true')
        .set('Depth', '0');
      expect(r.status).toBe(status);
      // A known client below its minimum version is refused even with the header.
      const old = await s
        .dav('propfind', 'Enc', 'alice', 'Mozilla/5.0 (Linux) mirall/2.9.0')
        .set('X-E2EE-Supported', 'true')
        .set('Depth', '0');
      expect(old.status).toBe(403);
    },
  );
});
