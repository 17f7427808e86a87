import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { aesGcmDecrypt } from '../../src/_internal/aesgcm.js';
import { MemoryPinStore } from '../../src/certs/index.js';
import { decryptFile } from '../../src/files/index.js';
import {
  addFile,
  createFolder,
  createSubfolder,
  openFolder,
  type FolderChange,
  type FolderState,
} from '../../src/folders/index.js';
import { parseMetadataDocumentV2 } from '../../src/metadata/index.js';
import {
  addMember,
  assertRecipientsAuthorized,
  reencryptFolder,
  removeMember,
} from '../../src/sharing/index.js';
import { makeIdentity, makeServerKey, type Identity } from '../_support/identities.js';
import { ctxOf, makeWorld, ServerStore, type World } from './_world.js';
import { onlySignerVersionLowered } from '../_support/cms.js';

const ROOT = '0123456789abcdef0123456789abcdef';
const code = (c: string) => expect.objectContaining({ code: c });
let world: World;
let bobOtherKey: Identity;
let bobOtherServer: Identity;
beforeAll(async () => {
  world = await makeWorld(['alice', 'bob', 'carol']);
  bobOtherKey = await makeIdentity('bob', world.server);
  bobOtherServer = await makeIdentity('bob', makeServerKey());
});
const member = (id: string) => ({ userId: id, certificate: world.users[id]!.certPem });
const alice = () => ctxOf(world.users.alice!);

/** alice's folder with a file in the root and one in a sub-folder, shared with bob. */
async function sharedFolder() {
  const server = new ServerStore();
  const pins = new MemoryPinStore();
  let state: FolderState;
  const step = (c: FolderChange) => {
    server.record(c);
    state = c.state;
  };
  step(await createFolder(alice(), ROOT));
  step(
    await addFile(state!, alice(), {
      folderId: ROOT,
      filename: 'a.txt',
      content: new Uint8Array(64).fill(1),
    }),
  );
  const sub = await createSubfolder(state!, alice(), { parentId: ROOT, name: 'sub' });
  step(sub);
  step(
    await addFile(state!, alice(), {
      folderId: sub.folderId,
      filename: 'b.txt',
      content: new Uint8Array(64).fill(2),
    }),
  );
  const opts = { serverPublicKey: world.server.spkiDer, pins };
  step(await addMember(state!, alice(), member('bob'), opts));
  return { server, pins, state: state!, step, get: () => state, subId: sub.folderId };
}

const openAs = (
  server: ServerStore,
  id: string,
  previousMembers?: { userId: string; certificate: string }[],
) =>
  openFolder({
    rootId: ROOT,
    root: server.docs.get(ROOT)!,
    subfolders: server.subfolders(ROOT),
    userId: id,
    privateKey: world.users[id]!.pkcs8,
    serverPublicKey: world.server.spkiDer,
    ...(previousMembers ? { previousMembers } : {}),
  });

