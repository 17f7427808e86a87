/**
 * WebDAV of the user's file tree (spec/14-webdav-and-shares.md §2–§6): who may reach a tree,
 * PROPFIND bodies, Depth and properties, the methods a server must refuse, MKCOL, GET/HEAD,
 * DELETE and MOVE across the encryption boundary. Every write stays in the test's run folder.
 *
 * @module
 */
import {
  CheckFailure,
  type Actor,
  type CheckContext,
  type Reply,
  type ServerCheck,
} from '../check.js';
import {
  committedFolder,
  dav,
  davPath,
  e2eePath,
  expectEqual,
  expectStatus,
  fakeSignature,
  inRunFolder,
  lock,
  makeEncryptedFolder,
  makeFolder,
  seededBytes,
  seen,
  unlock,
} from './_support.js';
import { entryFor, multistatus, text } from './_multistatus.js';

const NS = 'xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns" xmlns:nc="http://nextcloud.org/ns"';

/** A PROPFIND body asking for `props` (prefixed names: `d:getetag`, `oc:fileid`, …). */
function propBody(props: readonly string[]): string {
  return `<?xml version="1.0"?><d:propfind ${NS}><d:prop>${props.map((p) => `<${p}/>`).join('')}</d:prop></d:propfind>`;
}

/** PROPFIND of `segs` as `actor`. */
function propfindAs(
  ctx: CheckContext,
  actor: Actor,
  segs: readonly string[],
  opts: { depth?: string; body?: string; bare?: boolean } = {},
): Promise<Reply> {
  return ctx.request(actor, 'PROPFIND', davPath(ctx.userId(actor), segs), {
    headers: {
      ...(opts.depth !== undefined ? { depth: opts.depth } : {}),
      ...(opts.body !== undefined ? { 'content-type': 'application/xml; charset=utf-8' } : {}),
    },
    ...(opts.body !== undefined ? { body: opts.body } : {}),
    ...(opts.bare ? { bare: true } : {}),
  });
}

/** PUT `bytes` as file `name` in `actor`'s run folder; returns the path segments. */
async function putFile(
  ctx: CheckContext,
  actor: Actor,
  segs: readonly string[],
  bytes: Uint8Array,
): Promise<void> {
  expectStatus(
    await dav(ctx, actor, 'PUT', segs, { body: bytes }),
    [201, 204],
    `PUT ${segs.at(-1)}`,
  );
}

const CORE = ['server-core'] as const;

const foreignTree: ServerCheck = {
  id: 'webdav/own-tree-only',
  title:
    'WebDAV needs credentials (401 with WWW-Authenticate: Basic) and reaches only the own tree (403)',
  requirements: ['E2EE-API-200'],
  level: 'MUST',
  importance: 'critical',
  profiles: CORE,
  async run(ctx) {
    const own = inRunFolder(ctx, 'alice');
    const anon = await ctx.request(null, 'PROPFIND', davPath(ctx.userId('alice'), own), {
      headers: { depth: '0' },
    });
    expectStatus(anon, 401, 'anonymous PROPFIND');
    if (!/^basic\b/i.test(anon.headers['www-authenticate'] ?? ''))
      throw new CheckFailure('a 401 without WWW-Authenticate: Basic', {
        expected: 'WWW-Authenticate: Basic …',
        actual: anon.headers['www-authenticate'] ?? null,
      });
    // Depth 0 on the other user's root: reads nothing even from a server that breaks the rule.
    const foreign = await ctx.request('alice', 'PROPFIND', davPath(ctx.userId('bob'), []), {
      headers: { depth: '0' },
    });
    expectStatus(foreign, 403, "alice's PROPFIND of bob's tree");
  },
};

