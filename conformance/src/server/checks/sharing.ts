/**
 * Sharing and filedrop checks (spec/14-webdav-and-shares.md §7, spec/12-metadata-api.md §5): a
 * share appears for its recipient, a read-only recipient cannot write, filedrop entries merge
 * without a lock, and malformed metadata never destroys pending filedrop entries (the
 * CVE-2023-35173 class, attacks SRV-4). Link shares: the token opens the share's private key
 * and, with create permission, the folder's filedrop, to anyone, and nothing else.
 *
 * @module
 */
import { CheckFailure, type Actor, type CheckContext, type ServerCheck } from '../check.js';
import {
  committedFolder,
  dataString,
  dav,
  e2eePath,
  expectEqual,
  expectStatus,
  fakeKeyBlob,
  fakeSignature,
  form,
  inRunFolder,
  listed,
  lock,
  lockRequest,
  makeEncryptedFolder,
  makeFolder,
  ocsData,
  readMetadata,
  seededBytes,
  seen,
  sharesPath,
  unlock,
  writeMetadata,
} from './_support.js';

/** Share permission bits (OCS): read 1, update 2, create 4, delete 8, share 16. */
const READ_ONLY = 1;
const ALL = 31;

/**
 * Creates folder `name` with `hello.txt` in alice's run folder and shares it with `recipient`;
 * returns the recipient's mount name and the content of `hello.txt`.
 */
async function sharedFolder(
  ctx: CheckContext,
  name: string,
  recipient: Actor,
  permissions: number,
): Promise<{ mount: string; hello: string }> {
  const segs = inRunFolder(ctx, 'alice', name);
  await makeFolder(ctx, 'alice', segs);
  const hello = `hello from alice ${ctx.seed}`;
  expectStatus(
    await dav(ctx, 'alice', 'PUT', [...segs, 'hello.txt'], { body: hello }),
    201,
    'PUT hello.txt',
  );
  const r = await ctx.request(
    'alice',
    'POST',
    sharesPath(''),
    form({
      path: `/${segs.join('/')}`,
      shareType: '0',
      shareWith: ctx.userId(recipient),
      permissions: String(permissions),
    }),
  );
  expectStatus(r, 200, 'POST shares');
  const target = (ocsData(r) as { file_target?: unknown } | undefined)?.file_target;
  if (typeof target !== 'string')
    throw new CheckFailure('the share has no file_target', {
      expected: 'file_target',
      actual: seen(r),
    });
  return { mount: target.replace(/^\/+/, ''), hello };
}

const shareVisible: ServerCheck = {
  id: 'sharing/share-visible-to-recipient',
  title: "A shared folder appears at the recipient's root and its files are readable there",
  requirements: ['E2EE-API-250', 'E2EE-API-253', 'E2EE-API-202'],
  level: 'MUST',
  importance: 'high',
  profiles: ['server-sharing'],
  async run(ctx) {
    const { mount, hello } = await sharedFolder(ctx, 'for-bob', 'bob', ALL);
    if (!(await listed(ctx, 'bob', [], mount)))
      throw new CheckFailure(`the share is not listed at bob's root as ${mount}`, {
        expected: mount,
        actual: 'missing',
      });
    const got = await dav(ctx, 'bob', 'GET', [mount, 'hello.txt']);
    expectStatus(got, 200, "GET hello.txt through bob's mount");
    expectEqual(got.text(), hello, 'the shared file');
  },
};

const readOnlyRecipient: ServerCheck = {
  id: 'sharing/read-only-recipient-cannot-write',
  title: 'A recipient of a read-only share reads but cannot create, change or delete (403)',
  requirements: ['E2EE-API-235'],
  level: 'MUST',
  importance: 'critical',
  profiles: ['server-sharing'],
  async run(ctx) {
    const { mount, hello } = await sharedFolder(ctx, 'read-only', 'carol', READ_ONLY);
    const got = await dav(ctx, 'carol', 'GET', [mount, 'hello.txt']);
    expectStatus(got, 200, 'GET through the read-only share');
    expectStatus(
      await dav(ctx, 'carol', 'PUT', [mount, 'new.txt'], { body: 'x' }),
      403,
      'PUT a new file',
    );
    expectStatus(
      await dav(ctx, 'carol', 'PUT', [mount, 'hello.txt'], { body: 'changed' }),
      403,
      'PUT over hello.txt',
    );
    expectStatus(await dav(ctx, 'carol', 'MKCOL', [mount, 'dir']), 403, 'MKCOL');
    expectStatus(await dav(ctx, 'carol', 'DELETE', [mount, 'hello.txt']), 403, 'DELETE hello.txt');
    const after = await dav(
      ctx,
      'alice',
      'GET',
      inRunFolder(ctx, 'alice', 'read-only', 'hello.txt'),
    );
    expectEqual(after.text(), hello, "alice's file after the refused writes");
  },
};

