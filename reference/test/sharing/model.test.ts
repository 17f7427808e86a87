import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { aesGcmDecrypt } from '../../src/_internal/aesgcm.js';
import { equalBytes, toHex } from '../../src/_internal/bytes.js';
import { MemoryPinStore } from '../../src/certs/index.js';
import { decryptFile } from '../../src/files/index.js';
import {
  addFile,
  createFolder,
  createSubfolder,
  deleteFile,
  deleteSubfolder,
  openFolder,
  renameFile,
  updateFile,
  type FolderChange,
  type FolderState,
} from '../../src/folders/index.js';
import { decryptMetadata, parseMetadataDocumentV2 } from '../../src/metadata/index.js';
import {
  addMember,
  createFiledropEntry,
  mergeFiledrop,
  removeMember,
} from '../../src/sharing/index.js';
import { ctxOf, makeWorld, ServerStore, type World } from './_world.js';

let world: World;
beforeAll(async () => {
  world = await makeWorld();
});

const ROOT = 'root0000000000000000000000000001';

type Op =
  | { t: 'add'; folder: number; size: number }
  | { t: 'update'; file: number; size: number }
  | { t: 'rename'; file: number }
  | { t: 'delete'; file: number }
  | { t: 'mkdir'; folder: number }
  | { t: 'rmdir'; folder: number }
  | { t: 'share'; user: number }
  | { t: 'unshare'; user: number }
  | { t: 'filedrop'; size: number }
  | { t: 'actor'; user: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ t: fc.constant('add' as const), folder: fc.nat(), size: fc.nat(300) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ t: fc.constant('update' as const), file: fc.nat(), size: fc.nat(300) }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('rename' as const), file: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('delete' as const), file: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('mkdir' as const), folder: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('rmdir' as const), folder: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('share' as const), user: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('unshare' as const), user: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('filedrop' as const), size: fc.nat(200) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('actor' as const), user: fc.nat() }) },
);

interface Window {
  user: string;
  from: number;
  to: number;
  metaKeys: Uint8Array[];
  fileKeys: { key: Uint8Array; nonce: Uint8Array }[];
}

const pick = <T>(xs: readonly T[], i: number): T | undefined =>
  xs.length === 0 ? undefined : xs[i % xs.length];