const propfindBodies: ServerCheck = {
  id: 'webdav/propfind-bodies',
  title:
    'PROPFIND: an empty body is allprop, unknown properties come back in a 404 propstat, a body that is no propfind is 400',
  requirements: ['E2EE-API-819', 'E2EE-API-820', 'E2EE-API-821'],
  level: 'MUST',
  importance: 'high',
  profiles: CORE,
  async run(ctx) {
    const segs = inRunFolder(ctx, 'alice');
    const empty = await propfindAs(ctx, 'alice', segs, { depth: '0' });
    expectStatus(empty, 207, 'PROPFIND with an empty body');
    const [self] = multistatus(empty, 'PROPFIND with an empty body');
    if (
      self === undefined ||
      text(self, 'getetag') === undefined ||
      self.found['resourcetype'] === undefined
    )
      throw new CheckFailure('an empty PROPFIND body is not answered like allprop', {
        expected: 'd:getetag and d:resourcetype in a 200 propstat',
        actual: seen(empty),
      });
    const absent = await propfindAs(ctx, 'alice', segs, {
      depth: '0',
      body: `<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:x="urn:sealfold:absent"><d:prop><d:getetag/><x:no-such-property/></d:prop></d:propfind>`,
    });
    expectStatus(absent, 207, 'PROPFIND of an unknown property');
    const [entry] = multistatus(absent, 'PROPFIND of an unknown property');
    if (
      !entry?.missing.includes('no-such-property') ||
      !absent.text().includes('urn:sealfold:absent')
    )
      throw new CheckFailure(
        'an unknown property is not answered in a 404 propstat with its namespace',
        {
          expected: '{urn:sealfold:absent}no-such-property in a 404 propstat',
          actual: seen(absent),
        },
      );
    for (const body of [
      '<?xml version="1.0"?><d:propertyupdate xmlns:d="DAV:"/>',
      '<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:allprop/><d:propname/></d:propfind>',
      '<d:propfind xmlns:d="DAV:"><d:prop>',
    ]) {
      const r = await propfindAs(ctx, 'alice', segs, { depth: '0', body });
      expectStatus(r, 400, `PROPFIND with body ${body.slice(21, 60)}`);
    }
  },
};

const depth: ServerCheck = {
  id: 'webdav/propfind-depth',
  title:
    'PROPFIND honours Depth 0 and 1, reads an absent Depth as 1, refuses infinity (403) and other values (400)',
  requirements: ['E2EE-API-212'],
  level: 'MUST',
  importance: 'high',
  profiles: CORE,
  async run(ctx) {
    const segs = inRunFolder(ctx, 'alice');
    await makeFolder(ctx, 'alice', [...segs, 'child']);
    const count = async (d: string | undefined, n: number) => {
      const r = await propfindAs(ctx, 'alice', segs, d === undefined ? {} : { depth: d });
      expectStatus(r, 207, `PROPFIND Depth ${d ?? '(absent)'}`);
      expectEqual(multistatus(r, 'PROPFIND').length, n, `responses to Depth ${d ?? '(absent)'}`);
    };
    await count('0', 1);
    await count('1', 2);
    await count(undefined, 2);
    const inf = await propfindAs(ctx, 'alice', segs, { depth: 'infinity' });
    expectStatus(inf, 403, 'PROPFIND Depth infinity');
    if (!inf.text().includes('propfind-finite-depth'))
      throw new CheckFailure(
        'Depth infinity refused without the propfind-finite-depth precondition',
        {
          expected: '{DAV:}propfind-finite-depth',
          actual: seen(inf),
        },
      );
    expectStatus(await propfindAs(ctx, 'alice', segs, { depth: '2' }), 400, 'PROPFIND Depth 2');
  },
};

const IMF_FIXDATE =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT$/;
const ALL_PROPS = [
  'd:getetag',
  'd:getlastmodified',
  'd:getcontentlength',
  'd:getcontenttype',
  'd:resourcetype',
  'd:displayname',
  'oc:fileid',
  'oc:id',
  'oc:size',
  'oc:permissions',
];

