/**
 * Locking and metadata checks (spec/11-locking.md, spec/12-metadata-api.md): counter rules of
 * the claimed status profile, lock tokens and retries, ancestor locks, documents and signatures
 * kept byte-exact, staged writes committed on unlock and reverted on abort.
 *
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CheckFailure,
  CheckSkipped,
  type Actor,
  type CheckContext,
  type Reply,
  type ServerCheck,
} from '../check.js';
import {
  committedFolder,
  dataString,
  dav,
  e2eePath,
  expectEqual,
  expectStatus,
  fakeSignature,
  inRunFolder,
  listed,
  lock,
  lockRequest,
  makeEncryptedFolder,
  makeFolder,
  ocsData,
  profileStatus,
  readMetadata,
  seededBytes,
  seen,
  unlock,
  writeMetadata,
} from './_support.js';

/** A small metadata-like document (the server never reads it beyond "a JSON object"). */
function doc(label: string): string {
  return JSON.stringify({
    metadata: { ciphertext: label, nonce: 'n', authenticationTag: 't' },
    version: '2.0',
  });
}

/**
 * Commits one more transaction on `id` with `counter`: lock, PUT the document, unlock. The counter
 * becomes the stored one (E2EE-LOCK-012).
 */
async function commitWithCounter(
  ctx: CheckContext,
  actor: Actor,
  id: number,
  counter: number,
): Promise<void> {
  const token = await lock(ctx, actor, id, counter);
  expectStatus(
    await writeMetadata(
      ctx,
      actor,
      'PUT',
      id,
      token,
      doc(`c${counter}`),
      fakeSignature(ctx.seed, `c${counter}`),
    ),
    200,
    `PUT /meta-data under counter ${counter}`,
  );
  expectStatus(await unlock(ctx, actor, id, token), 200, `unlock after counter ${counter}`);
}

const counterEqualRefused: ServerCheck = {
  id: 'metadata/counter-equal-refused',
  title: "A lock whose counter equals the stored one is refused with the profile's status",
  requirements: [
    'E2EE-LOCK-011',
    'E2EE-LOCK-071',
    'E2EE-LOCK-012',
    'E2EE-LOCK-070',
    'E2EE-LOCK-072',
  ],
  level: 'MUST',
  importance: 'critical',
  profiles: ['server-core'],
  async run(ctx) {
    const f = await committedFolder(ctx, 'alice', 'equal', doc('first'));
    await commitWithCounter(ctx, 'alice', f.id, 2);
    const r = await lockRequest(ctx, 'alice', f.id, 2);
    expectStatus(r, profileStatus(ctx, 'counterNotGreater'), 'lock with the stored counter 2');
    expectCounterCode(ctx, r, 'lock with the stored counter 2');
    // The refused lock holds nothing: the next counter locks (E2EE-LOCK-011 asks no direct successor).
    const token = await lock(ctx, 'alice', f.id, 4);
    expectStatus(await unlock(ctx, 'alice', f.id, token), 200, 'unlock');
  },
};

/**
 * On a Sealfold server, the refusal names its error code too (E2EE-LOCK-070, spec/01-errors.md);
 * a Nextcloud server has no such header, so only targets declaring `sealfold-mock` are held to it.
 */
function expectCounterCode(ctx: CheckContext, r: Reply, what: string): void {
  if (!ctx.features.includes('sealfold-mock')) return;
  expectEqual(r.headers['x-sealfold-e2ee-code'] ?? '', 'COUNTER_ROLLBACK', `${what}: the code`);
}