/** Runs one random history and checks every invariant on it. */
async function runHistory(
  ops: Op[],
  sizeSeed: number,
): Promise<{ checkedAfterRemoval: number; members: number; files: number }> {
  let checkedAfterRemoval = 0;
  const server = new ServerStore();
  const contents = new Map<string, Uint8Array>();
  const windows: Window[] = [];
  const held = new Map<
    string,
    { meta: Map<string, Uint8Array>; files: Map<string, { key: Uint8Array; nonce: Uint8Array }> }
  >();
  let actor = 'alice';
  let names = 0;
  const content = (size: number) =>
    new Uint8Array(size).map((_, i) => (i * 131 + size + sizeSeed + names) & 0xff);

  const change: FolderChange = await createFolder(ctxOf(world.users.alice!), ROOT);
  server.record(change);
  let state: FolderState = change.state;
  const pins = new MemoryPinStore();

  const noteHeld = () => {
    for (const m of state.members) {
      if (!held.has(m.userId)) held.set(m.userId, { meta: new Map(), files: new Map() });
      const h = held.get(m.userId)!;
      h.meta.set(toHex(state.metadataKey), state.metadataKey);
      for (const doc of Object.values(state.docs)) {
        for (const f of Object.values(doc.files))
          h.files.set(toHex(f.key), { key: f.key, nonce: f.nonce });
      }
    }
  };
  noteHeld();

  for (const op of ops) {
    const ctx = ctxOf(world.users[actor]!);
    const folders = Object.keys(state.docs);
    const files = Object.values(state.docs).flatMap((d) => Object.keys(d.files));
    const subfolders = Object.keys(state.parents);
    const memberIds = state.members.map((m) => m.userId);
    const nonMembers = Object.keys(world.users).filter((u) => !memberIds.includes(u));
    let next: FolderChange | undefined;
    switch (op.t) {
      case 'add': {
        const c = content(op.size);
        const r = await addFile(state, ctx, {
          folderId: pick(folders, op.folder)!,
          filename: `f${names++}`,
          content: c,
        });
        contents.set(r.fileId, c);
        next = r;
        break;
      }
      case 'update': {
        const id = pick(files, op.file);
        if (!id) break;
        const c = content(op.size);
        next = await updateFile(state, ctx, { fileId: id, content: c });
        contents.set(id, c);
        break;
      }
      case 'rename': {
        const id = pick(files, op.file);
        if (id) next = await renameFile(state, ctx, { fileId: id, filename: `r${names++}` });
        break;
      }
      case 'delete': {
        const id = pick(files, op.file);
        if (!id) break;
        next = await deleteFile(state, ctx, { fileId: id });
        contents.delete(id);
        break;
      }
      case 'mkdir':
        next = await createSubfolder(state, ctx, {
          parentId: pick(folders, op.folder)!,
          name: `d${names++}`,
        });
        break;
      case 'rmdir': {
        const id = pick(subfolders, op.folder);
        if (!id) break;
        next = await deleteSubfolder(state, ctx, { folderId: id });
        for (const f of files)
          if (!Object.values(next.state.docs).some((d) => Object.hasOwn(d.files, f)))
            contents.delete(f);
        break;
      }
      case 'share': {
        const u = pick(nonMembers, op.user);
        if (!u) break;
        next = await addMember(
          state,
          ctx,
          { userId: u, certificate: world.users[u]!.certPem },
          {
            serverPublicKey: world.server.spkiDer,
            pins,
            fetchedUserIds: memberIds,
          },
        );
        for (const w of windows) if (w.user === u && w.to === Infinity) w.to = server.step;
        break;
      }
      case 'unshare': {
        const u = pick(
          memberIds.filter((m) => m !== actor),
          op.user,
        );
        if (!u) break;
        const r = await removeMember(state, ctx, u, { fetchedUserIds: memberIds });
        // E2EE-SEC-801: every file the removed member could read is reported.
        expect(r.exposedFiles.map((f) => f.fileId).sort()).toEqual([...files].sort());
        const h = held.get(u)!;
        windows.push({
          user: u,
          from: server.step + 1,
          to: Infinity,
          metaKeys: [...h.meta.values()],
          fileKeys: [...h.files.values()],
        });
        next = r;
        break;
      }
      case 'filedrop': {
        const c = content(op.size);
        const drop = createFiledropEntry({
          content: c,
          filename: `drop${names++}`,
          recipients: state.members,
          serverPublicKey: world.server.spkiDer,
        });
        server.bodies.set(drop.fileId, drop.body);
        const r = await mergeFiledrop(state, ctx, { [drop.fileId]: drop.entry });
        expect(r.merged).toEqual([drop.fileId]);
        contents.set(drop.fileId, c);
        const f = r.state.docs[ROOT]!.files[drop.fileId]!;
        server.history.push({
          step: server.step + 1,
          kind: 'body',
          folderId: ROOT,
          isRoot: false,
          key: f.key,
          nonce: f.nonce,
          body: drop.body,
          objectId: drop.fileId,
        });
        next = r;
        break;
      }
      case 'actor':
        actor = pick(memberIds, op.user)!;
        break;
    }
    if (next) {
      server.record(next);
      state = next.state;
      noteHeld();
      if (!state.members.some((m) => m.userId === actor)) actor = 'alice';
    }
  }

  // C3 / E2EE-SEC-050: no (key, nonce) pair repeats across the whole history.
  const pairs = server.keyNoncePairs();
  expect(new Set(pairs).size).toBe(pairs.length);

  // Every current member opens the folder (signatures, unwrap, every sub-folder) and decrypts
  // every file to its current content.
  for (const m of state.members) {
    const u = world.users[m.userId]!;
    const opened = await openFolder({
      rootId: ROOT,
      root: server.docs.get(ROOT)!,
      subfolders: server.subfolders(ROOT),
      userId: u.userId,
      privateKey: u.pkcs8,
      serverPublicKey: world.server.spkiDer,
    });
    expect(Object.keys(opened.docs).sort()).toEqual(Object.keys(state.docs).sort());
    let n = 0;
    for (const [fid, doc] of Object.entries(opened.docs)) {
      expect(Object.keys(doc.folders).sort()).toEqual(Object.keys(state.docs[fid]!.folders).sort());
      for (const [id, f] of Object.entries(doc.files)) {
        expect(f.filename).toBe(state.docs[fid]!.files[id]!.filename);
        const plain = decryptFile(server.bodies.get(id)!, {
          key: f.key,
          nonce: f.nonce,
          tag: f.authenticationTag,
        });
        expect(equalBytes(plain, contents.get(id)!)).toBe(true);
        n++;
      }
    }
    expect(n).toBe(contents.size);
  }

  // R1 / E2EE-SEC-051: nothing written after a removal (until a re-add) opens with the removed
  // member's private key or any key they held.
  for (const w of windows) {
    const u = world.users[w.user]!;
    for (const item of server.history.filter((h) => h.step >= w.from && h.step <= w.to)) {
      checkedAfterRemoval++;
      if (item.kind === 'metadata') {
        const doc = parseMetadataDocumentV2(item.document!);
        if (item.isRoot) {
          expect(() =>
            decryptMetadata({ document: doc, userId: u.userId, privateKey: u.pkcs8 }),
          ).toThrow(expect.objectContaining({ code: 'METADATA_KEY_MISSING' }));
          // A forged entry for them that copies another member's entry is refused before any
          // unwrap: its certificate does not hold their key (E2EE-META-045, unconditional).
          const other = doc.users[0]!;
          expect(() =>
            decryptMetadata({
              document: { ...doc, users: [{ ...other, userId: u.userId }] },
              userId: u.userId,
              privateKey: u.pkcs8,
            }),
          ).toThrow(expect.objectContaining({ code: 'KEY_MISMATCH' }));
        }
        for (const k of w.metaKeys) {
          expect(() => aesGcmDecrypt(k, doc.nonce, doc.ciphertext)).toThrow(
            expect.objectContaining({ code: 'AEAD_TAG_MISMATCH' }),
          );
        }
      } else {
        expect(w.fileKeys.some((fk) => equalBytes(fk.key, item.key))).toBe(false);
        for (const fk of w.fileKeys.slice(0, 4)) {
          expect(() => decryptFile(item.body!, { key: fk.key, nonce: item.nonce })).toThrow(
            expect.objectContaining({ code: 'AEAD_TAG_MISMATCH' }),
          );
        }
      }
    }
  }
  return { checkedAfterRemoval, members: state.members.length, files: contents.size };
}

