/**
 * The reference client against a malicious server, over real HTTP: `sealfold serve` behind a
 * transport that rewrites its answers, with certificates minted under the server's own CA key
 * (./_malicious.ts). Each test mounts one attack of the threat model on one client-side check and
 * expects exactly one code, so that removing the check makes the test fail (the kill table,
 * ./KILL-TABLE.md, and `npm run mutants` check that).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTopFolder,
  downloadFile,
  dropFile,
  enrol,
  makeSubfolder,
  openTopFolder,
  recover,
  shareFolder,
  unshareFolder,
  uploadFile,
  type Device,
  type FolderHandle,
} from '../../src/client/index.js';
import { e2ee } from '../../src/http/index.js';
import {
  markPinVerified,
  MemoryPinStore,
  parseCertificate,
  pinIdentity,
} from '../../src/certs/index.js';
import { sha256Hex } from '../../src/_internal/bytes.js';
import { certificateToPem, parseCsr } from '../../src/certs/index.js';
import { issueCertificate } from '../certs/_ca.js';
import { MemoryStateStore } from '../../src/state/index.js';
import { parseMetadataDocumentV2 } from '../../src/metadata/index.js';
import { createFolder, type FolderContext } from '../../src/folders/index.js';
import { addMember } from '../../src/sharing/index.js';
import type { Identity } from '../_support/identities.js';
import { nextTestKeyPair } from '../_support/test-keys.js';
import {
  isCall,
  metadataAnswer,
  ocsData,
  startMalicious,
  withOcsData,
  type MaliciousServer,
} from './_malicious.js';

const PASSWORDS = {
  alice: 'alice-pw',
  bob: 'bob-pw',
  carol: 'carol-pw',
  dave: 'dave-pw',
  erin: 'erin-pw',
} as const;
type Uid = keyof typeof PASSWORDS;

const text = (s: string) => new TextEncoder().encode(s);
const fastRetry = { attempts: 3, delayMs: 1, sleep: async () => undefined };

let server: MaliciousServer;
const devices: Partial<Record<Uid, Device>> = {};
const mnemonics: Partial<Record<Uid, string[]>> = {};

function account(uid: Uid) {
  return { baseUrl: server.url, userId: uid, password: PASSWORDS[uid] };
}

function device(uid: Uid): Device {
  return devices[uid]!;
}

function ctxOf(id: Identity): FolderContext {
  return { signer: { userId: id.userId, certificate: id.certPem, privateKey: id.pkcs8 } };
}

/** A root document for `rootId` that `signer` made and that wraps the key for `readers` too. */
async function forgedRoot(
  signer: FolderContext,
  rootId: string,
  readers: readonly { userId: string; certificate: string }[],
): Promise<{ document: string; signature: string }> {
  let change = await createFolder(signer, rootId);
  for (const r of readers) {
    change = await addMember(
      change.state,
      signer,
      { userId: r.userId, certificate: r.certificate },
      { serverPublicKey: server.ca.spkiDer, pins: new MemoryPinStore() },
    );
  }
  const root = change.metadata.find((m) => m.folderId === rootId)!;
  return { document: root.document, signature: root.signature };
}

/** Serves `doc` for every `GET /meta-data/{rootId}` from now on. */
function serveDocument(rootId: string, doc: { document: string; signature: string }) {
  return server.rewrite((req, res) =>
    isCall(req, 'GET', `/meta-data/${rootId}`) && res.status === 200
      ? metadataAnswer(res, doc)
      : undefined,
  );
}

beforeAll(async () => {
  server = await startMalicious(PASSWORDS);
  for (const uid of ['alice', 'bob', 'carol'] as const) {
    const r = await enrol({ account: account(uid), transport: server.transport, retry: fastRetry });
    devices[uid] = r.device;
    mnemonics[uid] = r.mnemonic;
  }
});

afterAll(async () => {
  await server?.stop();
});