const readOnlyRecipientLock: ServerCheck = {
  id: 'sharing/read-only-recipient-cannot-lock',
  title:
    'A recipient of a read-only share of an encrypted folder cannot lock it in nc32 (403); nc30 lets it',
  requirements: ['E2EE-LOCK-201'],
  level: 'MUST',
  importance: 'high',
  profiles: ['server-sharing'],
  async run(ctx) {
    const { id, segs } = await makeEncryptedFolder(ctx, 'alice', 'read-only-lock');
    const shared = await ctx.request(
      'alice',
      'POST',
      sharesPath(''),
      form({
        path: `/${segs.join('/')}`,
        shareType: '0',
        shareWith: ctx.userId('carol'),
        permissions: String(READ_ONLY),
      }),
    );
    expectStatus(shared, 200, 'POST shares (read only)');
    const r = await lockRequest(ctx, 'carol', id, 1);
    // App 1.18.4 asks AccessManager::checkPermissions($id, true); app 1.14–1.16 does not.
    if (ctx.statusProfile === 'nc30') {
      expectStatus(r, 200, 'lock by the read-only recipient (nc30)');
      const token = dataString(r, 'e2e-token', 'lock');
      expectStatus(await unlock(ctx, 'carol', id, token, true), 200, 'unlock (abort)');
    } else {
      expectStatus(r, 403, 'lock by the read-only recipient');
      // The owner still locks it: the refusal left no lock behind.
      const token = await lock(ctx, 'alice', id, 1);
      expectStatus(await unlock(ctx, 'alice', id, token, true), 200, "unlock of alice's lock");
    }
  },
};

/** A filedrop upload as `actor` (no lock); the raw reply. */
function dropEntries(ctx: CheckContext, actor: Actor, id: number, entries: string) {
  return ctx.request(
    actor,
    'PUT',
    e2eePath(`/meta-data/${id}/filedrop`),
    form({ filedrop: entries }),
  );
}

/** The `filedrop` member of a stored document, or a failure when the document is not JSON. */
function filedropOf(doc: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(doc);
  } catch {
    throw new CheckFailure('the stored metadata document is not JSON', {
      expected: 'a JSON object',
      actual: doc.slice(0, 200),
    });
  }
  const fd = (parsed as { filedrop?: unknown } | null)?.filedrop;
  return fd !== null && typeof fd === 'object' ? (fd as Record<string, unknown>) : {};
}

const DOC = JSON.stringify({
  metadata: { ciphertext: 'c', nonce: 'n', authenticationTag: 't' },
  version: '2.0',
});
const ENTRY = {
  ciphertext: 'drop',
  nonce: 'n',
  authenticationTag: 't',
  users: [{ userId: 'x', encryptedFiledropKey: 'k' }],
};

const filedropMerge: ServerCheck = {
  id: 'filedrop/merge-without-lock',
  title: 'Filedrop entries merge into the committed document without a lock, keeping the rest',
  requirements: ['E2EE-API-140', 'E2EE-API-144'],
  level: 'MUST',
  importance: 'high',
  profiles: ['server-filedrop'],
  async run(ctx) {
    const f = await committedFolder(ctx, 'alice', 'drop', DOC);
    expectStatus(
      await dropEntries(ctx, 'alice', f.id, JSON.stringify({ first: ENTRY })),
      200,
      'filedrop upload',
    );
    expectStatus(
      await dropEntries(ctx, 'alice', f.id, JSON.stringify({ second: ENTRY })),
      200,
      'second filedrop upload',
    );
    const { doc } = await readMetadata(ctx, 'alice', f.id);
    const fd = filedropOf(doc);
    for (const name of ['first', 'second'])
      if (!(name in fd))
        throw new CheckFailure(`filedrop entry ${name} is missing`, {
          expected: name,
          actual: Object.keys(fd),
        });
    const rest = JSON.parse(doc) as Record<string, unknown>;
    expectEqual(
      JSON.stringify(rest['metadata']),
      JSON.stringify(JSON.parse(DOC).metadata),
      'the other members',
    );
  },
};

