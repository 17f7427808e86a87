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
  enrol,
  openTopFolder,
  shareFolder,
  unshareFolder,
  uploadFile,
  type Device,
  type FolderHandle,
} from '../../src/client/index.js';
import { e2ee } from '../../src/http/index.js';
import { MemoryPinStore } from '../../src/certs/index.js';
import { createFolder, type FolderContext } from '../../src/folders/index.js';
import { addMember } from '../../src/sharing/index.js';
import type { Identity } from '../_support/identities.js';
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
} as const;
type Uid = keyof typeof PASSWORDS;

const text = (s: string) => new TextEncoder().encode(s);
const fastRetry = { attempts: 3, delayMs: 1, sleep: async () => undefined };

let server: MaliciousServer;
const devices: Partial<Record<Uid, Device>> = {};

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
  readers: readonly Device[],
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
    devices[uid] = (
      await enrol({ account: account(uid), transport: server.transport, retry: fastRetry })
    ).device;
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

  it('E2EE-API-310: E2EE-CERT-032: a folder whose document lists a re-minted certificate for a pinned member is KEY_CHANGED', async () => {
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
});