const properties: ServerCheck = {
  id: 'webdav/properties',
  title:
    'PROPFIND gives etag, dates, lengths, types, ids, sizes and display names with the specified values',
  requirements: ['E2EE-API-213', 'E2EE-API-270'],
  level: 'MUST',
  importance: 'high',
  profiles: CORE,
  async run(ctx) {
    const folder = inRunFolder(ctx, 'alice', 'docs');
    await makeFolder(ctx, 'alice', folder);
    const bytes = seededBytes(ctx.seed, 'properties', 1234);
    await putFile(ctx, 'alice', [...folder, 'report.bin'], bytes);
    const read = async () => {
      const r = await propfindAs(ctx, 'alice', folder, { depth: '1', body: propBody(ALL_PROPS) });
      expectStatus(r, 207, 'PROPFIND of the folder');
      const entries = multistatus(r, 'PROPFIND of the folder');
      return {
        dir: entryFor(entries, '/docs', 'PROPFIND'),
        file: entryFor(entries, '/report.bin', 'PROPFIND'),
      };
    };
    const { dir, file } = await read();
    for (const [e, name] of [
      [dir, 'docs'],
      [file, 'report.bin'],
    ] as const) {
      const etag = text(e, 'getetag') ?? '';
      if (!/^".+"$/.test(etag))
        throw new CheckFailure(`${name}: d:getetag is not in double quotes`, {
          expected: '"…"',
          actual: etag,
        });
      const mod = text(e, 'getlastmodified') ?? '';
      if (!IMF_FIXDATE.test(mod))
        throw new CheckFailure(`${name}: d:getlastmodified is not an IMF-fixdate`, {
          expected: 'Sun, 06 Nov 1994 08:49:37 GMT',
          actual: mod,
        });
      expectEqual(text(e, 'displayname'), name, `${name}: d:displayname`);
      const id = text(e, 'fileid') ?? '';
      if (!/^\d+$/.test(id))
        throw new CheckFailure(`${name}: oc:fileid is not decimal`, {
          expected: 'digits',
          actual: id,
        });
      const ocId = text(e, 'id') ?? '';
      if (!ocId.startsWith(id.padStart(8, '0')) || !/^\d{8,}[^\d]/.test(ocId))
        throw new CheckFailure(
          `${name}: oc:id is not the zero-padded file id and the instance id`,
          {
            expected: `${id.padStart(8, '0')}<instance id>`,
            actual: ocId,
          },
        );
      if (text(e, 'permissions') === undefined)
        throw new CheckFailure(`${name}: no oc:permissions`, {
          expected: 'oc:permissions',
          actual: e.found,
        });
    }
    const rt = dir.found['resourcetype'];
    if (typeof rt !== 'object' || rt === null || !('collection' in rt))
      throw new CheckFailure('the folder has no <d:collection/> resource type', {
        expected: 'collection',
        actual: rt,
      });
    expectEqual(text(file, 'resourcetype'), '', 'the file resource type');
    expectEqual(text(file, 'getcontentlength'), String(bytes.length), 'd:getcontentlength');
    expectEqual(text(file, 'size'), String(bytes.length), 'oc:size of the file');
    if (text(file, 'getcontenttype') === undefined)
      throw new CheckFailure('the file has no d:getcontenttype', {
        expected: 'd:getcontenttype',
        actual: file.found,
      });
    if (Number(text(dir, 'size')) < bytes.length)
      throw new CheckFailure('oc:size of the folder is less than the file below it', {
        expected: `>= ${bytes.length}`,
        actual: text(dir, 'size'),
      });
    // The folder's etag changes when something below it changes.
    await putFile(ctx, 'alice', [...folder, 'second.bin'], bytes.subarray(0, 10));
    const after = await read();
    if (text(after.dir, 'getetag') === text(dir, 'getetag'))
      throw new CheckFailure("the folder's etag did not change when a file was added below it", {
        expected: `not ${text(dir, 'getetag')}`,
        actual: text(after.dir, 'getetag'),
      });
  },
};

