/**
 * Every reference client flow end to end against `sealfold serve` over real HTTP on loopback,
 * with two and three users, and a kill -9 / restart on the same data directory in the middle.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createTopFolder,
  deleteTopFolder,
  downloadFile,
  dropFile,
  enrol,
  makeSubfolder,
  mergeDroppedFiles,
  openTopFolder,
  recover,
  removeFile,
  removeSubfolder,
  renameFileTo,
  replaceFile,
  shareFolder,
  unshareFolder,
  uploadFile,
  type Device,
  type FolderHandle,
} from '../../src/client/index.js';
import { recordingTransport, fetchTransport, e2ee } from '../../src/http/index.js';
import { decryptMetadata } from '../../src/metadata/index.js';
import { MemoryStateStore } from '../../src/state/index.js';
import { MemoryPinStore } from '../../src/certs/index.js';
import { serve, usersFile, type ServedServer } from './_serve.js';

const PASSWORDS = { alice: 'alice-pw', bob: 'bob-pw', carol: 'carol-pw' } as const;
const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array) => new TextDecoder().decode(b);
const SECRET_NAME = 'MARKER-secret-plan.txt';
const SECRET_BODY = 'MARKER-plaintext-body';

function flowsAgainst(profile: 'nc32' | 'nc30'): void {
  let server: ServedServer;
  const dataDir = mkdtempSync(join(tmpdir(), 'sealfold-flows-'));
  const users = usersFile(PASSWORDS);
  const traffic = recordingTransport(fetchTransport);
  const account = (uid: keyof typeof PASSWORDS) => ({
    baseUrl: server.url,
    userId: uid,
    password: PASSWORDS[uid],
  });
  const devices: Partial<Record<keyof typeof PASSWORDS, Device>> = {};
  const mnemonics: Partial<Record<keyof typeof PASSWORDS, string[]>> = {};
  const fastRetry = {
    attempts: 5,
    delayMs: 5,
    sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
  };

  beforeAll(async () => {
    server = await serve(['--data-dir', dataDir, '--users', users, '--profile', profile]);
    // The transport reads the current URL, so devices survive a restart on another port.
    for (const uid of ['alice', 'bob', 'carol'] as const) {
      const r = await enrol({
        account: account(uid),
        transport: traffic.transport,
        retry: fastRetry,
      });
      devices[uid] = r.device;
      mnemonics[uid] = r.mnemonic;
    }
  });

  afterAll(async () => {
    await server?.stop();
  });

  function onServer(d: Device): Device {
    return { ...d, ctx: { ...d.ctx, account: { ...d.ctx.account, baseUrl: server.url } } };
  }

  describe(`reference client over HTTP against sealfold serve --profile ${profile}`, () => {
    let alice: FolderHandle;
    let fileA: string;
    let subId: string;
    let fileInSub: string;

    it('E2EE-API-302: enrols three users; a second device recovers with the mnemonic', async () => {
      const second = await recover({
        account: account('bob'),
        transport: traffic.transport,
        mnemonic: mnemonics.bob!,
        retry: fastRetry,
      });
      expect(second.certificate).toBe(devices.bob!.certificate);
      expect(Buffer.from(second.privateKey).equals(Buffer.from(devices.bob!.privateKey))).toBe(
        true,
      );
      devices.bob = second;
    });

    it('E2EE-API-304: recovery with a wrong mnemonic fails closed', async () => {
      const wrong = [...mnemonics.alice!];
      wrong[0] = wrong[0] === 'abandon' ? 'ability' : 'abandon';
      await expect(
        recover({
          account: account('alice'),
          mnemonic: wrong,
          pins: new MemoryPinStore(),
          state: new MemoryStateStore(),
        }),
      ).rejects.toMatchObject({ code: 'AEAD_TAG_MISMATCH' });
    });

    it('E2EE-API-305: creates a top folder, uploads, creates a sub-folder, renames, updates and downloads', async () => {
      const d = devices.alice!;
      alice = await createTopFolder(d, 'e2e');
      const up = await uploadFile(d, alice, { filename: SECRET_NAME, content: text(SECRET_BODY) });
      alice = up.handle;
      fileA = up.fileId;
      const sub = await makeSubfolder(d, alice, 'docs');
      alice = sub.handle;
      subId = sub.folderId;
      const inSub = await uploadFile(d, alice, {
        filename: 'inner.txt',
        content: text('inside'),
        folderId: subId,
      });
      alice = inSub.handle;
      fileInSub = inSub.fileId;
      alice = await renameFileTo(d, alice, fileInSub, 'renamed.txt');
      alice = await replaceFile(d, alice, { fileId: fileA, content: text(`${SECRET_BODY} v2`) });
      const reopened = await openTopFolder(d, 'e2e');
      expect(reopened.state.docs[subId]!.files[fileInSub]!.filename).toBe('renamed.txt');
      expect(str(await downloadFile(d, reopened, fileA))).toBe(`${SECRET_BODY} v2`);
      expect(str(await downloadFile(d, reopened, fileInSub))).toBe('inside');
    });

    it('E2EE-API-804: shares with two users; both read everything; a member writes too', async () => {
      alice = await shareFolder(devices.alice!, alice, 'bob');
      alice = await shareFolder(devices.alice!, alice, 'carol');
      expect(alice.state.members.map((m) => m.userId).sort()).toEqual(['alice', 'bob', 'carol']);
      for (const uid of ['bob', 'carol'] as const) {
        const h = await openTopFolder(devices[uid]!, 'e2e');
        expect(str(await downloadFile(devices[uid]!, h, fileA))).toBe(`${SECRET_BODY} v2`);
        expect(str(await downloadFile(devices[uid]!, h, fileInSub))).toBe('inside');
      }
      const bobHandle = await openTopFolder(devices.bob!, 'e2e');
      const r = await uploadFile(devices.bob!, bobHandle, {
        filename: 'from-bob.txt',
        content: text('hi'),
      });
      alice = await openTopFolder(devices.alice!, 'e2e');
      expect(str(await downloadFile(devices.alice!, alice, r.fileId))).toBe('hi');
    });

    it('E2EE-API-305 E2EE-API-307: two members writing at once both succeed (conflicts re-read and retried)', async () => {
      const [a, b] = await Promise.all([
        openTopFolder(devices.alice!, 'e2e'),
        openTopFolder(devices.bob!, 'e2e'),
      ]);
      const [ra, rb] = await Promise.all([
        uploadFile(devices.alice!, a, { filename: 'race-a.txt', content: text('a') }),
        uploadFile(devices.bob!, b, { filename: 'race-b.txt', content: text('b') }),
      ]);
      const after = await openTopFolder(devices.carol!, 'e2e');
      expect(str(await downloadFile(devices.carol!, after, ra.fileId))).toBe('a');
      expect(str(await downloadFile(devices.carol!, after, rb.fileId))).toBe('b');
      alice = after;
    });

    it('E2EE-API-311: a server killed with SIGKILL and restarted on its data dir loses nothing committed', async () => {
      await server.stop('SIGKILL');
      server = await serve(['--data-dir', dataDir, '--users', users, '--profile', profile]);
      for (const uid of ['alice', 'bob', 'carol'] as const) devices[uid] = onServer(devices[uid]!);
      alice = await openTopFolder(devices.alice!, 'e2e');
      expect(str(await downloadFile(devices.alice!, alice, fileA))).toBe(`${SECRET_BODY} v2`);
      expect(Object.keys(alice.state.docs)).toContain(subId);
      // The devices' pins still hold: same server key after the restart.
      alice = (
        await uploadFile(devices.alice!, alice, {
          filename: 'after-restart.txt',
          content: text('ok'),
        })
      ).handle;
    });

    it('E2EE-API-805: revoking a member rotates the key; nothing written afterwards opens with their key', async () => {
      const r = await unshareFolder(devices.alice!, alice, 'bob');
      alice = r.handle;
      expect(r.exposedFiles.length).toBeGreaterThan(0);
      alice = (
        await uploadFile(devices.alice!, alice, {
          filename: 'after-removal.txt',
          content: text('new'),
        })
      ).handle;
      const stored = await e2ee.getMetadata(devices.alice!.ctx, alice.state.rootId);
      expect(() =>
        decryptMetadata({
          document: stored.document,
          userId: 'bob',
          privateKey: devices.bob!.privateKey,
        }),
      ).toThrow(expect.objectContaining({ code: 'METADATA_KEY_MISSING' }));
      await expect(openTopFolder(devices.bob!, 'e2e')).rejects.toHaveProperty('code');
      const carol = await openTopFolder(devices.carol!, 'e2e');
      expect(Object.keys(carol.state.docs[carol.state.rootId]!.files).length).toBeGreaterThan(0);
    });

    it('E2EE-API-312: a filedrop is posted without a lock and merged by a member', async () => {
      const { fileId: dropped } = await dropFile(devices.carol!, 'e2e', {
        filename: 'dropped.txt',
        content: text('drop'),
      });
      const m = await mergeDroppedFiles(devices.alice!, await openTopFolder(devices.alice!, 'e2e'));
      alice = m.handle;
      expect(m.merged).toEqual([dropped]);
      expect(str(await downloadFile(devices.alice!, alice, dropped))).toBe('drop');
    });

    it('E2EE-API-306: deletes files and sub-folders, then the top folder', async () => {
      alice = await removeFile(devices.alice!, alice, fileA);
      alice = await removeSubfolder(devices.alice!, alice, subId);
      expect(Object.keys(alice.state.docs)).toEqual([alice.state.rootId]);
      await deleteTopFolder(devices.alice!, alice);
      await expect(openTopFolder(devices.alice!, 'e2e')).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
    });

    it('E2EE-SEC-003: no mnemonic word sequence, clear file name or plaintext ever reached the server', () => {
      const sent = traffic.log
        .map(({ request }) => {
          const headers = { ...request.headers, authorization: undefined };
          return (
            request.url +
            JSON.stringify(headers) +
            (request.body ? Buffer.from(request.body).toString('latin1') : '')
          );
        })
        .join('\n');
      expect(traffic.log.length).toBeGreaterThan(50);
      expect(sent).not.toContain('MARKER');
      for (const words of Object.values(mnemonics)) {
        expect(sent).not.toContain(words!.join(' '));
        expect(sent).not.toContain(words!.join(''));
      }
    });
  });
}

flowsAgainst('nc32');
flowsAgainst('nc30');
