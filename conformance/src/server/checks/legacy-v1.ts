/**
 * The legacy v1 API (`/api/v1`, spec/11-locking.md §2 and spec/12-metadata-api.md §6): the v1
 * lock takes no counter and answers a foreign lock with 403 in every status profile, and no v1
 * endpoint touches a folder whose committed document is 2.x (a v1 client would downgrade it).
 *
 * @module
 */
import { CheckFailure, type ServerCheck } from '../check.js';
import {
  committedFolder,
  dataString,
  expectStatus,
  form,
  lock,
  makeEncryptedFolder,
  unlock,
} from './_support.js';

const E2EE_V1 = '/ocs/v2.php/apps/end_to_end_encryption/api/v1';
const V2_META = '/ocs/v2.php/apps/end_to_end_encryption/api/v2/meta-data';

/** A v1 path with `format=json`. */
const v1Path = (path: string) => `${E2EE_V1}${path}?format=json`;

/** A 2.x metadata document (the server reads only its version). */
const V2_DOC = JSON.stringify({
  metadata: { ciphertext: 'c', nonce: 'n', authenticationTag: 't' },
  version: '2.0',
});

const v1LockNoCounter: ServerCheck = {
  id: 'v1/lock-without-counter',
  title: 'The v1 lock is granted without a counter and answers a foreign lock with 403',
  requirements: ['E2EE-LOCK-013'],
  level: 'MUST',
  importance: 'medium',
  profiles: ['server-core'],
  async run(ctx) {
    // A folder without metadata yet: neither v1 nor 2.x, so the v1 API may lock it.
    const f = await makeEncryptedFolder(ctx, 'alice', 'v1-lock');
    const first = await ctx.request('alice', 'POST', v1Path(`/lock/${f.id}`));
    expectStatus(first, 200, 'v1 lock without a counter');
    const token = dataString(first, 'e2e-token', 'v1 lock');
    const again = await ctx.request('alice', 'POST', v1Path(`/lock/${f.id}`));
    // 403 in every status profile, unlike the v2 lock's profile status (E2EE-LOCK-013).
    expectStatus(again, 403, 'a second v1 lock without the token');
    expectStatus(
      await ctx.request('alice', 'DELETE', v1Path(`/lock/${f.id}`), {
        headers: { 'e2e-token': token },
      }),
      200,
      'v1 unlock',
    );
  },
};

const v1RefusesV2Folder: ServerCheck = {
  id: 'v1/refuses-v2-folder',
  title: 'v1 lock, unlock and meta-data refuse a folder whose committed document is 2.x (403)',
  requirements: ['E2EE-API-130'],
  level: 'MUST',
  importance: 'critical',
  profiles: ['server-core'],
  async run(ctx) {
    const f = await committedFolder(ctx, 'alice', 'v2-folder', V2_DOC);
    expectStatus(
      await ctx.request('alice', 'POST', v1Path(`/lock/${f.id}`)),
      403,
      'v1 lock of a 2.x folder',
    );
    expectStatus(
      await ctx.request('alice', 'GET', v1Path(`/meta-data/${f.id}`)),
      403,
      'v1 GET meta-data of a 2.x folder',
    );
    // Under a v2 lock, the v1 unlock must still refuse (and leave the v2 lock in place).
    const token = await lock(ctx, 'alice', f.id, 2);
    expectStatus(
      await ctx.request('alice', 'DELETE', v1Path(`/lock/${f.id}`), {
        headers: { 'e2e-token': token },
      }),
      403,
      'v1 unlock of a 2.x folder',
    );
    expectStatus(await unlock(ctx, 'alice', f.id, token, true), 200, 'v2 unlock (abort)');
  },
};

/** A v1 metadata document (the server reads only its version). */
const v1Doc = (label: string) =>
  JSON.stringify({ metadata: { metadataKeys: { '0': label }, version: 1 }, files: {} });