describe('sharing/members', () => {
  it('E2EE-SHARE-021: E2EE-SHARE-022: adding a member rotates the key, appends its checksum and re-encrypts every document', async () => {
    const f = await sharedFolder();
    const bobView = await openAs(f.server, 'bob');
    expect(bobView.members.map((m) => m.userId)).toEqual(['alice', 'bob']);
    expect(bobView.docs[ROOT]!.keyChecksums).toHaveLength(2);
    expect(Object.keys(bobView.docs).sort()).toEqual([ROOT, f.subId].sort());
    const c = await addMember(f.state, alice(), member('carol'), {
      serverPublicKey: world.server.spkiDer,
      pins: f.pins,
    });
    expect(c.metadata.map((m) => m.folderId).sort()).toEqual([ROOT, f.subId].sort());
    for (const m of c.metadata) {
      const d = parseMetadataDocumentV2(m.document);
      // The old key opens none of the new documents.
      expect(() => aesGcmDecrypt(f.state.metadataKey, d.nonce, d.ciphertext)).toThrow(
        code('AEAD_TAG_MISMATCH'),
      );
    }
    expect(c.state.docs[ROOT]!.keyChecksums).toHaveLength(3);
    expect(c.bodies).toEqual([]);
  });

  it('E2EE-SHARE-020: a recipient certificate must be issued by the server key, name the user and match the pin', async () => {
    const f = await sharedFolder();
    const opts = { serverPublicKey: world.server.spkiDer, pins: f.pins };
    const removed = await removeMember(f.state, alice(), 'bob');
    const s = removed.state;
    await expect(
      addMember(s, alice(), { userId: 'bob', certificate: bobOtherServer.certPem }, opts),
    ).rejects.toThrow(code('CERT_UNTRUSTED'));
    await expect(
      addMember(s, alice(), { userId: 'bob', certificate: world.users.carol!.certPem }, opts),
    ).rejects.toThrow(code('CERT_USER_MISMATCH'));
    // bob was pinned when first shared; a new key for bob, even server-signed, is KEY_CHANGED.
    await expect(
      addMember(s, alice(), { userId: 'bob', certificate: bobOtherKey.certPem }, opts),
    ).rejects.toThrow(code('KEY_CHANGED'));
    await expect(addMember(f.state, alice(), member('bob'), opts)).rejects.toThrow(
      code('ALREADY_EXISTS'),
    );
    await expect(addMember(s, alice(), member('bob'), opts)).resolves.toBeDefined();
  });

  it('E2EE-SEC-053: a member the server put into the fetched users list is never wrapped to: RECIPIENT_NOT_AUTHORIZED', async () => {
    const f = await sharedFolder();
    const opts = { serverPublicKey: world.server.spkiDer, pins: f.pins };
    const fetched = ['alice', 'bob', 'carol'];
    await expect(
      addMember(f.state, alice(), member('carol'), {
        ...opts,
        fetchedUserIds: fetched,
      }),
    ).rejects.toThrow(code('RECIPIENT_NOT_AUTHORIZED'));
    await expect(
      removeMember(f.state, alice(), 'bob', { fetchedUserIds: fetched }),
    ).rejects.toThrow(code('RECIPIENT_NOT_AUTHORIZED'));
    expect(() => assertRecipientsAuthorized(f.state.members, ['alice', 'bob'])).not.toThrow();
    // Whatever happens, the documents written wrap keys only for the state's members.
    const r = await removeMember(f.state, alice(), 'bob', { fetchedUserIds: ['alice', 'bob'] });
    const root = parseMetadataDocumentV2(r.metadata.find((m) => m.folderId === ROOT)!.document);
    expect(root.users.map((u) => u.userId)).toEqual(['alice']);
  });

  it('E2EE-SEC-054: after bob is removed, a root document signed by bob is rejected by a client that verified the previous version', async () => {
    const f = await sharedFolder();
    const r = await removeMember(f.state, alice(), 'bob');
    f.step(r);
    const previous = r.state.members.map((m) => ({ ...m }));
    await expect(openAs(f.server, 'alice', previous)).resolves.toBeDefined();
    // bob (removed, colluding with the server) writes a root document re-adding himself, with
    // the key wrapped for alice too, so that only the previous-member rule can refuse it.
    const bob = ctxOf(world.users.bob!);
    const created = await createFolder(bob, ROOT);
    const forged = await addMember(created.state, bob, member('alice'), {
      serverPublicKey: world.server.spkiDer,
      pins: new MemoryPinStore(),
    });
    const root = forged.metadata.find((m) => m.folderId === ROOT)!;
    f.server.docs.set(ROOT, { document: root.document, signature: root.signature });
    await expect(openAs(f.server, 'alice')).resolves.toBeDefined();
    await expect(openAs(f.server, 'alice', previous)).rejects.toThrow(code('SIGNER_NOT_MEMBER'));
  });

  it('E2EE-SEC-800: E2EE-SEC-801: E2EE-SHARE-026: removal reports exposed files; re-encryption gives every file a new key so nothing the removed member held opens the stored bodies', async () => {
    const f = await sharedFolder();
    const bobView = await openAs(f.server, 'bob');
    const bobFileKeys = Object.values(bobView.docs).flatMap((d) => Object.values(d.files));
    const r = await removeMember(f.state, alice(), 'bob');
    f.step(r);
    expect(r.exposedFiles.map((e) => e.filename).sort()).toEqual(['a.txt', 'b.txt']);
    expect(r.bodies).toEqual([]);
    // Without re-encryption, the stored bodies still open with the keys bob saw (the documented limit).
    for (const fk of bobFileKeys) {
      const id = Object.entries(f.get().docs)
        .flatMap(([, d]) => Object.entries(d.files))
        .find(([, x]) => x.filename === fk.filename)![0];
      expect(
        decryptFile(f.server.bodies.get(id)!, { key: fk.key, nonce: fk.nonce }),
      ).toBeInstanceOf(Uint8Array);
    }
    let written = 0;
    const re = await reencryptFolder(f.get(), alice(), {
      readBody: (_folder, id) => [f.server.bodies.get(id)!],
      writeBody: async (_folder, id, body) => {
        const parts: Uint8Array[] = [];
        for await (const c of body) parts.push(c);
        f.server.bodies.set(id, new Uint8Array(Buffer.concat(parts)));
        written++;
      },
    });
    f.step(re);
    expect(written).toBe(2);
    expect(re.reencryptedBytes).toBe(2 * (64 + 16));
    for (const [id, body] of f.server.bodies) {
      for (const fk of bobFileKeys) {
        expect(() => decryptFile(body, { key: fk.key, nonce: fk.nonce })).toThrow(
          code('AEAD_TAG_MISMATCH'),
        );
      }
      const entry = Object.values(re.state.docs).find((d) => Object.hasOwn(d.files, id))!.files[
        id
      ]!;
      expect(
        decryptFile(body, { key: entry.key, nonce: entry.nonce, tag: entry.authenticationTag })[0],
      ).toBe(entry.filename === 'a.txt' ? 1 : 2);
    }
    await expect(openAs(f.server, 'alice')).resolves.toBeDefined();
  });

  it('E2EE-SHARE-026: re-encryption fails closed when a stored body was tampered with', async () => {
    const f = await sharedFolder();
    const id = Object.keys(f.state.docs[ROOT]!.files)[0]!;
    const bad = f.server.bodies.get(id)!.slice();
    bad[3]! ^= 1;
    await expect(
      reencryptFolder(f.state, alice(), {
        readBody: (_f, oid) => [oid === id ? bad : f.server.bodies.get(oid)!],
        writeBody: async (_f, _oid, body) => {
          for await (const c of body) void c;
        },
      }),
    ).rejects.toThrow(code('AEAD_TAG_MISMATCH'));
  });

  it('E2EE-SEC-803: every flipped byte of a metadata document, its signature or a body is rejected', async () => {
    const f = await sharedFolder();
    const root = f.server.docs.get(ROOT)!;
    const id = Object.keys(f.state.docs[ROOT]!.files)[0]!;
    const entry = f.state.docs[ROOT]!.files[id]!;
    const body = f.server.bodies.get(id)!;
    const flip = (s: string, at: number) => {
      const b = Buffer.from(s, 'utf8');
      b[at % b.length]! ^= 1 << (at % 7);
      return b.toString('latin1');
    };
    await fc.assert(
      fc.asyncProperty(
        fc.nat(),
        fc.constantFrom('document', 'signature', 'body'),
        async (at, where) => {
          if (where === 'body') {
            const b = body.slice();
            b[at % b.length]! ^= 1;
            expect(() =>
              decryptFile(b, { key: entry.key, nonce: entry.nonce, tag: entry.authenticationTag }),
            ).toThrow(code('AEAD_TAG_MISMATCH'));
            return;
          }
          const doc =
            where === 'document'
              ? { ...root, document: flip(root.document, at) }
              : { ...root, signature: flip(root.signature, at) };
          const server = new ServerStore();
          server.docs = new Map(f.server.docs);
          server.docs.set(ROOT, doc);
          const err = await openAs(server, 'bob').then(
            () => undefined,
            (e: unknown) => e,
          );
          if (err === undefined && where === 'signature') {
            // The one change of a signature that carries no meaning and still verifies:
            // SignerInfo version 1 → 0 (tolerance `android-signer-version`, E2EE-META-800).
            // Every other byte, the embedded certificate included (E2EE-META-130), is bound.
            const before = Buffer.from(root.signature, 'base64');
            const after = Buffer.from(doc.signature, 'base64');
            expect(onlySignerVersionLowered(before, after)).toBe(true);
            return;
          }
          expect(err).toEqual(expect.objectContaining({ code: expect.any(String) }));
        },
      ),
      { numRuns: 40 },
    );
  });
});
