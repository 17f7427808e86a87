/**
 * WebDAV SEARCH (RFC 5323 basic search on `/remote.php/dav/`, spec/14-webdav-and-shares.md §8):
 * what it finds, what it refuses, and that it serves encrypted folders' metadata to every client,
 * as Nextcloud's web client needs. Every write stays in the test's run folder.
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
  expectEqual,
  expectStatus,
  fakeSignature,
  inRunFolder,
  makeFolder,
  seededBytes,
  seen,
} from './_support.js';
import { entryFor, multistatus, text } from './_multistatus.js';

const NS = 'xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns" xmlns:nc="http://nextcloud.org/ns"';

/** The scope href of `segs` in `uid`'s files (`/files/<uid>/…`). */
function scopeOf(uid: string, segs: readonly string[]): string {
  return `/files/${[uid, ...segs].map(encodeURIComponent).join('/')}`;
}

/** A basic-search body: `select` and `where` are XML fragments. */
function searchBody(scope: string, select: string, where: string, depth = 'infinity'): string {
  return (
    `<?xml version="1.0"?><d:searchrequest ${NS}><d:basicsearch>` +
    `<d:select><d:prop>${select}</d:prop></d:select>` +
    `<d:from><d:scope><d:href>${scope}</d:href><d:depth>${depth}</d:depth></d:scope></d:from>` +
    (where === '' ? '' : `<d:where>${where}</d:where>`) +
    `</d:basicsearch></d:searchrequest>`
  );
}

/** SEARCH on the DAV root as `actor` (null: anonymous). */
function search(
  ctx: CheckContext,
  actor: Actor | null,
  body: string,
  opts: { bare?: boolean } = {},
): Promise<Reply> {
  return ctx.request(actor, 'SEARCH', '/remote.php/dav/', {
    headers: { 'content-type': 'text/xml; charset=utf-8' },
    body,
    ...(opts.bare ? { bare: true } : {}),
  });
}

/** The last path segment of each response's href, sorted. */
function names(reply: Reply, what: string): string[] {
  return multistatus(reply, what)
    .map((e) => decodeURIComponent(e.href).replace(/\/$/, '').split('/').at(-1) ?? '')
    .sort();
}

const CORE = ['server-core'] as const;

const finds: ServerCheck = {
  id: 'webdav/search-finds',
  title:
    'SEARCH answers the nodes below the scope that satisfy d:where (like, is-collection, not), at most d:nresults of them',
  requirements: ['E2EE-API-271'],
  level: 'MUST',
  importance: 'high',
  profiles: CORE,
  async run(ctx) {
    const uid = ctx.userId('alice');
    const run = inRunFolder(ctx, 'alice');
    await makeFolder(ctx, 'alice', [...run, 'Docs']);
    for (const name of ['Docs/Report.TXT', 'Docs/photo.jpg', 'top.txt']) {
      const r = await dav(ctx, 'alice', 'PUT', [...run, ...name.split('/')], {
        body: seededBytes(ctx.seed, name, 8),
      });
      expectStatus(r, [201, 204], `PUT ${name}`);
    }
    const scope = scopeOf(uid, run);
    const like = await search(
      ctx,
      'alice',
      searchBody(
        scope,
        '<d:displayname/>',
        '<d:like><d:prop><d:displayname/></d:prop><d:literal>%.txt</d:literal></d:like>',
      ),
    );
    expectStatus(like, 207, 'SEARCH displayname like %.txt');
    expectEqual(
      names(like, 'SEARCH').join(','),
      'Report.TXT,top.txt',
      'nodes matching %.txt (case-insensitive, the whole subtree)',
    );
    const entry = entryFor(multistatus(like, 'SEARCH'), '/top.txt', 'SEARCH');
    expectEqual(text(entry, 'displayname'), 'top.txt', 'the selected d:displayname');
    const folders = await search(
      ctx,
      'alice',
      searchBody(scope, '<d:displayname/>', '<d:is-collection/>'),
    );
    expectStatus(folders, 207, 'SEARCH is-collection');
    expectEqual(
      names(folders, 'SEARCH').join(','),
      'Docs',
      'folders below the scope (not the scope itself)',
    );
    const files = await search(
      ctx,
      'alice',
      searchBody(scope, '<d:displayname/>', '<d:not><d:is-collection/></d:not>', '1'),
    );
    expectStatus(files, 207, 'SEARCH not is-collection, depth 1');
    expectEqual(
      names(files, 'SEARCH').join(','),
      'top.txt',
      'files that are children of the scope (depth 1)',
    );
    const limited = await search(
      ctx,
      'alice',
      searchBody(scope, '<d:displayname/>', '').replace(
        '</d:basicsearch>',
        '<d:limit><d:nresults>2</d:nresults></d:limit></d:basicsearch>',
      ),
    );
    expectStatus(limited, 207, 'SEARCH with d:nresults 2');
    expectEqual(multistatus(limited, 'SEARCH').length, 2, 'results with d:nresults 2');
  },
};