const E2EE_PROPS = [
  'nc:is-encrypted',
  'nc:e2ee-is-encrypted',
  'nc:e2ee-metadata',
  'nc:e2ee-metadata-signature',
];

const encryptionProperties: ServerCheck = {
  id: 'webdav/encryption-properties',
  title:
    'nc:is-encrypted reflects the flag; nc32 serves e2ee-is-encrypted and the committed metadata byte for byte, nc30 answers them 404',
  requirements: ['E2EE-API-822', 'E2EE-API-823', 'E2EE-API-824'],
  level: 'MUST',
  importance: 'high',
  profiles: CORE,
  async run(ctx) {
    const doc = JSON.stringify({
      metadata: { ciphertext: 'webdav-props', nonce: 'n', authenticationTag: 't' },
      version: '2.0',
    });
    await committedFolder(ctx, 'alice', 'vault', doc);
    await makeFolder(ctx, 'alice', inRunFolder(ctx, 'alice', 'plain'));
    const r = await propfindAs(ctx, 'alice', inRunFolder(ctx, 'alice'), {
      depth: '1',
      body: propBody(E2EE_PROPS),
    });
    expectStatus(r, 207, 'PROPFIND of the run folder');
    const entries = multistatus(r, 'PROPFIND of the run folder');
    const vault = entryFor(entries, '/vault', 'PROPFIND');
    const plain = entryFor(entries, '/plain', 'PROPFIND');
    expectEqual(text(vault, 'is-encrypted'), '1', 'nc:is-encrypted of the encrypted folder');
    expectEqual(text(plain, 'is-encrypted'), '0', 'nc:is-encrypted of the plain folder');
    if (ctx.statusProfile === 'nc30') {
      for (const p of ['e2ee-is-encrypted', 'e2ee-metadata', 'e2ee-metadata-signature'])
        if (!vault.missing.includes(p))
          throw new CheckFailure(`nc30: nc:${p} is not answered 404`, {
            expected: '404 propstat',
            actual: seen(r),
          });
      return;
    }
    expectEqual(
      text(vault, 'e2ee-is-encrypted'),
      '1',
      'nc:e2ee-is-encrypted of the encrypted folder',
    );
    expectEqual(text(plain, 'e2ee-is-encrypted'), '0', 'nc:e2ee-is-encrypted of the plain folder');
    expectEqual(text(vault, 'e2ee-metadata'), doc, 'nc:e2ee-metadata');
    expectEqual(
      text(vault, 'e2ee-metadata-signature'),
      fakeSignature(ctx.seed, 'vault'),
      'nc:e2ee-metadata-signature',
    );
  },
};

const permissions: ServerCheck = {
  id: 'webdav/permissions',
  title:
    "oc:permissions follow the owner's rights, and are empty in encrypted trees for clients that are not E2EE clients",
  requirements: ['E2EE-API-216'],
  level: 'MUST',
  importance: 'high',
  profiles: CORE,
  async run(ctx) {
    const run = inRunFolder(ctx, 'alice');
    await makeFolder(ctx, 'alice', [...run, 'plain']);
    await putFile(ctx, 'alice', [...run, 'note.txt'], seededBytes(ctx.seed, 'note', 16));
    await makeEncryptedFolder(ctx, 'alice', 'vault');
    const body = propBody(['oc:permissions']);
    const own = multistatus(await propfindAs(ctx, 'alice', run, { depth: '1', body }), 'PROPFIND');
    expectEqual(
      text(entryFor(own, '/plain', 'PROPFIND'), 'permissions'),
      'RGDNVCK',
      'an own folder',
    );
    expectEqual(
      text(entryFor(own, '/note.txt', 'PROPFIND'), 'permissions'),
      'RGDNVW',
      'an own file',
    );
    const r = await propfindAs(ctx, 'alice', run, { depth: '1', body, bare: true });
    expectStatus(r, 207, 'PROPFIND of a plain folder by a client that is not an E2EE client');
    const other = multistatus(r, 'PROPFIND');
    expectEqual(
      text(entryFor(other, '/vault', 'PROPFIND'), 'permissions'),
      '',
      'an encrypted folder, for another client',
    );
    expectEqual(
      text(entryFor(other, '/plain', 'PROPFIND'), 'permissions'),
      'RGDNVCK',
      'a plain folder, for another client',
    );
  },
};

