import { beforeAll, describe, expect, it } from 'vitest';
import { equalBytes } from '../../src/_internal/bytes.js';
import { decryptFile, encryptFile } from '../../src/files/index.js';
import {
  addFile,
  createFolder,
  createSubfolder,
  deleteFile,
  deleteSubfolder,
  markTopFolderDeleted,
  openFolder,
  renameFile,
  renameSubfolder,
  updateFile,
  type FolderState,
} from '../../src/folders/index.js';
import { parseMetadataDocumentV2 } from '../../src/metadata/index.js';
import { commit } from '../../src/_internal/folder-commit.js';
import { ctxOf, makeWorld, ServerStore, type World } from '../sharing/_world.js';

const ROOT = 'aaaabbbbccccddddeeeeffff00001111';
const code = (c: string) => expect.objectContaining({ code: c });
let world: World;
let alice: ReturnType<typeof ctxOf>;
beforeAll(async () => {
  world = await makeWorld(['alice', 'bob']);
  alice = ctxOf(world.users.alice!);
});

async function open(server: ServerStore) {
  const u = world.users.alice!;
  return openFolder({
    rootId: ROOT,
    root: server.docs.get(ROOT)!,
    subfolders: server.subfolders(ROOT),
    userId: 'alice',
    privateKey: u.pkcs8,
    serverPublicKey: world.server.spkiDer,
  });
}

async function fresh(): Promise<{ state: FolderState; server: ServerStore }> {
  const server = new ServerStore();
  const c = await createFolder(alice, ROOT);
  server.record(c);
  return { state: c.state, server };
}