const counterStaleRefused: ServerCheck = {
  id: 'metadata/counter-stale-refused',
  title: "A lock whose counter is lower than the stored one is refused with the profile's status",
  requirements: ['E2EE-LOCK-011', 'E2EE-LOCK-071', 'E2EE-LOCK-070', 'E2EE-LOCK-072'],
  level: 'MUST',
  importance: 'critical',
  profiles: ['server-core'],
  async run(ctx) {
    const f = await committedFolder(ctx, 'alice', 'stale', doc('first'));
    await commitWithCounter(ctx, 'alice', f.id, 5);
    const r = await lockRequest(ctx, 'alice', f.id, 3);
    expectStatus(r, profileStatus(ctx, 'counterNotGreater'), 'lock with counter 3 after 5');
    expectCounterCode(ctx, r, 'lock with counter 3 after 5');
    expectEqual((await readMetadata(ctx, 'alice', f.id)).doc, doc('c5'), 'the committed document');
  },
};

const tokenRetry: ServerCheck = {
  id: 'lock/token-and-retry',
  title:
    'A lock token is 64 alphanumerics; a retry with it returns the same token; unlock frees the folder',
  requirements: ['E2EE-LOCK-003', 'E2EE-LOCK-004', 'E2EE-LOCK-023', 'E2EE-LOCK-021'],
  level: 'MUST',
  importance: 'high',
  profiles: ['server-core'],
  async run(ctx) {
    const f = await committedFolder(ctx, 'alice', 'retry', doc('first'));
    const token = await lock(ctx, 'alice', f.id, 2);
    if (!/^[A-Za-z0-9]{64}$/.test(token))
      throw new CheckFailure('the lock token is not 64 characters of [A-Za-z0-9]', {
        expected: '[A-Za-z0-9]{64}',
        actual: `${token.length} characters`,
      });
    const retry = await lockRequest(ctx, 'alice', f.id, 2, token);
    expectStatus(retry, 200, 'a retry with the current token');
    expectEqual(dataString(retry, 'e2e-token', 'retry'), token, 'the token of the retry');
    expectStatus(await unlock(ctx, 'alice', f.id, token), 200, 'unlock');
    expectStatus(
      await unlock(ctx, 'alice', f.id, token),
      profileStatus(ctx, 'unlockNotLocked'),
      'a second unlock',
    );
    const again = await lock(ctx, 'alice', f.id, 3);
    expectStatus(await unlock(ctx, 'alice', f.id, again), 200, 'unlock of the new lock');
  },
};

const foreignTokenRefused: ServerCheck = {
  id: 'lock/foreign-token-refused',
  title:
    'While a folder is locked, another token can neither lock it, write metadata or files, nor unlock it',
  requirements: ['E2EE-LOCK-002', 'E2EE-LOCK-030', 'E2EE-LOCK-041', 'E2EE-LOCK-022'],
  level: 'MUST',
  importance: 'critical',
  profiles: ['server-core'],
  async run(ctx) {
    const f = await committedFolder(ctx, 'alice', 'foreign', doc('first'));
    const token = await lock(ctx, 'alice', f.id, 2);
    const other = 'Z'.repeat(64);
    expectStatus(
      await lockRequest(ctx, 'alice', f.id, 3, other),
      profileStatus(ctx, 'lockedByOther'),
      'lock with another token',
    );
    expectStatus(
      await writeMetadata(
        ctx,
        'alice',
        'PUT',
        f.id,
        other,
        doc('intruder'),
        fakeSignature(ctx.seed, 'x'),
      ),
      profileStatus(ctx, 'putNotLocked'),
      'PUT /meta-data with another token',
    );
    expectStatus(
      await dav(ctx, 'alice', 'PUT', [...f.segs, 'intruder.bin'], { token: other, body: 'x' }),
      423,
      'WebDAV PUT with another token',
    );
    expectStatus(await unlock(ctx, 'alice', f.id, other), 403, 'unlock with another token');
    expectStatus(await unlock(ctx, 'alice', f.id, token), 200, 'unlock with the lock token');
    expectEqual(
      (await readMetadata(ctx, 'alice', f.id)).doc,
      doc('first'),
      'the committed document',
    );
    if (await listed(ctx, 'alice', f.segs, 'intruder.bin'))
      throw new CheckFailure('a file written with another token was committed', {
        expected: 'no intruder.bin',
        actual: 'intruder.bin listed',
      });
  },
};