const moveAcross: ServerCheck = {
  id: 'webdav/move-across-encryption',
  title:
    'MOVE and COPY between encrypted and plain trees, and COPY of a subtree holding an encrypted folder, are refused with 403',
  requirements: ['E2EE-API-800', 'E2EE-API-801'],
  level: 'MUST',
  importance: 'critical',
  profiles: CORE,
  async run(ctx) {
    const run = inRunFolder(ctx, 'alice');
    const box = [...run, 'box'];
    await makeFolder(ctx, 'alice', box);
    const vault = await makeEncryptedFolder(ctx, 'alice', 'vault');
    const dest = (segs: readonly string[]) => {
      const p = davPath(ctx.userId('alice'), segs);
      return ctx.absoluteUrl ? ctx.absoluteUrl(p) : p;
    };
    const moved = await dav(ctx, 'alice', 'MOVE', vault.segs, {
      headers: { destination: dest([...box, 'vault']) },
    });
    expectStatus(moved, 403, 'MOVE of an encrypted folder into a plain folder');
    // A plain file moved into the encrypted folder under its lock: still refused (E2EE-API-800).
    const note = [...box, 'note.bin'];
    await putFile(ctx, 'alice', note, seededBytes(ctx.seed, 'move', 32));
    const token = await lock(ctx, 'alice', vault.id, 1);
    const into = await dav(ctx, 'alice', 'MOVE', note, {
      token,
      headers: { destination: dest([...vault.segs, 'note.bin']) },
    });
    expectStatus(await unlock(ctx, 'alice', vault.id, token, true), 200, 'unlock (abort)');
    expectStatus(into, 403, 'MOVE of a plain file into a locked encrypted folder');
    // A plain folder holding an encrypted folder: its copy would carry ciphertext without metadata.
    const outer = [...run, 'outer'];
    await makeFolder(ctx, 'alice', outer);
    const innerId = await makeFolder(ctx, 'alice', [...outer, 'inner']);
    expectStatus(
      await ctx.request('alice', 'PUT', e2eePath(`/encrypted/${innerId}`)),
      200,
      'PUT /encrypted',
    );
    const copied = await dav(ctx, 'alice', 'COPY', outer, {
      headers: { destination: dest([...box, 'copy']) },
    });
    expectStatus(copied, 403, 'COPY of a subtree holding an encrypted folder');
    const listing = multistatus(await propfindAs(ctx, 'alice', run, { depth: '1' }), 'PROPFIND');
    entryFor(listing, '/vault', 'the encrypted folder after the refused MOVE');
    const inBox = multistatus(await propfindAs(ctx, 'alice', box, { depth: '1' }), 'PROPFIND');
    expectEqual(
      inBox.map((e) => decodeURIComponent(e.href).replace(/\/$/, '').split('/').at(-1)).join(','),
      'box,note.bin',
      'the plain folder after the refused MOVEs and COPY (itself and note.bin)',
    );
  },
};

const noPropertyWrites: ServerCheck = {
  id: 'webdav/no-property-writes',
  title:
    'PROPPATCH, LOCK and UNLOCK are answered 405 with an Allow header that does not offer them',
  requirements: ['E2EE-API-224'],
  level: 'MUST NOT',
  importance: 'high',
  profiles: CORE,
  async run(ctx) {
    const segs = inRunFolder(ctx, 'alice');
    for (const method of ['PROPPATCH', 'LOCK', 'UNLOCK']) {
      const r = await dav(ctx, 'alice', method, segs, {
        headers: { 'content-type': 'application/xml' },
        body: `<?xml version="1.0"?><d:propertyupdate ${NS}><d:set><d:prop><nc:is-encrypted>1</nc:is-encrypted></d:prop></d:set></d:propertyupdate>`,
      });
      expectStatus(r, 405, method);
      const allow = (r.headers['allow'] ?? '').split(',').map((s) => s.trim().toUpperCase());
      if (allow.length === 0 || allow[0] === '' || allow.includes(method))
        throw new CheckFailure(`${method}: the 405 has no Allow header without ${method}`, {
          expected: 'Allow: …',
          actual: r.headers['allow'] ?? null,
        });
    }
  },
};