const malformedKeepsFiledrop: ServerCheck = {
  id: 'filedrop/malformed-metadata-keeps-entries',
  title:
    'Malformed metadata or filedrop uploads are refused and never destroy pending filedrop entries',
  requirements: ['E2EE-API-121', 'E2EE-API-142', 'E2EE-API-091'],
  level: 'MUST',
  importance: 'critical',
  profiles: ['server-filedrop'],
  async run(ctx) {
    const f = await committedFolder(ctx, 'alice', 'pending', DOC);
    expectStatus(
      await dropEntries(ctx, 'alice', f.id, JSON.stringify({ pending: ENTRY })),
      200,
      'filedrop upload',
    );
    for (const bad of ['[]', '{"x":1}', 'not json'])
      expectStatus(
        await dropEntries(ctx, 'alice', f.id, bad),
        400,
        `filedrop upload ${JSON.stringify(bad)}`,
      );
    const token = await lock(ctx, 'alice', f.id, 2);
    for (const bad of ['not json {', '[1,2]', '"a string"'])
      expectStatus(
        await writeMetadata(ctx, 'alice', 'PUT', f.id, token, bad, fakeSignature(ctx.seed, 'bad')),
        400,
        `PUT /meta-data ${JSON.stringify(bad)}`,
      );
    expectStatus(await unlock(ctx, 'alice', f.id, token), 200, 'unlock');
    const fd = filedropOf((await readMetadata(ctx, 'alice', f.id)).doc);
    if (!('pending' in fd))
      throw new CheckFailure('the pending filedrop entry is gone', {
        expected: 'pending',
        actual: Object.keys(fd),
      });
  },
};

/** Link-share permissions (OCS): read only, and create only (a file drop). */
const LINK_READ = 1;
const LINK_DROP = 4;

/** The header an anonymous caller names a link share with (app 2.x). */
const SHARE_TOKEN_HEADER = 'X-NC-E2EE-SHARE-TOKEN';

/** Creates a link share of `segs` (alice's) with `permissions`; returns its id and token. */
async function linkShare(
  ctx: CheckContext,
  segs: readonly string[],
  permissions: number,
): Promise<{ id: string; token: string }> {
  const r = await ctx.request(
    'alice',
    'POST',
    sharesPath(''),
    form({ path: `/${segs.join('/')}`, shareType: '3', permissions: String(permissions) }),
  );
  expectStatus(r, 200, 'POST shares (shareType 3)');
  const share = ocsData(r) as { id?: unknown; token?: unknown } | undefined;
  // E2EE-API-430: the token is the capability; it must be a URL-safe alphanumeric string.
  if (typeof share?.token !== 'string' || !/^[A-Za-z0-9]+$/.test(share.token))
    throw new CheckFailure('the link share has no alphanumeric token', {
      expected: 'token matching [A-Za-z0-9]+',
      actual: seen(r),
    });
  if (typeof share.id !== 'string')
    throw new CheckFailure('the link share has no id', { expected: 'id', actual: seen(r) });
  return { id: share.id, token: share.token };
}

/** A token no share was given: a seeded guess in Nextcloud's token alphabet and length. */
function guessedToken(ctx: CheckContext, label: string): string {
  return Buffer.from(seededBytes(ctx.seed, label, 15))
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, 'x')
    .slice(0, 15);
}