const ancestorLock: ServerCheck = {
  id: 'lock/ancestor-lock',
  title:
    "An ancestor's lock covers its sub-folders: its token writes there, other locks are refused",
  requirements: ['E2EE-LOCK-002', 'E2EE-LOCK-031', 'E2EE-LOCK-202'],
  level: 'MUST',
  importance: 'high',
  profiles: ['server-core'],
  async run(ctx) {
    const top = await committedFolder(ctx, 'alice', 'top', doc('top'));
    const token = await lock(ctx, 'alice', top.id, 2);
    const sub = await makeFolder(ctx, 'alice', [...top.segs, 'sub'], token);
    expectStatus(
      await writeMetadata(
        ctx,
        'alice',
        'POST',
        sub,
        token,
        doc('sub'),
        fakeSignature(ctx.seed, 'sub'),
      ),
      200,
      "POST /meta-data of the sub-folder with the top folder's token",
    );
    expectStatus(
      await lockRequest(ctx, 'alice', sub, 1),
      profileStatus(ctx, 'lockedByOther'),
      'a new lock on the sub-folder while the top folder is locked',
    );
    // The sub-folder has no lock of its own; the ancestor's lock holding the token is a 404
    // in every profile, and commits nothing (E2EE-LOCK-202).
    expectStatus(
      await unlock(ctx, 'alice', sub, token),
      404,
      "unlock of the sub-folder with the top folder's token",
    );
    expectStatus(await unlock(ctx, 'alice', top.id, token), 200, 'unlock of the top folder');
    expectEqual(
      (await readMetadata(ctx, 'alice', sub)).doc,
      doc('sub'),
      "the sub-folder's document",
    );
  },
};

const lockNeedsEncryptedFolder: ServerCheck = {
  id: 'lock/needs-encrypted-folder',
  title:
    'In nc32 a folder without the encrypted flag (on it or an ancestor) cannot be locked or unlocked (403); nc30 locks it',
  requirements: ['E2EE-LOCK-200'],
  level: 'MUST',
  importance: 'high',
  profiles: ['server-core'],
  async run(ctx) {
    const id = await makeFolder(ctx, 'alice', inRunFolder(ctx, 'alice', 'not-flagged'));
    const r = await lockRequest(ctx, 'alice', id, 1);
    // App 1.18.4 asks EncryptionManager::isEncryptedFile before it locks; 1.14–1.16 does not.
    if (ctx.statusProfile === 'nc30') {
      expectStatus(r, 200, 'lock of a folder without the flag (nc30)');
      const token = dataString(r, 'e2e-token', 'lock');
      expectStatus(await unlock(ctx, 'alice', id, token, true), 200, 'unlock (abort)');
      return;
    }
    expectStatus(r, 403, 'lock of a folder without the flag');
    expectStatus(
      await unlock(ctx, 'alice', id, 'A'.repeat(64)),
      403,
      'unlock of a folder without the flag',
    );
  },
};

/** JSON with unusual key order, whitespace, escapes and non-ASCII text around random bytes. */
function unusualDocument(seed: number): string {
  const blob = Buffer.from(seededBytes(seed, 'doc', 300)).toString('base64');
  return (
    '{ "version" :"2.0",\n\t"metadata": {"nonce":"AAAA" , "ciphertext": "' +
    blob +
    '",\r\n  "authenticationTag":"\\u0041\\/x"},  "z-last":[ 1,2.50 ,-0.0e0],"é☃": "\\ud83d\\ude00 🔐"  }\n'
  );
}