const mkcol: ServerCheck = {
  id: 'webdav/mkcol',
  title:
    'MKCOL answers 201 with OC-FileId, 405 for an existing name, 409 without a parent and 415 with a body',
  requirements: ['E2EE-API-230'],
  level: 'MUST',
  importance: 'high',
  profiles: CORE,
  async run(ctx) {
    const segs = inRunFolder(ctx, 'alice', 'made');
    const r = await dav(ctx, 'alice', 'MKCOL', segs);
    expectStatus(r, 201, 'MKCOL');
    if (!/^\d{8,}[^\d]\S*$/.test(r.headers['oc-fileid'] ?? ''))
      throw new CheckFailure('MKCOL answered no OC-FileId of the form <8-digit id><instance id>', {
        expected: '00000123oc…',
        actual: r.headers['oc-fileid'] ?? null,
      });
    expectStatus(await dav(ctx, 'alice', 'MKCOL', segs), 405, 'MKCOL of an existing name');
    expectStatus(
      await dav(ctx, 'alice', 'MKCOL', inRunFolder(ctx, 'alice', 'none', 'child')),
      409,
      'MKCOL without a parent',
    );
    expectStatus(
      await dav(ctx, 'alice', 'MKCOL', inRunFolder(ctx, 'alice', 'with-body'), {
        headers: { 'content-type': 'application/xml' },
        body: '<?xml version="1.0"?><d:mkcol xmlns:d="DAV:"/>',
      }),
      415,
      'MKCOL with a body',
    );
  },
};

const getHead: ServerCheck = {
  id: 'webdav/get-and-head',
  title:
    'GET answers the stored bytes with their headers, HEAD the headers without a body, GET of a folder 405',
  requirements: ['E2EE-API-232'],
  level: 'MUST',
  importance: 'high',
  profiles: CORE,
  async run(ctx) {
    const segs = inRunFolder(ctx, 'alice', 'blob.bin');
    const bytes = seededBytes(ctx.seed, 'get', 3000);
    await putFile(ctx, 'alice', segs, bytes);
    for (const method of ['GET', 'HEAD']) {
      const r = await dav(ctx, 'alice', method, segs);
      expectStatus(r, 200, method);
      expectEqual(
        r.headers['content-type']?.split(';')[0]?.trim(),
        'application/octet-stream',
        `${method} Content-Type`,
      );
      for (const h of ['etag', 'last-modified', 'oc-fileid'])
        if (!r.headers[h])
          throw new CheckFailure(`${method} answered no ${h} header`, {
            expected: h,
            actual: r.headers,
          });
      const body = Buffer.from(r.body);
      if (method === 'GET' ? !body.equals(Buffer.from(bytes)) : body.length !== 0)
        throw new CheckFailure(
          `${method}: the body is not ${method === 'GET' ? 'the stored bytes' : 'empty'}`,
          {
            expected: method === 'GET' ? `${bytes.length} stored bytes` : 'no body',
            actual: `${body.length} bytes`,
          },
        );
    }
    expectStatus(await dav(ctx, 'alice', 'GET', inRunFolder(ctx, 'alice')), 405, 'GET of a folder');
  },
};