const refusals: ServerCheck = {
  id: 'webdav/search-refusals',
  title:
    "SEARCH without credentials is 401, on another user's tree 403, on a missing scope 404, with a DTD or an unsupported body 400",
  requirements: ['E2EE-API-272'],
  level: 'MUST',
  importance: 'high',
  profiles: CORE,
  async run(ctx) {
    const uid = ctx.userId('alice');
    const run = inRunFolder(ctx, 'alice');
    const own = scopeOf(uid, run);
    expectStatus(
      await search(ctx, null, searchBody(own, '<d:displayname/>', '')),
      401,
      'anonymous SEARCH',
    );
    expectStatus(
      await search(
        ctx,
        'alice',
        searchBody(scopeOf(ctx.userId('bob'), []), '<d:displayname/>', ''),
      ),
      403,
      "SEARCH of bob's tree by alice",
    );
    expectStatus(
      await search(
        ctx,
        'alice',
        searchBody(scopeOf(uid, [...run, 'no-such-folder']), '<d:displayname/>', ''),
      ),
      404,
      'SEARCH of a missing scope',
    );
    const dtd = `<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "b">]>${searchBody(own, '<d:displayname/>', '').slice(21)}`;
    expectStatus(await search(ctx, 'alice', dtd), 400, 'SEARCH with a DTD');
    expectStatus(
      await search(
        ctx,
        'alice',
        searchBody(
          own,
          '<d:displayname/>',
          '<d:gt><d:prop><oc:size/></d:prop><d:literal>1</d:literal></d:gt>',
        ),
      ),
      400,
      'SEARCH with an unsupported operator',
    );
    expectStatus(
      await search(ctx, 'alice', '<d:searchrequest xmlns:d="DAV:">'),
      400,
      'SEARCH with a body that is not well-formed',
    );
  },
};

const servesMetadata: ServerCheck = {
  id: 'webdav/search-serves-metadata',
  title:
    'SEARCH serves the committed metadata of encrypted folders to clients that are not E2EE clients, with empty permissions',
  requirements: ['E2EE-API-273'],
  level: 'MUST',
  importance: 'high',
  profiles: CORE,
  async run(ctx) {
    const doc = JSON.stringify({
      metadata: { ciphertext: 'search', nonce: 'n', authenticationTag: 't' },
      version: '2.0',
    });
    const vault = await committedFolder(ctx, 'alice', 'vault', doc);
    // Inside the encrypted folder PROPFIND refuses such a client (E2EE-API-220); SEARCH does not.
    const inside = await search(
      ctx,
      'alice',
      searchBody(scopeOf(ctx.userId('alice'), vault.segs), '<d:displayname/>', ''),
      { bare: true },
    );
    expectStatus(
      inside,
      207,
      'SEARCH inside an encrypted folder by a client that is not an E2EE client',
    );
    // nc:e2ee-metadata exists from app 1.17 on (profile nc32, E2EE-API-823).
    if (ctx.statusProfile === 'nc30') return;
    const body = searchBody(
      scopeOf(ctx.userId('alice'), inRunFolder(ctx, 'alice')),
      '<d:displayname/><nc:e2ee-metadata/><nc:e2ee-metadata-signature/><oc:permissions/>',
      '<d:is-collection/>',
    );
    const r = await search(ctx, 'alice', body, { bare: true });
    expectStatus(r, 207, 'SEARCH by a client that is not an E2EE client');
    const found = entryFor(multistatus(r, 'SEARCH'), '/vault', 'SEARCH');
    if (text(found, 'e2ee-metadata') !== doc)
      throw new CheckFailure(
        'SEARCH did not serve the committed metadata to a client that is not an E2EE client',
        {
          expected: doc,
          actual: seen(r),
        },
      );
    expectEqual(
      text(found, 'e2ee-metadata-signature'),
      fakeSignature(ctx.seed, 'vault'),
      'nc:e2ee-metadata-signature',
    );
    expectEqual(
      text(found, 'permissions'),
      '',
      'oc:permissions for a client that is not an E2EE client',
    );
  },
};

/** The SEARCH checks, in report order. */
export const WEBDAV_SEARCH_CHECKS: readonly ServerCheck[] = [finds, refusals, servesMetadata];