const metadataByteExact: ServerCheck = {
  id: 'metadata/byte-exact',
  title: 'Metadata documents and signatures are stored and returned byte-exact',
  requirements: ['E2EE-API-126', 'E2EE-API-120', 'E2EE-LOCK-050'],
  level: 'MUST',
  importance: 'critical',
  profiles: ['server-core'],
  async run(ctx) {
    const first = unusualDocument(ctx.seed);
    const f = await committedFolder(ctx, 'alice', 'exact', first);
    const got = await readMetadata(ctx, 'alice', f.id);
    expectEqual(got.doc, first, 'the document after POST and commit');
    expectEqual(got.signature, fakeSignature(ctx.seed, 'exact'), 'the signature header');
    const second = unusualDocument(ctx.seed + 1);
    const signature = fakeSignature(ctx.seed, 'second');
    const token = await lock(ctx, 'alice', f.id, 2);
    expectStatus(
      await writeMetadata(ctx, 'alice', 'PUT', f.id, token, second, signature),
      200,
      'PUT',
    );
    expectStatus(await unlock(ctx, 'alice', f.id, token), 200, 'unlock');
    const after = await readMetadata(ctx, 'alice', f.id);
    expectEqual(after.doc, second, 'the document after PUT and commit');
    expectEqual(after.signature, signature, 'the signature after PUT and commit');
  },
};

/** Writes `name` with `body` under `token` in `segs`. */
async function stagedPut(
  ctx: CheckContext,
  segs: readonly string[],
  name: string,
  body: Uint8Array,
  token: string,
): Promise<void> {
  const r = await dav(ctx, 'alice', 'PUT', [...segs, name], { token, body });
  expectStatus(r, [201, 204], `PUT ${name} under the lock`);
}

const commitOnUnlock: ServerCheck = {
  id: 'lock/commit-on-unlock',
  title: 'Writes under a lock stay hidden until the unlock, which commits them all',
  requirements: ['E2EE-LOCK-043', 'E2EE-LOCK-046', 'E2EE-LOCK-050', 'E2EE-LOCK-052'],
  level: 'MUST',
  importance: 'critical',
  profiles: ['server-core'],
  async run(ctx) {
    const f = await committedFolder(ctx, 'alice', 'commit', doc('before'));
    const token = await lock(ctx, 'alice', f.id, 2);
    const body = seededBytes(ctx.seed, 'file', 4096);
    await stagedPut(ctx, f.segs, 'new.bin', body, token);
    await makeFolder(ctx, 'alice', [...f.segs, 'dir'], token);
    expectStatus(
      await writeMetadata(
        ctx,
        'alice',
        'PUT',
        f.id,
        token,
        doc('after'),
        fakeSignature(ctx.seed, 'a'),
      ),
      200,
      'PUT /meta-data',
    );
    if (await listed(ctx, 'alice', f.segs, 'new.bin'))
      throw new CheckFailure('a staged file is listed before the unlock', {
        expected: 'hidden',
        actual: 'listed',
      });
    expectEqual(
      (await readMetadata(ctx, 'alice', f.id)).doc,
      doc('before'),
      'the document before the unlock',
    );
    expectStatus(await unlock(ctx, 'alice', f.id, token), 200, 'unlock');
    for (const name of ['new.bin', 'dir'])
      if (!(await listed(ctx, 'alice', f.segs, name)))
        throw new CheckFailure(`${name} is not there after the unlock`, {
          expected: name,
          actual: 'missing',
        });
    const got = await dav(ctx, 'alice', 'GET', [...f.segs, 'new.bin']);
    expectStatus(got, 200, 'GET new.bin');
    expectEqual(Buffer.from(got.body).equals(Buffer.from(body)), true, 'new.bin byte-exact');
    expectEqual(
      (await readMetadata(ctx, 'alice', f.id)).doc,
      doc('after'),
      'the document after the unlock',
    );
  },
};

