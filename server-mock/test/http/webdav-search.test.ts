/**
 * What Nextcloud's web client needs beyond PROPFIND basics: `d:displayname` and WebDAV SEARCH
 * (the end_to_end_encryption web client's `searchFolders` request, sent without the E2EE header).
 */
import { describe, expect, it } from 'vitest';
import request from 'supertest';
import { BROWSER_UA, DAV, DESKTOP_UA, PASSWORD, makeDavServer, propfindBody } from './_dav.js';
import { parseMultistatusForTest, type DavResponse } from '../../src/http/dav/_xml.js';

type App = ReturnType<typeof makeDavServer>['app'];

function ms(body: string): DavResponse[] {
  return parseMultistatusForTest(body);
}

function prop(r: DavResponse, local: string): unknown {
  return r.found.find(([k]) => k.endsWith(`}${local}`))?.[1];
}

/** The body `searchFolders` of the end_to_end_encryption web client sends (src/services/api.ts). */
function webClientSearch(scope: string): string {
  return `<?xml version="1.0"?>
<d:searchrequest xmlns:d="DAV:" xmlns:nc="http://nextcloud.org/ns" xmlns:oc="http://owncloud.org/ns">
  <d:basicsearch>
    <d:select><d:prop>
      <d:resourcetype /><d:displayname /><nc:e2ee-is-encrypted /><nc:e2ee-metadata />
      <nc:e2ee-metadata-signature /><oc:fileid />
    </d:prop></d:select>
    <d:from><d:scope><d:href>${scope}</d:href><d:depth>infinity</d:depth></d:scope></d:from>
    <d:where><d:is-collection/></d:where>
    <d:orderby/>
  </d:basicsearch>
</d:searchrequest>`;
}

function search(app: App, body: string, uid = 'alice', ua = BROWSER_UA) {
  const agent = request(app) as unknown as Record<string, (p: string) => request.Test>;
  return agent['search']!('/remote.php/dav/')
    .auth(uid, PASSWORD)
    .set('User-Agent', ua)
    .set('Content-Type', 'text/xml')
    .buffer(true)
    .parse((res, cb) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString('utf8')));
      res.on('end', () => cb(null, text));
    })
    .send(body);
}

function basic(where: string, select = '<d:displayname/>', scope = '/files/alice', extra = '') {
  return `<d:searchrequest xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns"><d:basicsearch>
<d:select><d:prop>${select}</d:prop></d:select>
<d:from><d:scope><d:href>${scope}</d:href><d:depth>infinity</d:depth></d:scope></d:from>
<d:where>${where}</d:where>${extra}</d:basicsearch></d:searchrequest>`;
}

describe('d:displayname', () => {
  it('E2EE-API-270: PROPFIND returns d:displayname: the name the user sees (also mount names), the uid for the root', async () => {
    const s = makeDavServer('nc32');
    const team = s.mkdir(s.root('alice'), 'Team');
    s.putFile(team, 'plan.txt', 'p');
    const own = ms(
      (
        await s
          .dav('propfind', 'Team')
          .set('Depth', '1')
          .send(propfindBody(['d:displayname']))
      ).body.toString('utf8'),
    );
    expect(own.map((r) => prop(r, 'displayname'))).toEqual(['Team', 'plan.txt']);
    const root = ms(
      (
        await s
          .dav('propfind', '')
          .set('Depth', '0')
          .send(propfindBody(['d:displayname']))
      ).body.toString('utf8'),
    );
    expect(prop(root[0]!, 'displayname')).toBe('alice');
    // allprop includes it.
    const all = ms(
      (await s.dav('propfind', 'Team/plan.txt').set('Depth', '0')).body.toString('utf8'),
    );
    expect(prop(all[0]!, 'displayname')).toBe('plan.txt');
    s.mkdir(s.root('bob'), 'Team');
    const shared = await request(s.app)
      .post('/ocs/v2.php/apps/files_sharing/api/v1/shares?format=json')
      .auth('alice', PASSWORD)
      .set('OCS-APIRequest', 'true')
      .send({ path: '/Team', shareType: 0, shareWith: 'bob' });
    expect(shared.status).toBe(200);
    const bob = ms(
      (
        await s
          .dav('propfind', '', 'bob')
          .set('Depth', '1')
          .send(propfindBody(['d:displayname']))
      ).body.toString('utf8'),
    );
    expect(bob.map((r) => prop(r, 'displayname')).sort()).toEqual(['Team', 'Team (2)', 'bob']);
  });
});