const v1MetadataNoLockNoSignature: ServerCheck = {
  id: 'v1/metadata-without-signature-or-counter',
  title:
    'v1 meta-data takes no signature or counter: POST and DELETE need no lock, PUT the token parameter',
  requirements: ['E2EE-API-131'],
  level: 'MUST',
  importance: 'medium',
  profiles: ['server-core'],
  async run(ctx) {
    const f = await makeEncryptedFolder(ctx, 'alice', 'v1-metadata');
    const meta = v1Path(`/meta-data/${f.id}`);
    const first = v1Doc('first');
    expectStatus(
      await ctx.request('alice', 'POST', meta, form({ metaData: first })),
      200,
      'v1 POST meta-data without a lock or a signature',
    );
    const v1Lock = async () => {
      const r = await ctx.request('alice', 'POST', v1Path(`/lock/${f.id}`));
      expectStatus(r, 200, 'v1 lock without a counter');
      return dataString(r, 'e2e-token', 'v1 lock');
    };
    const v1Unlock = async (token: string) =>
      expectStatus(
        await ctx.request('alice', 'DELETE', v1Path(`/lock/${f.id}`), {
          headers: { 'e2e-token': token },
        }),
        200,
        'v1 unlock',
      );
    const expectDoc = async (want: string, what: string) => {
      const r = await ctx.request('alice', 'GET', meta);
      expectStatus(r, 200, `v1 GET meta-data ${what}`);
      const got = dataString(r, 'meta-data', 'v1 GET meta-data');
      if (got !== want)
        throw new CheckFailure(`v1 GET meta-data ${what}: not the document written`, {
          expected: want,
          actual: got,
        });
    };
    // The v1 unlock commits the folder's own intermediate document.
    await v1Unlock(await v1Lock());
    await expectDoc(first, 'after the POST');
    const second = v1Doc('second');
    const token = await v1Lock();
    // The token as the request parameter, not the header; no signature.
    expectStatus(
      await ctx.request('alice', 'PUT', meta, form({ metaData: second, 'e2e-token': token })),
      200,
      'v1 PUT meta-data with the e2e-token parameter and no signature',
    );
    await v1Unlock(token);
    await expectDoc(second, 'after the PUT');
    expectStatus(
      await ctx.request('alice', 'DELETE', meta),
      200,
      'v1 DELETE meta-data without a lock',
    );
  },
};

const v1FiledropRoute: ServerCheck = {
  id: 'legacy-v1/filedrop-route',
  title: 'The v1 filedrop route merges like v2 in nc30 and nc32, and is gone (404) in nc33',
  requirements: ['E2EE-API-433'],
  level: 'MUST',
  importance: 'low',
  profiles: ['server-filedrop'],
  async run(ctx) {
    const f = await committedFolder(ctx, 'alice', 'v1-drop', V2_DOC);
    const entry = { ciphertext: 'drop', nonce: 'n', authenticationTag: 't', users: [] };
    const r = await ctx.request(
      'alice',
      'PUT',
      v1Path(`/meta-data/${f.id}/filedrop`),
      form({ filedrop: JSON.stringify({ v1entry: entry }) }),
    );
    const gone = ctx.statusProfile === 'nc33';
    expectStatus(r, gone ? 404 : 200, 'PUT v1 filedrop');
    const doc = await ctx.request('alice', 'GET', `${V2_META}/${f.id}?format=json`);
    expectStatus(doc, 200, 'GET meta-data');
    const stored = dataString(doc, 'meta-data', 'GET meta-data');
    if (stored.includes('v1entry') === gone)
      throw new CheckFailure(
        gone ? 'the refused v1 filedrop was stored' : 'the v1 filedrop entry is missing',
        { expected: gone ? 'no v1entry' : 'v1entry', actual: stored.slice(0, 200) },
      );
  },
};

/** The legacy v1 checks, in report order. */
export const LEGACY_V1_CHECKS: readonly ServerCheck[] = [
  v1LockNoCounter,
  v1RefusesV2Folder,
  v1MetadataNoLockNoSignature,
  v1FiledropRoute,
];