const abortReverts: ServerCheck = {
  id: 'lock/abort-reverts',
  title: 'An abort reverts every write made under the lock',
  requirements: ['E2EE-LOCK-055'],
  level: 'MUST',
  importance: 'critical',
  profiles: ['server-core'],
  async run(ctx) {
    const f = await committedFolder(ctx, 'alice', 'abort', doc('before'));
    const first = await lock(ctx, 'alice', f.id, 2);
    await stagedPut(ctx, f.segs, 'old.bin', seededBytes(ctx.seed, 'old', 64), first);
    expectStatus(await unlock(ctx, 'alice', f.id, first), 200, 'unlock (commit old.bin)');
    const token = await lock(ctx, 'alice', f.id, 3);
    await stagedPut(ctx, f.segs, 'new.bin', seededBytes(ctx.seed, 'new', 64), token);
    expectStatus(
      await dav(ctx, 'alice', 'DELETE', [...f.segs, 'old.bin'], { token }),
      204,
      'DELETE old.bin',
    );
    expectStatus(
      await writeMetadata(
        ctx,
        'alice',
        'PUT',
        f.id,
        token,
        doc('aborted'),
        fakeSignature(ctx.seed, 'x'),
      ),
      200,
      'PUT /meta-data',
    );
    expectStatus(await unlock(ctx, 'alice', f.id, token, true), 200, 'unlock with abort=true');
    expectEqual(
      await listed(ctx, 'alice', f.segs, 'new.bin'),
      false,
      'new.bin listed after the abort',
    );
    expectEqual(
      await listed(ctx, 'alice', f.segs, 'old.bin'),
      true,
      'old.bin listed after the abort',
    );
    expectEqual(
      (await readMetadata(ctx, 'alice', f.id)).doc,
      doc('before'),
      'the document after the abort',
    );
  },
};

/**
 * Makes the stale-lock TTL short for the duration of `fn`: 1 s through the mock's management API
 * (restored afterwards), or the target's own when it declares `short-lock-ttl` (at most 5 s).
 * Returns how long to wait for a lock to become stale.
 */
async function withShortLockTtl(
  ctx: CheckContext,
  fn: (waitMs: number) => Promise<void>,
): Promise<void> {
  if (ctx.management === undefined) {
    if (!ctx.features.includes('short-lock-ttl'))
      throw new CheckSkipped(
        'needs a short lock TTL: the feature short-lock-ttl (at most 5 s) or the mock',
      );
    return fn(6_000);
  }
  const set = (seconds: number) =>
    ctx.request(null, 'POST', '/__sealfold/lock-ttl', {
      bare: true,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ seconds }),
    });
  const r = await set(1);
  expectStatus(r, 200, 'management: set the lock TTL to 1 s');
  const previous = (r.json() as { previous?: unknown }).previous;
  try {
    await fn(2_200);
  } finally {
    if (typeof previous === 'number') await set(previous);
  }
}

const staleLockRollback: ServerCheck = {
  id: 'lock/stale-lock-rollback',
  title:
    'A lock older than the TTL is rolled back: its writes are reverted and the folder can be locked',
  requirements: ['E2EE-LOCK-060'],
  level: 'MUST',
  importance: 'high',
  profiles: ['server-core'],
  async run(ctx) {
    const f = await committedFolder(ctx, 'alice', 'stale-lock', doc('before'));
    await withShortLockTtl(ctx, async (waitMs) => {
      const token = await lock(ctx, 'alice', f.id, 2);
      await stagedPut(ctx, f.segs, 'abandoned.bin', seededBytes(ctx.seed, 'a', 64), token);
      expectStatus(
        await writeMetadata(
          ctx,
          'alice',
          'PUT',
          f.id,
          token,
          doc('abandoned'),
          fakeSignature(ctx.seed, 'a'),
        ),
        200,
        'PUT /meta-data',
      );
      ctx.note(`waiting ${waitMs} ms for the lock to become stale`);
      await sleep(waitMs, undefined, { signal: ctx.signal });
      // A new lock (another token) is granted only once the stale one was rolled back.
      const again = await lock(ctx, 'alice', f.id, 3);
      expectEqual(
        await listed(ctx, 'alice', f.segs, 'abandoned.bin'),
        false,
        'abandoned.bin listed',
      );
      expectEqual(
        (await readMetadata(ctx, 'alice', f.id)).doc,
        doc('before'),
        'the document after the rollback',
      );
      expectStatus(await unlock(ctx, 'alice', f.id, again), 200, 'unlock');
    });
  },
};