const linkSharePrivateKey: ServerCheck = {
  id: 'sharing/link-share-private-key',
  title:
    "A link share's token gives anyone its private key (header or shareToken), until the share is deleted (404)",
  requirements: ['E2EE-API-430', 'E2EE-API-431', 'E2EE-API-044'],
  level: 'MUST',
  importance: 'critical',
  profiles: ['server-sharing'],
  async run(ctx) {
    const { segs } = await makeEncryptedFolder(ctx, 'alice', 'public-link');
    const link = await linkShare(ctx, segs, LINK_READ);
    const listed = ocsData(await ctx.request('alice', 'GET', sharesPath('')));
    const mine = Array.isArray(listed) ? (listed as { id?: unknown; token?: unknown }[]) : [];
    if (!mine.some((x) => x.id === link.id && x.token === link.token))
      throw new CheckFailure("the link share is not in alice's share list with its token", {
        expected: link.id,
        actual: mine.map((x) => String(x.id)),
      });
    const blob = fakeKeyBlob(ctx.seed, 'link-share-private-key');
    expectStatus(
      await ctx.request(
        'alice',
        'POST',
        e2eePath('/private-key'),
        form({ privateKey: blob, shareToken: link.token }),
      ),
      200,
      'POST private-key for the link share (its owner, with shareToken)',
    );
    const byHeader = () =>
      ctx.request(null, 'GET', e2eePath('/private-key'), {
        headers: { [SHARE_TOKEN_HEADER]: link.token },
      });
    const got = await byHeader();
    expectStatus(got, 200, `anonymous GET private-key with ${SHARE_TOKEN_HEADER}`);
    expectEqual(dataString(got, 'private-key', 'GET private-key'), blob, "the share's key");
    const byParam = await ctx.request(
      null,
      'GET',
      e2eePath(`/private-key?shareToken=${link.token}`),
    );
    expectStatus(byParam, 200, 'anonymous GET private-key with shareToken');
    expectEqual(dataString(byParam, 'private-key', 'GET private-key'), blob, "the share's key");
    const unknown = await ctx.request(null, 'GET', e2eePath('/private-key'), {
      headers: { [SHARE_TOKEN_HEADER]: guessedToken(ctx, 'unknown-link') },
    });
    expectStatus(unknown, 404, 'anonymous GET private-key with a token no share has');
    expectStatus(
      await ctx.request('alice', 'DELETE', sharesPath(`/${link.id}`)),
      200,
      'DELETE the link share',
    );
    expectStatus(await byHeader(), 404, 'GET private-key with the deleted share token');
  },
};

const linkShareFiledrop: ServerCheck = {
  id: 'filedrop/link-share-upload',
  title:
    'An anonymous filedrop upload is accepted with the token of a link share that may create in that folder, and refused (403) with any other',
  requirements: ['E2EE-API-815', 'E2EE-API-816', 'E2EE-API-430'],
  level: 'MUST',
  importance: 'critical',
  profiles: ['server-filedrop'],
  async run(ctx) {
    const f = await committedFolder(ctx, 'alice', 'drop-box', DOC);
    const other = await committedFolder(ctx, 'alice', 'other-box', DOC);
    const drop = await linkShare(ctx, f.segs, LINK_DROP);
    const readOnly = await linkShare(ctx, f.segs, LINK_READ);
    const elsewhere = await linkShare(ctx, other.segs, LINK_DROP);
    const upload = (token: string, name: string, how: 'header' | 'param' = 'header') =>
      ctx.request(
        null,
        'PUT',
        e2eePath(`/meta-data/${f.id}/filedrop${how === 'param' ? `?shareToken=${token}` : ''}`),
        {
          ...form({ filedrop: JSON.stringify({ [name]: ENTRY }) }),
          ...(how === 'header'
            ? {
                headers: {
                  'content-type': 'application/x-www-form-urlencoded',
                  [SHARE_TOKEN_HEADER]: token,
                },
              }
            : {}),
        },
      );
    expectStatus(await upload(drop.token, 'byheader'), 200, 'filedrop with the drop token');
    expectStatus(
      await upload(drop.token, 'byparam', 'param'),
      200,
      'filedrop with the drop token as shareToken',
    );
    expectStatus(
      await upload(readOnly.token, 'readonly'),
      403,
      'filedrop with a read-only link token',
    );
    expectStatus(
      await upload(elsewhere.token, 'elsewhere'),
      403,
      "filedrop with another folder's link token",
    );
    const fd = filedropOf((await readMetadata(ctx, 'alice', f.id)).doc);
    expectEqual(
      Object.keys(fd).sort().join(','),
      'byheader,byparam',
      'the filedrop entries after the uploads',
    );
  },
};

/** The sharing and filedrop checks, in report order. */
export const SHARING_CHECKS: readonly ServerCheck[] = [
  shareVisible,
  readOnlyRecipient,
  readOnlyRecipientLock,
  linkSharePrivateKey,
  filedropMerge,
  malformedKeepsFiledrop,
  linkShareFiledrop,
];