const deletion: ServerCheck = {
  id: 'webdav/delete',
  title:
    'DELETE removes a folder with everything below it (204), answers 404 for a missing node and 403 for the root',
  requirements: ['E2EE-API-233'],
  level: 'MUST',
  importance: 'high',
  profiles: CORE,
  async run(ctx) {
    const folder = inRunFolder(ctx, 'alice', 'gone');
    await makeFolder(ctx, 'alice', folder);
    await putFile(ctx, 'alice', [...folder, 'inner.bin'], seededBytes(ctx.seed, 'delete', 8));
    expectStatus(await dav(ctx, 'alice', 'DELETE', folder), 204, 'DELETE of a folder');
    expectStatus(
      await dav(ctx, 'alice', 'GET', [...folder, 'inner.bin']),
      404,
      'GET of a file below the deleted folder',
    );
    expectStatus(await dav(ctx, 'alice', 'DELETE', folder), 404, 'DELETE of a missing node');
    // The root of mallory, the account the suite uses for hostile requests (E2EE-CONF-030).
    expectStatus(await dav(ctx, 'mallory', 'DELETE', []), 403, "DELETE of the user's root");
  },
};

const pathSegments: ServerCheck = {
  id: 'webdav/path-segments',
  title:
    'A path segment that is not valid percent-encoded UTF-8, holds / or \\ or a control character, or is longer than 250 bytes is refused with 400 and changes nothing',
  requirements: ['E2EE-API-817', 'E2EE-API-818'],
  level: 'MUST',
  importance: 'critical',
  profiles: CORE,
  async run(ctx) {
    const run = inRunFolder(ctx, 'alice');
    const base = davPath(ctx.userId('alice'), run);
    // Raw segments, percent-encoded as sent (a URL parser would fold `%2e%2e` into `..` itself).
    const bad = ['%zz', '%E0%A4%A', 'a%2Fb', 'a%5Cb', 'a%01b', 'y'.repeat(251)];
    const label = (seg: string) => (seg.length > 20 ? `${seg.length} × y` : seg);
    for (const seg of bad)
      for (const method of ['GET', 'MKCOL']) {
        const r = await ctx.request('alice', method, `${base}/${seg}`);
        expectStatus(r, 400, `${method} of the segment ${label(seg)}`);
      }
    const after = multistatus(await propfindAs(ctx, 'alice', run, { depth: '1' }), 'PROPFIND');
    expectEqual(
      after.length,
      1,
      'entries of the run folder after the refused MKCOLs (itself only)',
    );
  },
};

const xmlLimits: ServerCheck = {
  id: 'webdav/xml-body-limits',
  title:
    'A PROPFIND body with a document type declaration is refused with 400, one over 64 KiB with 413',
  requirements: ['E2EE-API-211'],
  level: 'MUST',
  importance: 'critical',
  profiles: CORE,
  async run(ctx) {
    const segs = inRunFolder(ctx, 'alice');
    const dtd =
      '<?xml version="1.0"?><!DOCTYPE d:propfind [<!ENTITY e "x">]>' +
      '<d:propfind xmlns:d="DAV:"><d:prop><d:getetag/></d:prop></d:propfind>';
    expectStatus(
      await propfindAs(ctx, 'alice', segs, { depth: '0', body: dtd }),
      400,
      'PROPFIND with a DTD',
    );
    // Well-formed, 65 KiB of whitespace inside the document: only its size is wrong.
    const big = `<?xml version="1.0"?><d:propfind xmlns:d="DAV:">${' '.repeat(65 * 1024)}<d:allprop/></d:propfind>`;
    expectStatus(
      await propfindAs(ctx, 'alice', segs, { depth: '0', body: big }),
      413,
      'PROPFIND with a 65 KiB body',
    );
  },
};

/** The WebDAV checks, in report order. */
export const WEBDAV_CHECKS: readonly ServerCheck[] = [
  foreignTree,
  pathSegments,
  propfindBodies,
  xmlLimits,
  depth,
  properties,
  encryptionProperties,
  permissions,
  noPropertyWrites,
  mkcol,
  getHead,
  deletion,
  moveAcross,
];