const flagRules: ServerCheck = {
  id: 'flags/flag-rules',
  title: 'The E2EE flag is set on empty folders only and cannot be cleared while content exists',
  requirements: ['E2EE-API-110', 'E2EE-API-111', 'E2EE-LOCK-040'],
  level: 'MUST',
  importance: 'critical',
  profiles: ['server-core'],
  async run(ctx) {
    const plain = await makeFolder(ctx, 'alice', inRunFolder(ctx, 'alice', 'plain'));
    expectStatus(
      await dav(ctx, 'alice', 'PUT', inRunFolder(ctx, 'alice', 'plain', 'clear.txt'), {
        body: 'plaintext',
      }),
      201,
      'PUT a plain file',
    );
    expectStatus(
      await ctx.request('alice', 'PUT', e2eePath(`/encrypted/${plain}`)),
      404,
      'PUT /encrypted on a folder with content',
    );
    const f = await committedFolder(ctx, 'alice', 'enc', doc('x'));
    const token = await lock(ctx, 'alice', f.id, 2);
    await stagedPut(ctx, f.segs, 'cipher.bin', seededBytes(ctx.seed, 'c', 32), token);
    expectStatus(await unlock(ctx, 'alice', f.id, token), 200, 'unlock');
    expectStatus(
      await ctx.request('alice', 'DELETE', e2eePath(`/encrypted/${f.id}`)),
      404,
      'DELETE /encrypted on a folder with encrypted content',
    );
    // Still encrypted: a write without a lock token is refused.
    expectStatus(
      await dav(ctx, 'alice', 'PUT', [...f.segs, 'plain.txt'], { body: 'x' }),
      403,
      'WebDAV PUT without a token into the folder',
    );
  },
};

/** Headers of a client that is no E2EE client (a browser), with the OCS header. */
const BROWSER = {
  'ocs-apirequest': 'true',
  'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/128.0',
};

const nonE2eeClientsKeptOut: ServerCheck = {
  id: 'flags/non-e2ee-clients-kept-out',
  title: 'Clients that are not E2EE clients are kept out of the E2EE API and of encrypted folders',
  requirements: ['E2EE-API-006', 'E2EE-API-100', 'E2EE-API-220', 'E2EE-API-221'],
  level: 'MUST',
  importance: 'high',
  profiles: ['server-core'],
  async run(ctx) {
    const f = await committedFolder(ctx, 'alice', 'gated', doc('x'));
    const asBrowser = (method: string, path: string, extra: Record<string, string> = {}) =>
      ctx.request('alice', method, path, { bare: true, headers: { ...BROWSER, ...extra } });
    expectStatus(
      await asBrowser('GET', e2eePath(`/meta-data/${f.id}`)),
      403,
      'GET /meta-data from a browser',
    );
    const davFolder = `/remote.php/dav/files/${encodeURIComponent(ctx.userId('alice'))}/${f.segs.map(encodeURIComponent).join('/')}`;
    expectStatus(
      await asBrowser('PROPFIND', davFolder, { depth: '1' }),
      403,
      'PROPFIND of an encrypted folder from a browser',
    );
    // `X-E2EE-Supported: true` marks an E2EE client only from app 1.17 on (nc32, E2EE-API-221).
    const marked = await asBrowser('GET', e2eePath(`/meta-data/${f.id}`), {
      'x-e2ee-supported': 'true',
    });
    expectStatus(
      marked,
      ctx.statusProfile === 'nc30' ? 403 : 200,
      'GET /meta-data with X-E2EE-Supported',
    );
  },
};