describe('reference client against a malicious server over HTTP', () => {
  it('E2EE-API-302: E2EE-CERT-016: enrolment refuses a CA-valid certificate for another key with KEY_MISMATCH and uploads no private key', async () => {
    const substitute = await server.mint('dave');
    const undo = server.rewrite((req, res) =>
      isCall(req, 'POST', '/public-key') && res.status === 200
        ? withOcsData(res, { ...(ocsData(res) as object), 'public-key': substitute.certPem })
        : undefined,
    );
    const before = server.sent.length;
    try {
      await expect(
        enrol({ account: account('dave'), transport: server.transport, retry: fastRetry }),
      ).rejects.toMatchObject({ code: 'KEY_MISMATCH' });
    } finally {
      undo();
    }
    const after = server.sent.slice(before);
    expect(after.some((s) => s.startsWith('POST') && s.endsWith('/public-key'))).toBe(true);
    expect(after.filter((s) => s.endsWith('/private-key'))).toEqual([]);
  });

  it('E2EE-API-803: E2EE-CERT-805: a folder whose document lists a re-minted certificate for a pinned member is KEY_CHANGED', async () => {
    // alice pins bob's key by opening a folder bob shared with her.
    const first = await createTopFolder(device('bob'), 'bob-first');
    await shareFolder(device('bob'), first, 'alice');
    await openTopFolder(device('alice'), 'bob-first');
    // bob shares a second folder; alice has never opened it (no member set, no high-water mark).
    let second = await createTopFolder(device('bob'), 'bob-second');
    second = await shareFolder(device('bob'), second, 'alice');
    // The server mints a certificate for "bob" with its own key and serves a document signed
    // with it that wraps a key of its choosing for alice: signature, membership and CA all hold.
    const fakeBob = await server.mint('bob');
    const undo = serveDocument(
      second.state.rootId,
      await forgedRoot(ctxOf(fakeBob), second.state.rootId, [device('alice')]),
    );
    try {
      await expect(openTopFolder(device('alice'), 'bob-second')).rejects.toMatchObject({
        code: 'KEY_CHANGED',
      });
    } finally {
      undo();
    }
    await expect(openTopFolder(device('alice'), 'bob-second')).resolves.toBeDefined();
  });

  it('E2EE-SEC-054: E2EE-META-126: after bob is removed, a root document bob signs to re-add himself is SIGNER_NOT_MEMBER', async () => {
    let h: FolderHandle = await createTopFolder(device('alice'), 'alice-removes-bob');
    h = await shareFolder(device('alice'), h, 'bob');
    h = (await unshareFolder(device('alice'), h, 'bob')).handle;
    // bob (removed) colludes with the server: a document with his real, pinned certificate,
    // signed by him, listing him and alice, with a key wrapped for both.
    const undo = serveDocument(
      h.state.rootId,
      await forgedRoot(
        {
          signer: {
            userId: 'bob',
            certificate: device('bob').certificate,
            privateKey: device('bob').privateKey,
          },
        },
        h.state.rootId,
        [device('alice')],
      ),
    );
    try {
      await expect(openTopFolder(device('alice'), 'alice-removes-bob')).rejects.toMatchObject({
        code: 'SIGNER_NOT_MEMBER',
      });
    } finally {
      undo();
    }
  });

  it('E2EE-API-309: E2EE-META-062: a replayed older root document (valid signature, older counter) is COUNTER_ROLLBACK', async () => {
    let h = await createTopFolder(device('alice'), 'alice-rollback');
    h = (await uploadFile(device('alice'), h, { filename: 'a.txt', content: text('one') })).handle;
    const old = await e2ee.getMetadata(device('alice').ctx, h.state.rootId);
    h = (await uploadFile(device('alice'), h, { filename: 'b.txt', content: text('two') })).handle;
    const undo = serveDocument(h.state.rootId, {
      document: old.document,
      signature: old.signature!,
    });
    try {
      await expect(openTopFolder(device('alice'), 'alice-rollback')).rejects.toMatchObject({
        code: 'COUNTER_ROLLBACK',
      });
    } finally {
      undo();
    }
  });

  describe('filedrop recipients come only from a verified root document (E2EE-SHARE-809)', () => {
    /** Requests that would put a dropped file on the server (its body or its entry). */
    const uploads = (from: number) =>
      server.sent.slice(from).filter((r) => r.startsWith('PUT') || r.startsWith('POST /ocs'));
    const drop = (d: Device, path: string) =>
      dropFile(d, path, { filename: 'dropped.txt', content: text('for the members only') });
    const asMember = (d: Device) => ({ userId: d.userId, certificate: d.certificate });
    let box: FolderHandle;

    beforeAll(async () => {
      // alice's folder, reachable by carol (an OCS share) although carol is not a member; carol
      // drops once and so pins alice. bob is a member and has opened it.
      box = await createTopFolder(device('alice'), 'drop-box');
      box = await shareFolder(device('alice'), box, 'bob');
      await openTopFolder(device('bob'), 'drop-box');
      await e2ee.createUserShare(device('alice').ctx, 'drop-box', 'carol');
    });

    it('E2EE-SHARE-810: E2EE-SHARE-037: an honest drop goes to the members of the verified document and pins them; the result names them', async () => {
      const first = await drop(device('carol'), 'drop-box');
      expect(first.recipients).toEqual(['alice', 'bob']);
      expect(first.warnings.map((w) => [w.userId, w.firstContact])).toEqual([
        ['alice', true],
        ['bob', true],
      ]);
      // carol has pinned alice and bob now, which the attacks below rely on.
      expect(await device('carol').pins.get(pinIdentity('user', 'alice'))).toBeDefined();
    });

    it('E2EE-SHARE-811: E2EE-SEC-053: E2EE-CERT-035: a re-minted owner certificate plus a server-chosen recipient is KEY_CHANGED, and nothing is uploaded', async () => {
      const fakeAlice = await server.mint('alice');
      const mallory = await server.mint('mallory');
      const undo = serveDocument(
        box.state.rootId,
        await forgedRoot(ctxOf(fakeAlice), box.state.rootId, [
          { userId: 'mallory', certificate: mallory.certPem },
        ]),
      );
      const from = server.sent.length;
      try {
        await expect(drop(device('carol'), 'drop-box')).rejects.toMatchObject({
          code: 'KEY_CHANGED',
        });
      } finally {
        undo();
      }
      expect(uploads(from)).toEqual([]);
      // A refused document pins nobody, not even the recipients before the failing one.
      expect(await device('carol').pins.get(pinIdentity('user', 'mallory'))).toBeUndefined();
    });

    it("E2EE-SHARE-809: a recipient the server adds to the users list without a member's signature is SIGNATURE_INVALID, even on a device with no pins", async () => {
      const mallory = await server.mint('mallory');
      const undo = server.rewrite((req, res) => {
        if (!isCall(req, 'GET', `/meta-data/${box.state.rootId}`) || res.status !== 200) return;
        const { 'meta-data': document } = ocsData(res) as { 'meta-data': string };
        const outer = JSON.parse(document) as { users: Array<Record<string, string>> };
        outer.users.push({ ...outer.users[0]!, userId: 'mallory', certificate: mallory.certPem });
        return withOcsData(res, { 'meta-data': JSON.stringify(outer) });
      });
      const fresh = await recover({
        account: account('carol'),
        transport: server.transport,
        mnemonic: mnemonics.carol!,
        pins: new MemoryPinStore(),
        state: new MemoryStateStore(),
      });
      const from = server.sent.length;
      try {
        for (const d of [device('carol'), fresh]) {
          await expect(drop(d, 'drop-box')).rejects.toMatchObject({ code: 'SIGNATURE_INVALID' });
        }
      } finally {
        undo();
      }
      expect(uploads(from)).toEqual([]);
    });

    it('E2EE-SHARE-037: the limit: a device that verified the folder before refuses a recipient added by a new signer (SIGNER_NOT_MEMBER); one that only pinned the members accepts it and reports the first contact', async () => {
      // The server mints "mallory" and signs, as mallory, a document listing the real alice
      // and mallory: every certificate is CA-valid, alice's matches her pin.
      const mallory = await server.mint('mallory');
      const undo = serveDocument(
        box.state.rootId,
        await forgedRoot(ctxOf(mallory), box.state.rootId, [asMember(device('alice'))]),
      );
      try {
        // bob verified the folder as a member: the signer must be one of its members.
        await expect(drop(device('bob'), 'drop-box')).rejects.toMatchObject({
          code: 'SIGNER_NOT_MEMBER',
        });
        // carol only dropped before: nothing tells her mallory is not a member. The drop goes
        // to mallory, and the result says so: a first contact, unverified.
        const r = await drop(device('carol'), 'drop-box');
        expect([...r.recipients].sort()).toEqual(['alice', 'mallory']);
        expect(r.warnings.find((w) => w.userId === 'mallory')).toMatchObject({
          kind: 'unverified-recipient',
          firstContact: true,
        });
        expect(r.warnings.find((w) => w.userId === 'alice')).toMatchObject({
          firstContact: false,
        });
      } finally {
        undo();
      }
    });

    it('E2EE-SHARE-037: the limit: an uploader with no pins accepts a document made entirely of certificates the server minted, and reports every recipient as a first contact', async () => {
      const fakeAlice = await server.mint('alice');
      const undo = serveDocument(
        box.state.rootId,
        await forgedRoot(ctxOf(fakeAlice), box.state.rootId, []),
      );
      const fresh = await recover({
        account: account('carol'),
        transport: server.transport,
        mnemonic: mnemonics.carol!,
        pins: new MemoryPinStore(),
        state: new MemoryStateStore(),
      });
      try {
        const r = await drop(fresh, 'drop-box');
        expect(r.recipients).toEqual(['alice']);
        expect(r.warnings).toEqual([
          {
            kind: 'unverified-recipient',
            userId: 'alice',
            spkiSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
            firstContact: true,
          },
        ]);
        // The key carol now holds for "alice" is the server's, not alice's.
        const served = parseMetadataDocumentV2(
          (await e2ee.getMetadata(fresh.ctx, box.state.rootId)).document,
        );
        expect(served.users[0]!.certificate).not.toBe(device('alice').certificate);
      } finally {
        undo();
      }
    });
  });

  it('E2EE-CERT-039: E2EE-CERT-812: sharing reports an unverified recipient with its fingerprint; once the user verified it, the next share reports nothing', async () => {
    const carolPin = pinIdentity('user', 'carol');
    const knownBefore = (await device('alice').pins.get(carolPin)) !== undefined;
    const h = await createTopFolder(device('alice'), 'share-verified-1');
    const shared = await shareFolder(device('alice'), h, 'carol');
    // What carol reads out to alice over another channel: her own key's fingerprint.
    const carolFingerprint = sha256Hex(parseCertificate(device('carol').certificate).spki);
    expect(shared.warnings).toEqual([
      {
        kind: 'unverified-recipient',
        userId: 'carol',
        spkiSha256: carolFingerprint,
        firstContact: !knownBefore,
      },
    ]);
    await markPinVerified(device('alice').pins, carolPin, carolFingerprint);
    const again = await shareFolder(
      device('alice'),
      await createTopFolder(device('alice'), 'share-verified-2'),
      'carol',
    );
    expect(again.warnings).toEqual([]);
  });

  it("E2EE-API-302: E2EE-CERT-012: enrolment refuses a certificate for the device's own key issued under another CA key with CERT_UNTRUSTED, and uploads no private key", async () => {
    const otherCa = nextTestKeyPair();
    const undo = server.rewrite(async (req, res) => {
      if (!isCall(req, 'POST', '/public-key') || res.status !== 200) return;
      const csr = new URLSearchParams(Buffer.from(req.body!).toString('utf8')).get('csr')!;
      const der = await issueCertificate({
        caPkcs8: otherCa.pkcs8,
        subjectSpki: parseCsr(csr).spki,
        cns: ['erin'],
      });
      return withOcsData(res, { ...(ocsData(res) as object), 'public-key': certificateToPem(der) });
    });
    const before = server.sent.length;
    try {
      await expect(
        enrol({ account: account('erin'), transport: server.transport, retry: fastRetry }),
      ).rejects.toMatchObject({ code: 'CERT_UNTRUSTED' });
    } finally {
      undo();
    }
    expect(server.sent.slice(before).filter((s) => s.endsWith('/private-key'))).toEqual([]);
  });

  it('E2EE-API-304: recovery on a new device refuses a CA-valid certificate for another key with KEY_MISMATCH', async () => {
    const substitute = await server.mint('carol');
    const undo = server.rewrite((req, res) =>
      isCall(req, 'GET', '/public-key') && res.status === 200
        ? withOcsData(res, { 'public-keys': { carol: substitute.certPem } })
        : undefined,
    );
    try {
      await expect(
        recover({
          account: account('carol'),
          transport: server.transport,
          mnemonic: mnemonics.carol!,
          pins: new MemoryPinStore(),
          state: new MemoryStateStore(),
        }),
      ).rejects.toMatchObject({ code: 'KEY_MISMATCH' });
    } finally {
      undo();
    }
  });

  it('E2EE-API-804: E2EE-SHARE-020: sharing with a pinned user whose certificate the server re-minted is KEY_CHANGED; the OCS share is withdrawn and the member set is unchanged', async () => {
    // alice pinned bob when she opened a folder bob shared (first tests).
    expect(await device('alice').pins.get(pinIdentity('user', 'bob'))).toBeDefined();
    const fakeBob = await server.mint('bob');
    const h = await createTopFolder(device('alice'), 'share-substituted');
    const undo = server.rewrite((req, res) =>
      isCall(req, 'GET', '/public-key') && res.status === 200
        ? withOcsData(res, { 'public-keys': { bob: fakeBob.certPem } })
        : undefined,
    );
    const before = server.sent.length;
    try {
      await expect(shareFolder(device('alice'), h, 'bob')).rejects.toMatchObject({
        code: 'KEY_CHANGED',
      });
    } finally {
      undo();
    }
    const after = server.sent.slice(before);
    expect(after.filter((s) => s.startsWith('DELETE') && /\/shares\/\d+$/.test(s))).toHaveLength(1);
    expect(after.filter((s) => s.startsWith('PUT') && s.includes('/meta-data/'))).toEqual([]);
    const reopened = await openTopFolder(device('alice'), 'share-substituted');
    expect(reopened.state.members.map((m) => m.userId)).toEqual(['alice']);
  });

  it("E2EE-SEC-804: a tree whose sub-folder document is tampered with is refused and leaves the device's pins and marks exactly as they were", async () => {
    let h = await createTopFolder(device('bob'), 'bob-tree-sec004');
    const sub = await makeSubfolder(device('bob'), h, 'inner');
    h = await shareFolder(device('bob'), sub.handle, 'carol');
    const subFileId = h.locations[sub.folderId]!.fileId;
    const honest = await e2ee.getMetadata(device('bob').ctx, subFileId);
    // A fresh device of carol: it has never seen bob, the folder or its marks.
    const pins = new MemoryPinStore();
    const fresh = await recover({
      account: account('carol'),
      pins,
      mnemonic: mnemonics.carol!,
      transport: server.transport,
      retry: fastRetry,
    });
    const snapshot = async () => ({
      pins: await pins.list(),
      state: await Promise.all(
        (await fresh.state.keys()).map(async (k) => [k, await fresh.state.get(k)] as const),
      ),
    });
    const before = await snapshot();
    // The root is honest (it passes, and would pin bob and set a mark); the sub-folder document
    // has one byte of its ciphertext changed.
    const tampered = honest.document.replace(
      /"ciphertext":"(.)/,
      (_m, c: string) => `"ciphertext":"${c === 'A' ? 'B' : 'A'}`,
    );
    expect(tampered).not.toBe(honest.document);
    const undo = server.rewrite((req, res) =>
      isCall(req, 'GET', `/meta-data/${subFileId}`) && res.status === 200
        ? metadataAnswer(res, { document: tampered, signature: honest.signature! })
        : undefined,
    );
    try {
      await expect(openTopFolder(fresh, 'bob-tree-sec004')).rejects.toMatchObject({
        code: 'SIGNATURE_INVALID',
      });
    } finally {
      undo();
    }
    expect(await snapshot()).toEqual(before);
    // The same read without the tampering does write: the snapshot would have seen a change.
    await openTopFolder(fresh, 'bob-tree-sec004');
    expect(await snapshot()).not.toEqual(before);
  });

  it('E2EE-API-306: a transaction whose document upload fails is unlocked with abort=true, and the folder keeps its committed state', async () => {
    let h = await createTopFolder(device('alice'), 'abort-on-failure');
    h = (await uploadFile(device('alice'), h, { filename: 'kept.txt', content: text('1') })).handle;
    const rootId = h.state.rootId;
    const undo = server.rewrite((req, res) =>
      isCall(req, 'PUT', `/meta-data/${rootId}`)
        ? { ...res, status: 500, body: new TextEncoder().encode('{}') }
        : undefined,
    );
    const before = server.requests.length;
    try {
      await expect(
        uploadFile(device('alice'), h, { filename: 'lost.txt', content: text('2') }),
      ).rejects.toMatchObject({ code: 'SERVER_ERROR' });
    } finally {
      undo();
    }
    const unlocks = server.requests
      .slice(before)
      .filter((r) => r.method === 'DELETE' && new URL(r.url).pathname.endsWith(`/lock/${rootId}`));
    expect(unlocks.map((r) => new URL(r.url).searchParams.get('abort'))).toEqual(['true']);
    const reopened = await openTopFolder(device('alice'), 'abort-on-failure');
    expect(Object.values(reopened.state.docs[rootId]!.files).map((f) => f.filename)).toEqual([
      'kept.txt',
    ]);
  });

  it('E2EE-SHARE-802: a file body the server no longer serves is NOT_FOUND, and the folder still lists the file', async () => {
    let h = await createTopFolder(device('alice'), 'missing-body');
    const up = await uploadFile(device('alice'), h, { filename: 'kept.txt', content: text('k') });
    h = up.handle;
    const undo = server.rewrite((req, res) =>
      req.method === 'GET' && new URL(req.url).pathname.endsWith(`/${up.fileId}`)
        ? { ...res, status: 404, body: new Uint8Array(0) }
        : undefined,
    );
    try {
      await expect(downloadFile(device('alice'), h, up.fileId)).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
      // The missing body deleted nothing: the handle and a fresh read still list the file.
      expect(Object.keys(h.state.docs[h.state.rootId]!.files)).toContain(up.fileId);
      const reopened = await openTopFolder(device('alice'), 'missing-body');
      expect(Object.keys(reopened.state.docs[h.state.rootId]!.files)).toEqual([up.fileId]);
    } finally {
      undo();
    }
    expect(new TextDecoder().decode(await downloadFile(device('alice'), h, up.fileId))).toBe('k');
  });

  it('E2EE-API-309: a member dropped from the users list without a new signature is SIGNATURE_INVALID', async () => {
    let h = await createTopFolder(device('alice'), 'drop-a-member');
    h = await shareFolder(device('alice'), h, 'bob');
    const undo = server.rewrite((req, res) => {
      if (!isCall(req, 'GET', `/meta-data/${h.state.rootId}`) || res.status !== 200) return;
      const { 'meta-data': document } = ocsData(res) as { 'meta-data': string };
      const outer = JSON.parse(document) as { users: Array<{ userId: string }> };
      outer.users = outer.users.filter((u) => u.userId !== 'bob');
      return withOcsData(res, { 'meta-data': JSON.stringify(outer) });
    });
    try {
      await expect(openTopFolder(device('alice'), 'drop-a-member')).rejects.toMatchObject({
        code: 'SIGNATURE_INVALID',
      });
    } finally {
      undo();
    }
  });

  it('E2EE-CERT-039: opening reports the unverified signers of the documents it accepted, not the user herself; after verification, nothing', async () => {
    await shareFolder(
      device('bob'),
      await createTopFolder(device('bob'), 'signed-by-bob'),
      'alice',
    );
    const bobPin = pinIdentity('user', 'bob');
    const bobFingerprint = sha256Hex(parseCertificate(device('bob').certificate).spki);
    const opened = await openTopFolder(device('alice'), 'signed-by-bob');
    expect(opened.warnings).toEqual([
      {
        kind: 'unverified-signer',
        userId: 'bob',
        spkiSha256: bobFingerprint,
        // alice pinned bob in an earlier test of this file.
        firstContact: false,
      },
    ]);
    // bob's own device reports nothing for his own signature.
    expect((await openTopFolder(device('bob'), 'signed-by-bob')).warnings).toEqual([]);
    await markPinVerified(device('alice').pins, bobPin, bobFingerprint);
    expect((await openTopFolder(device('alice'), 'signed-by-bob')).warnings).toEqual([]);
  });
});