describe('SEARCH', () => {
  it("E2EE-API-271 E2EE-API-273: the web client's folder search finds every folder below the scope, metadata included, without the E2EE header", async () => {
    const s = makeDavServer('nc32');
    const doc = '{"metadata":{"version":"2.0"},"marker":"vault"}';
    const vault = s.encryptedFolder('alice', 'vault', doc);
    const plain = s.mkdir(s.root('alice'), 'plain');
    s.mkdir(plain, 'inner');
    s.putFile(plain, 'note.txt', 'n');
    const r = await search(s.app, webClientSearch('/files/alice/'));
    expect(r.status).toBe(207);
    const rs = ms(r.body as string);
    expect(rs.map((x) => x.href)).toEqual([
      `${DAV}/alice/plain/`,
      `${DAV}/alice/plain/inner/`,
      `${DAV}/alice/vault/`,
    ]);
    const v = rs[2]!;
    expect(prop(v, 'displayname')).toBe('vault');
    expect(prop(v, 'fileid')).toBe(String(vault));
    expect(prop(v, 'e2ee-is-encrypted')).toBe('1');
    expect(prop(v, 'e2ee-metadata')).toBe(doc);
    expect(prop(v, 'e2ee-metadata-signature')).toBe('c2lnbmF0dXJl');
    // Plain folders have no metadata: a 404 propstat, as on Nextcloud.
    expect(rs[0]!.missing).toContain('{http://nextcloud.org/ns}e2ee-metadata');
    expect(prop(rs[0]!, 'e2ee-is-encrypted')).toBe('0');
  });

  it('E2EE-API-271: staged names stay hidden; d:where with like, eq, not, and, or; depth 1; nresults', async () => {
    const s = makeDavServer('nc32');
    const vault = s.encryptedFolder('alice', 'vault');
    const token = s.lock(vault);
    await s.dav('mkcol', `vault/staged?e2e-token=${token}`, 'alice', DESKTOP_UA).expect(201);
    const docs = s.mkdir(s.root('alice'), 'Docs');
    s.putFile(docs, 'Report.PDF', 'r');
    s.putFile(docs, 'report.txt', 't');
    s.putFile(s.root('alice'), 'top.txt', 'x');
    const names = async (where: string, extra = '', depth = 'infinity', scope = '/files/alice') => {
      const body = basic(where, '<d:displayname/>', scope, extra).replace(
        '<d:depth>infinity</d:depth>',
        `<d:depth>${depth}</d:depth>`,
      );
      const r = await search(s.app, body);
      expect(r.status, where).toBe(207);
      return ms(r.body as string).map((x) => prop(x, 'displayname'));
    };
    expect(await names('<d:is-collection/>')).toEqual(['Docs', 'vault']);
    expect(
      await names(
        '<d:like><d:prop><d:displayname/></d:prop><d:literal>report%</d:literal></d:like>',
      ),
    ).toEqual(['Report.PDF', 'report.txt']);
    expect(
      await names(
        '<d:eq><d:prop><d:displayname/></d:prop><d:literal>report.txt</d:literal></d:eq>',
      ),
    ).toEqual(['report.txt']);
    expect(
      await names(
        '<d:and><d:not><d:is-collection/></d:not><d:like><d:prop><d:displayname/></d:prop><d:literal>%.t_t</d:literal></d:like></d:and>',
      ),
    ).toEqual(['report.txt', 'top.txt']);
    expect(
      await names(
        '<d:or><d:eq><d:prop><d:displayname/></d:prop><d:literal>top.txt</d:literal></d:eq><d:eq><d:prop><d:displayname/></d:prop><d:literal>vault</d:literal></d:eq></d:or>',
      ),
    ).toEqual(['top.txt', 'vault']);
    expect(await names('<d:not><d:is-collection/></d:not>', '', '1')).toEqual(['top.txt']);
    expect(
      await names(
        '<d:not><d:is-collection/></d:not>',
        '<d:limit><d:nresults>2</d:nresults></d:limit>',
      ),
    ).toEqual(['Report.PDF', 'report.txt']);
    // The regex metacharacters of a literal are literal.
    expect(
      await names(
        '<d:like><d:prop><d:displayname/></d:prop><d:literal>report.(pdf|txt)</d:literal></d:like>',
      ),
    ).toEqual([]);
    expect(
      await names('<d:is-collection/>', '', 'infinity', '/remote.php/dav/files/alice/Docs'),
    ).toEqual([]);
  });

  it('E2EE-API-272: refusals: no credentials 401, another user 403, unknown scope 404, unsupported query 400', async () => {
    const s = makeDavServer('nc32');
    const agent = request(s.app) as unknown as Record<string, (p: string) => request.Test>;
    expect(
      (await agent['search']!('/remote.php/dav/').send(basic('<d:is-collection/>'))).status,
    ).toBe(401);
    expect((await search(s.app, basic('<d:is-collection/>', undefined, '/files/bob'))).status).toBe(
      403,
    );
    expect(
      (await search(s.app, basic('<d:is-collection/>', undefined, '/files/alice/nope'))).status,
    ).toBe(404);
    for (const bad of [
      basic('<d:gt><d:prop><d:getcontentlength/></d:prop><d:literal>1</d:literal></d:gt>'),
      basic('<d:not/>'),
      basic('<d:is-collection/>', ''),
      basic('<d:is-collection/>', undefined, '/calendars/alice'),
      basic(
        '<d:is-collection/>',
        undefined,
        '/files/alice',
        '<d:limit><d:nresults>0</d:nresults></d:limit>',
      ),
      basic('<d:is-collection/>').replace('infinity', '0'),
      '<d:propfind xmlns:d="DAV:"><d:allprop/></d:propfind>',
      '<!DOCTYPE x [<!ENTITY a "b">]><x/>',
      'not xml',
    ]) {
      const r = await search(s.app, bad);
      expect(r.status, bad).toBe(400);
      expect(r.headers['x-sealfold-e2ee-code']).toBe('INPUT_MALFORMED');
    }
  });
});