const reservedSuffixRefused: ServerCheck = {
  id: 'lock/reserved-suffix-refused',
  title:
    'A WebDAV write to a .e2e-to-save or .e2e-to-delete name in an encrypted folder is refused',
  requirements: ['E2EE-LOCK-042'],
  level: 'MUST',
  importance: 'high',
  profiles: ['server-core'],
  async run(ctx) {
    const f = await committedFolder(ctx, 'alice', 'reserved', doc('reserved'));
    const token = await lock(ctx, 'alice', f.id, 2);
    // Even under the folder's own lock: the suffixes belong to the server's staging.
    for (const name of ['forged.e2e-to-save', 'forged.e2e-to-delete'])
      expectStatus(
        await dav(ctx, 'alice', 'PUT', [...f.segs, name], {
          token,
          body: seededBytes(ctx.seed, name, 16),
        }),
        403,
        `PUT ${name} under the lock`,
      );
    expectStatus(await unlock(ctx, 'alice', f.id, token, true), 200, 'unlock (abort)');
  },
};

/** `DELETE /encrypted-files`: the account reset. */
const RESET = '/ocs/v2.php/apps/end_to_end_encryption/api/v2/encrypted-files?format=json';

const encryptedFilesReset: ServerCheck = {
  id: 'flags/encrypted-files-reset',
  title:
    "The reset deletes the user's encrypted folders with their content, answers their ids ascending, keeps the rest",
  requirements: ['E2EE-API-150'],
  level: 'MUST',
  importance: 'high',
  profiles: ['server-core'],
  async run(ctx) {
    // carol resets: alice's folders (and carol's plain folder) must survive it.
    const first = await committedFolder(ctx, 'carol', 'reset-a', doc('a'));
    const second = await makeEncryptedFolder(ctx, 'carol', 'reset-b');
    const plain = inRunFolder(ctx, 'carol', 'reset-plain');
    await makeFolder(ctx, 'carol', plain);
    const others = await makeEncryptedFolder(ctx, 'alice', 'not-carols');
    const r = await ctx.request('carol', 'DELETE', RESET);
    if (r.status === 403)
      throw new CheckSkipped(
        "carol's credential is not the login password the reset needs (E2EE-API-060)",
      );
    expectStatus(r, 200, 'DELETE encrypted-files with the login password');
    const ids = (ocsData(r) as { deletedIds?: unknown } | undefined)?.deletedIds;
    const sorted = Array.isArray(ids) && ids.every((x, i) => i === 0 || ids[i - 1] < x);
    if (!Array.isArray(ids) || !sorted || !ids.includes(first.id) || !ids.includes(second.id))
      throw new CheckFailure(
        'the reset does not answer the deleted folder ids in ascending order',
        {
          expected: `deletedIds ascending, with ${first.id} and ${second.id}`,
          actual: seen(r),
        },
      );
    const parent = inRunFolder(ctx, 'carol');
    expectEqual(
      await listed(ctx, 'carol', parent, 'reset-a'),
      false,
      'reset-a listed after the reset',
    );
    expectEqual(
      await listed(ctx, 'carol', parent, 'reset-b'),
      false,
      'reset-b listed after the reset',
    );
    expectEqual(await listed(ctx, 'carol', parent, 'reset-plain'), true, 'the plain folder listed');
    expectEqual(
      await listed(ctx, 'alice', inRunFolder(ctx, 'alice'), 'not-carols'),
      true,
      "alice's encrypted folder listed",
    );
    expectEqual(ids.includes(others.id), false, "alice's folder among carol's deleted ids");
  },
};

/** The locking, metadata and flag checks, in report order. */
export const LOCKING_CHECKS: readonly ServerCheck[] = [
  counterEqualRefused,
  counterStaleRefused,
  tokenRetry,
  foreignTokenRefused,
  ancestorLock,
  lockNeedsEncryptedFolder,
  metadataByteExact,
  commitOnUnlock,
  abortReverts,
  staleLockRollback,
  flagRules,
  nonE2eeClientsKeptOut,
  reservedSuffixRefused,
  encryptedFilesReset,
];