describe('folders and sharing: model-based histories', () => {
  it(
    'random histories (uploads, updates, renames, deletes, sub-folders, shares, unshares, filedrops) with 2-4 users keep every invariant',
    {
      meta: {
        requirements: [
          'E2EE-SEC-050',
          'E2EE-SEC-051',
          'E2EE-SEC-800',
          'E2EE-SEC-801',
          'E2EE-SEC-053',
          'E2EE-SHARE-001',
          'E2EE-SHARE-002',
          'E2EE-SHARE-021',
          'E2EE-SHARE-022',
          'E2EE-SHARE-023',
          'E2EE-SHARE-035',
        ],
      },
    },
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(opArb, { minLength: 3, maxLength: 14 }),
          fc.nat(255),
          async (ops, seed) => {
            await runHistory(ops, seed);
          },
        ),
        { numRuns: 12 },
      );
    },
  );

  it('E2EE-SEC-051: a fixed history with share, unshare, update and re-share keeps every invariant', async () => {
    const r = await runHistory(
      [
        { t: 'add', folder: 0, size: 100 },
        { t: 'mkdir', folder: 0 },
        { t: 'add', folder: 1, size: 50 },
        { t: 'share', user: 0 },
        { t: 'share', user: 0 },
        { t: 'actor', user: 1 },
        { t: 'unshare', user: 1 },
        { t: 'update', file: 0, size: 70 },
        { t: 'filedrop', size: 30 },
        { t: 'add', folder: 1, size: 10 },
        { t: 'share', user: 0 },
        { t: 'rename', file: 1 },
        { t: 'rmdir', folder: 0 },
      ],
      1,
    );
    expect(r.checkedAfterRemoval).toBeGreaterThan(5);
    expect(r.members).toBe(3);
    expect(r.files).toBeGreaterThan(0);
  });
});