describe('folders/operations', () => {
  it('E2EE-FILE-805: the entry of an added and of an updated file records the tag its body ends with', async () => {
    const { state } = await fresh();
    const a = await addFile(state, alice, {
      folderId: ROOT,
      filename: 'a.txt',
      content: new Uint8Array([1, 2, 3]),
    });
    const u = await updateFile(a.state, alice, { fileId: a.fileId, content: new Uint8Array(40) });
    for (const [change, s] of [
      [a, a.state],
      [u, u.state],
    ] as const) {
      const body = change.bodies[0]!.body;
      const entry = s.docs[ROOT]!.files[a.fileId]!;
      expect(entry.authenticationTag).toHaveLength(16);
      expect(equalBytes(entry.authenticationTag, body.slice(body.length - 16))).toBe(true);
    }
  });

  it('E2EE-SHARE-001: E2EE-SHARE-803: E2EE-SHARE-805: add then update: counter +1 each time, same id, new key and nonce, body decrypts', async () => {
    const { state, server } = await fresh();
    expect(state.docs[ROOT]!.counter).toBe(1);
    const a = await addFile(state, alice, {
      folderId: ROOT,
      filename: 'a.txt',
      content: new Uint8Array([1, 2, 3]),
    });
    server.record(a);
    expect(a.fileId).toMatch(/^[0-9a-f]{32}$/);
    expect(a.bodies).toHaveLength(1);
    expect(a.metadata.map((m) => m.counter)).toEqual([2]);
    const u = await updateFile(a.state, alice, {
      fileId: a.fileId,
      content: new Uint8Array([4, 5]),
    });
    server.record(u);
    const before = a.state.docs[ROOT]!.files[a.fileId]!;
    const after = u.state.docs[ROOT]!.files[a.fileId]!;
    expect(u.bodies[0]!.objectId).toBe(a.fileId);
    expect(after.filename).toBe('a.txt');
    expect(equalBytes(before.key, after.key)).toBe(false);
    expect(equalBytes(before.nonce, after.nonce)).toBe(false);
    expect(u.metadata[0]!.counter).toBe(3);
    expect(
      decryptFile(u.bodies[0]!.body, {
        key: after.key,
        nonce: after.nonce,
        tag: after.authenticationTag,
      }),
    ).toEqual(new Uint8Array([4, 5]));
    const opened = await open(server);
    expect(opened.docs[ROOT]!.counter).toBe(3);
    // A body encrypted by the caller (streaming) is recorded without a body upload.
    const pre = encryptFile(new Uint8Array(10));
    const b = await addFile(u.state, alice, {
      folderId: ROOT,
      filename: 'big.bin',
      encrypted: pre,
    });
    expect(b.bodies).toEqual([]);
    expect(equalBytes(b.state.docs[ROOT]!.files[b.fileId]!.key, pre.key)).toBe(true);
  });

  it('E2EE-SHARE-005: rename changes only the filename: no body, same key, nonce and tag', async () => {
    const { state } = await fresh();
    const a = await addFile(state, alice, {
      folderId: ROOT,
      filename: 'a.txt',
      content: new Uint8Array(5),
    });
    const r = await renameFile(a.state, alice, { fileId: a.fileId, filename: 'b.txt' });
    expect(r.bodies).toEqual([]);
    expect(r.deletions).toEqual([]);
    const f0 = a.state.docs[ROOT]!.files[a.fileId]!;
    const f1 = r.state.docs[ROOT]!.files[a.fileId]!;
    expect(f1).toEqual({ ...f0, filename: 'b.txt' });
  });

  it('E2EE-SHARE-006: delete removes the entry and deletes the object in the same change', async () => {
    const { state } = await fresh();
    const a = await addFile(state, alice, {
      folderId: ROOT,
      filename: 'a.txt',
      content: new Uint8Array(5),
    });
    const d = await deleteFile(a.state, alice, { fileId: a.fileId });
    expect(d.deletions).toEqual([{ folderId: ROOT, objectId: a.fileId }]);
    expect(d.state.docs[ROOT]!.files).toEqual({});
    expect(d.metadata).toHaveLength(1);
    await expect(deleteFile(d.state, alice, { fileId: a.fileId })).rejects.toThrow(
      code('NOT_FOUND'),
    );
  });

  it('E2EE-SHARE-007: names are unique per folder; unsafe names are rejected', async () => {
    const { state } = await fresh();
    const a = await addFile(state, alice, {
      folderId: ROOT,
      filename: 'a.txt',
      content: new Uint8Array(1),
    });
    await expect(
      addFile(a.state, alice, { folderId: ROOT, filename: 'a.txt', content: new Uint8Array(1) }),
    ).rejects.toThrow(code('ALREADY_EXISTS'));
    const s = await createSubfolder(a.state, alice, { parentId: ROOT, name: 'dir' });
    await expect(renameFile(s.state, alice, { fileId: a.fileId, filename: 'dir' })).rejects.toThrow(
      code('ALREADY_EXISTS'),
    );
    for (const bad of ['', '.', '..', 'a/b', 'a\\b', 'a\0b']) {
      await expect(
        addFile(a.state, alice, { folderId: ROOT, filename: bad, content: new Uint8Array(1) }),
      ).rejects.toThrow(code('INPUT_MALFORMED'));
    }
  });

  it('E2EE-SHARE-002: E2EE-SHARE-008: sub-folders: first document counter 1 without users under the root key; delete removes the subtree', async () => {
    const { state, server } = await fresh();
    const s1 = await createSubfolder(state, alice, { parentId: ROOT, name: 'docs' });
    server.record(s1);
    expect(s1.metadata.map((m) => [m.folderId, m.counter])).toEqual([
      [ROOT, 2],
      [s1.folderId, 1],
    ]);
    const sub = parseMetadataDocumentV2(s1.metadata[1]!.document);
    expect(sub.usersPresent).toBe(false);
    expect(s1.state.docs[s1.folderId]!.keyChecksums).toEqual([]);
    const s2 = await createSubfolder(s1.state, alice, { parentId: s1.folderId, name: 'deeper' });
    server.record(s2);
    const f = await addFile(s2.state, alice, {
      folderId: s2.folderId,
      filename: 'x',
      content: new Uint8Array(2),
    });
    server.record(f);
    const rn = await renameSubfolder(f.state, alice, { folderId: s2.folderId, name: 'renamed' });
    server.record(rn);
    expect(rn.metadata.map((m) => m.folderId)).toEqual([s1.folderId]);
    const opened = await open(server);
    expect(opened.docs[s1.folderId]!.folders[s2.folderId]).toBe('renamed');
    expect(Object.keys(opened.docs[s2.folderId]!.files)).toEqual([f.fileId]);
    const del = await deleteSubfolder(rn.state, alice, { folderId: s1.folderId });
    server.record(del);
    expect(del.deletions).toEqual([{ folderId: ROOT, objectId: s1.folderId }]);
    expect(Object.keys(del.state.docs)).toEqual([ROOT]);
    expect(del.state.parents).toEqual({});
    expect(Object.keys((await open(server)).docs)).toEqual([ROOT]);
  });

  it('E2EE-SHARE-800: E2EE-SHARE-012: deleting the top folder writes a signed deleted:true version; nothing is written afterwards', async () => {
    const { state, server } = await fresh();
    const a = await addFile(state, alice, {
      folderId: ROOT,
      filename: 'a.txt',
      content: new Uint8Array(5),
    });
    server.record(a);
    const d = await markTopFolderDeleted(a.state, alice);
    server.record(d);
    expect(d.metadata).toHaveLength(1);
    const opened = await open(server);
    expect(opened.deleted).toBe(true);
    expect(opened.docs[ROOT]!.files).toEqual({});
    expect(opened.docs[ROOT]!.deleted).toBe(true);
    for (const op of [
      () => addFile(opened, alice, { folderId: ROOT, filename: 'b', content: new Uint8Array(1) }),
      () => createSubfolder(opened, alice, { parentId: ROOT, name: 'x' }),
      () => markTopFolderDeleted(opened, alice),
    ]) {
      await expect(op()).rejects.toThrow(code('FOLDER_DELETED'));
    }
  });

  it('E2EE-SHARE-801: only a tombstone counts as a deletion: a signed deleted:true root that still lists files is METADATA_MALFORMED', async () => {
    const { state, server } = await fresh();
    const a = await addFile(state, alice, {
      folderId: ROOT,
      filename: 'a.txt',
      content: new Uint8Array(5),
    });
    server.record(a);
    // A member (or a buggy client) signs deleted:true without emptying the folder.
    const half = await commit(a.state, alice, {
      docs: { [ROOT]: { ...a.state.docs[ROOT]!, deleted: true } },
      touched: [ROOT],
      deleted: true,
    });
    server.record({ ...half, bodies: [], deletions: [] });
    await expect(open(server)).rejects.toThrow(code('METADATA_MALFORMED'));
  });

  it('E2EE-SHARE-802: a missing sub-folder document is NOT_FOUND, never a deletion', async () => {
    const { state, server } = await fresh();
    const s1 = await createSubfolder(state, alice, { parentId: ROOT, name: 'docs' });
    server.record(s1);
    server.docs.delete(s1.folderId);
    await expect(open(server)).rejects.toThrow(code('NOT_FOUND'));
  });

  it('E2EE-FILE-010: an object id that is not 32 lowercase hex (older Android/iOS ids) is read', async () => {
    const { state, server } = await fresh();
    const a = await addFile(state, alice, {
      folderId: ROOT,
      filename: 'old',
      objectId: 'ia7OEEEyXMoRa1QWQk8r',
      content: new Uint8Array(3),
    });
    server.record(a);
    const opened = await open(server);
    expect(Object.keys(opened.docs[ROOT]!.files)).toEqual(['ia7OEEEyXMoRa1QWQk8r']);
  });

  it('E2EE-SHARE-003: a non-member cannot write, and a member with another certificate neither', async () => {
    const { state } = await fresh();
    const bob = ctxOf(world.users.bob!);
    await expect(
      addFile(state, bob, { folderId: ROOT, filename: 'a', content: new Uint8Array(1) }),
    ).rejects.toThrow(code('SIGNER_NOT_MEMBER'));
    const impostor = { signer: { ...alice.signer, certificate: world.users.bob!.certPem } };
    await expect(createSubfolder(state, impostor, { parentId: ROOT, name: 'x' })).rejects.toThrow(
      code('SIGNER_NOT_MEMBER'),
    );
    await expect(
      addFile(state, alice, { folderId: 'nope', filename: 'a', content: new Uint8Array(1) }),
    ).rejects.toThrow(code('NOT_FOUND'));
  });
});
