/**
 * The model itself, on the spec's own situations: what it expects must be what the chapters say,
 * before it is used to judge a server.
 */
import { describe, expect, it } from 'vitest';
import { ServerModel } from '../../src/server/model/model.js';
import { listFolder, type ModelNode } from '../../src/server/model/tree.js';
import { hrefPrefix, parseListing } from '../../src/server/model/http.js';

/** A model whose top folder has a committed document (and, after `counter`, a stored counter). */
function withDocument(profile: 'nc30' | 'nc32'): ServerModel {
  const m = new ServerModel(profile);
  const t = m.lockTop('alice', 1, '').token!;
  expect(m.writeMeta('post', 'alice', m.top, t, '{"a":1}', 'sig1').status).toBe(200);
  expect(m.unlockTop('alice', t, false).status).toBe(200);
  return m;
}

const names = (n: ModelNode) => listFolder(n).map((e) => e.name);

describe(
  'counter',
  { meta: { requirements: ['E2EE-LOCK-010', 'E2EE-LOCK-011', 'E2EE-LOCK-012', 'E2EE-LOCK-072'] } },
  () => {
    it('the first commit of a new folder stores no counter; the next one stores the lock counter', () => {
      const m = withDocument('nc32');
      expect(m.storedCounter()).toBe(0);
      const t = m.lockTop('alice', 5, '').token!;
      m.writeMeta('put', 'alice', m.top, t, '{"b":2}', 'sig2');
      m.unlockTop('alice', t, false);
      expect(m.storedCounter()).toBe(5);
    });

    it('a lock released without a metadata write leaves the stored counter', () => {
      const m = withDocument('nc32');
      const t = m.lockTop('alice', 5, '').token!;
      m.writeMeta('put', 'alice', m.top, t, '{"b":2}', 'sig2');
      m.unlockTop('alice', t, false);
      const u = m.lockTop('alice', 9, '').token!;
      m.unlockTop('alice', u, false);
      expect(m.storedCounter()).toBe(5);
    });

    for (const [profile, zero, equal] of [
      ['nc30', 412, 500],
      ['nc32', 400, 412],
    ] as const)
      it(`${profile}: counter 0 → ${zero}, counter not greater → ${equal} (E2EE-LOCK-071)`, () => {
        const m = withDocument(profile);
        const t = m.lockTop('alice', 3, '').token!;
        m.writeMeta('put', 'alice', m.top, t, '{"b":2}', 'sig2');
        m.unlockTop('alice', t, false);
        expect(m.lockTop('alice', 0, '').status).toBe(zero);
        expect(m.lockTop('alice', 3, '').status).toBe(equal);
        expect(m.lockTop('alice', 2, '').status).toBe(equal);
        expect(m.lockTop('alice', 5, '').status).toBe(200); // any greater value (E2EE-LOCK-011)
      });
  },
);

describe(
  'locks',
  {
    meta: {
      requirements: [
        'E2EE-LOCK-001',
        'E2EE-LOCK-002',
        'E2EE-LOCK-003',
        'E2EE-LOCK-021',
        'E2EE-LOCK-022',
      ],
    },
  },
  () => {
    it('a retry with the held token gets it back; another lock is refused per profile', () => {
      for (const [profile, other] of [
        ['nc30', 403],
        ['nc32', 423],
      ] as const) {
        const m = withDocument(profile);
        const t = m.lockTop('alice', 1, '').token!;
        expect(m.lockTop('alice', 1, t)).toEqual({ status: 200, token: t });
        expect(m.lockTop('alice', 7, '').status).toBe(other);
        expect(m.unlockTop('alice', 'T99', false).status).toBe(403);
        expect(m.unlockTop('alice', '', false).status).toBe(profile === 'nc30' ? 412 : 400);
        expect(m.unlockTop('alice', t, false).status).toBe(200);
        // E2EE-LOCK-021: app 1.18.4's pre-check answers 403 where 1.14–1.16 answer 404.
        expect(m.unlockTop('alice', t, false).status).toBe(profile === 'nc30' ? 404 : 403);
      }
    });

    it('a user who does not see the folder is refused with 403 (E2EE-LOCK-001)', () => {
      const m = withDocument('nc32');
      expect(m.lockTop('bob', 1, '').status).toBe(403);
      m.share('bob', null, 31);
      expect(m.lockTop('bob', 1, '').status).toBe(200);
    });
  },
);

describe('staging, commit and abort (E2EE-LOCK-043..055, E2EE-API-806, E2EE-API-807)', () => {
  it('staged saves are hidden and staged deletes listed until the unlock; commit renames deepest first', () => {
    const m = withDocument('nc32');
    const t = m.lockTop('alice', 1, '').token!;
    expect(m.put('alice', ['f1'], t, 'one').status).toBe(201);
    const u = m.lockTop('alice', 1, t).token!;
    expect(u).toBe(t);
    m.unlockTop('alice', t, false);
    const v = m.lockTop('alice', 1, '').token!;
    expect(m.mkcol('alice', ['d1'], v).status).toBe(201);
    expect(m.put('alice', ['d1', 'f2'], v, 'two').status).toBe(409); // d1 is not visible yet
    expect(m.del('alice', ['f1'], v).status).toBe(204);
    expect(names(m.top)).toEqual(['f1']); // deleted, still listed; d1 hidden
    expect(m.del('alice', ['f1'], v).status).toBe(404); // already gone for requests
    expect(m.get('alice', ['f1'])).toEqual({ status: 200, body: 'one' }); // E2EE-LOCK-047
    m.unlockTop('alice', v, false);
    expect(names(m.top)).toEqual(['d1']);
  });

  it('abort deletes staged saves, restores staged deletes and moves a moved node back (E2EE-LOCK-055)', () => {
    const m = withDocument('nc32');
    const t = m.lockTop('alice', 1, '').token!;
    m.put('alice', ['f1'], t, 'one');
    m.unlockTop('alice', t, false);
    const before = listFolder(m.top);
    const v = m.lockTop('alice', 1, '').token!;
    expect(m.move('alice', ['f1'], ['f2'], v).status).toBe(201);
    expect(names(m.top)).toEqual([]);
    expect(m.put('alice', ['f1'], v, 'new').status).toBe(201);
    expect(m.writeMeta('put', 'alice', m.top, v, '{"x":1}', 's').status).toBe(200);
    expect(m.unlockTop('alice', v, true).status).toBe(200);
    expect(listFolder(m.top)).toEqual(before);
    expect(m.readMeta('alice', m.top)).toEqual({ status: 200, doc: '{"a":1}', sig: 'sig1' });
  });

  it('writes need the lock token: none is 403, another one 423 (E2EE-LOCK-040, E2EE-LOCK-041)', () => {
    const m = withDocument('nc32');
    expect(m.put('alice', ['f1'], '', 'x').status).toBe(403);
    const t = m.lockTop('alice', 1, '').token!;
    expect(m.put('alice', ['f1'], 'T99', 'x').status).toBe(423);
    expect(m.put('alice', ['f1'], t, 'x').status).toBe(201);
  });
});

describe(
  'metadata',
  {
    meta: {
      requirements: [
        'E2EE-API-120',
        'E2EE-API-123',
        'E2EE-API-124',
        'E2EE-API-125',
        'E2EE-LOCK-054',
      ],
    },
  },
  () => {
    it('POST twice is 409, PUT of a document created in the same transaction is 404, DELETE commits as removal', () => {
      const m = withDocument('nc32');
      const t = m.lockTop('alice', 1, '').token!;
      m.mkcol('alice', ['d1'], t);
      const d1 = m.folders[1]!;
      expect(m.writeMeta('post', 'alice', d1, t, '{"s":1}', 's').status).toBe(200);
      expect(m.writeMeta('post', 'alice', d1, t, '{"s":1}', 's').status).toBe(409);
      expect(m.writeMeta('put', 'alice', d1, t, '{"s":2}', 's').status).toBe(404);
      expect(m.readMeta('alice', d1).status).toBe(404); // never the intermediate
      m.unlockTop('alice', t, false);
      expect(m.readMeta('alice', d1)).toEqual({ status: 200, doc: '{"s":1}', sig: 's' });
      const u = m.lockTop('alice', 1, '').token!;
      expect(m.writeMeta('delete', 'alice', d1, u, '', '').status).toBe(200);
      expect(m.readMeta('alice', d1).status).toBe(200);
      m.unlockTop('alice', u, false);
      expect(m.readMeta('alice', d1).status).toBe(404);
    });

    it('metadata writes without the lock: POST 403, PUT 403 (nc30) or 412 (nc32) (E2EE-LOCK-030)', () => {
      for (const [profile, put] of [
        ['nc30', 403],
        ['nc32', 412],
      ] as const) {
        const m = withDocument(profile);
        expect(m.writeMeta('post', 'alice', m.top, 'T99', '{}', 's').status).toBe(403);
        expect(m.writeMeta('put', 'alice', m.top, 'T99', '{}', 's').status).toBe(put);
      }
    });
  },
);

describe('filedrop (E2EE-API-140, E2EE-API-141, E2EE-API-144)', () => {
  it('merges into the committed document compactly, keeping member order and the signature; refused while locked', () => {
    const m = new ServerModel('nc32');
    const t = m.lockTop('alice', 1, '').token!;
    m.writeMeta(
      'post',
      'alice',
      m.top,
      t,
      '{ "metadata": {"c":1},\n "filedrop": {"a":{}}, "z": 2 }',
      'S',
    );
    expect(m.filedrop('alice', m.top, { b: { x: 1 } }).status).toBe(412);
    m.unlockTop('alice', t, false);
    expect(m.filedrop('alice', m.top, { b: { x: 1 } }).status).toBe(200);
    expect(m.readMeta('alice', m.top)).toEqual({
      status: 200,
      doc: '{"metadata":{"c":1},"filedrop":{"a":{},"b":{"x":1}},"z":2}',
      sig: 'S',
    });
    expect(m.filedrop('bob', m.top, { c: {} }).status).toBe(403);
  });
});

describe('PROPFIND answers (E2EE-API-213)', () => {
  const xml = `<?xml version="1.0"?>
<d:multistatus xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns">
 <d:response><d:href>/nc/remote.php/dav/files/alice/run/top/</d:href>
  <d:propstat><d:prop><d:resourcetype><d:collection/></d:resourcetype><oc:fileid>7</oc:fileid></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>
 <d:response><d:href>/nc/remote.php/dav/files/alice/run/top/a%20b</d:href>
  <d:propstat><d:prop><d:resourcetype/><d:getcontentlength>12</d:getcontentlength><oc:fileid>9</oc:fileid></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>
 <d:response><d:href>/nc/remote.php/dav/files/alice/run/top/d1/</d:href>
  <d:propstat><d:prop><d:resourcetype><d:collection/></d:resourcetype><oc:fileid>8</oc:fileid></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>
  <d:propstat><d:prop><d:getcontentlength/></d:prop><d:status>HTTP/1.1 404 Not Found</d:status></d:propstat></d:response>
</d:multistatus>`;

  it('lists the children with kind, file id and size, below a sub-path install too', () => {
    expect(parseListing(xml, ['run', 'top'])).toEqual([
      { name: 'a b', folder: false, id: 9, size: 12 },
      { name: 'd1', folder: true, id: 8, size: undefined },
    ]);
    expect(hrefPrefix(xml)).toBe('/nc');
  });
});
