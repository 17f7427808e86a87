/**
 * Benchmark section: revoking one member from a folder of many files, metadata-only (the
 * protocol's design: rotate the metadata key, re-encrypt the documents) against re-encrypting
 * the whole folder (new key for every file, every body re-encrypted and re-uploaded).
 *
 * The folder: a root and 9 sub-folders holding `files` files of equal size, `totalMiB` in all;
 * bodies are real AES-GCM bodies on disk, generated before timing starts.
 *
 * @module
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { MemoryPinStore } from '../reference/src/certs/index.js';
import { encryptFileStream, newObjectId } from '../reference/src/files/index.js';
import { readChunks } from '../reference/src/files/index.js';
import {
  createFolder,
  createSubfolder,
  DEFAULT_MIMETYPE,
  type FolderContext,
  type FolderState,
} from '../reference/src/folders/index.js';
import type { MetadataFile } from '../reference/src/metadata/index.js';
import { addMember, reencryptFolder, removeMember } from '../reference/src/sharing/index.js';
import { makeIdentity, makeServerKey } from '../reference/test/_support/identities.js';

const MIB = 1024 * 1024;

export interface RevocationResult {
  files: number;
  totalMiB: number;
  metadataOnly: { ms: number; uploadBytes: number };
  reencrypt: { ms: number; uploadBytes: number };
}

async function drain(src: AsyncIterable<Uint8Array>, path: string): Promise<void> {
  const out = createWriteStream(path);
  for await (const c of src) if (!out.write(c)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
}

async function writeBody(path: string, size: number, seed: number) {
  const chunk = new Uint8Array(Math.min(size, MIB)).map((_, i) => (i * 31 + seed) & 0xff);
  function* plain() {
    for (let left = size; left > 0; left -= chunk.length)
      yield chunk.subarray(0, Math.min(left, chunk.length));
  }
  const enc = encryptFileStream(plain());
  await drain(enc, path);
  return enc.result();
}

/** Builds the folder, then measures both ways of revoking one member. */
export async function measureRevocation(
  files: number,
  totalMiB: number,
): Promise<RevocationResult> {
  const dir = await mkdtemp(join(tmpdir(), 'sealfold-bench-'));
  try {
    const server = makeServerKey();
    const alice = await makeIdentity('alice', server);
    const bob = await makeIdentity('bob', server);
    const ctx: FolderContext = {
      signer: { userId: 'alice', certificate: alice.certPem, privateKey: alice.pkcs8 },
    };
    const rootId = newObjectId();
    let state: FolderState = (await createFolder(ctx, rootId)).state;
    const folderIds = [rootId];
    for (let i = 0; i < 9; i++) {
      const r = await createSubfolder(state, ctx, { parentId: rootId, name: `folder ${i}` });
      state = r.state;
      folderIds.push(r.folderId);
    }
    state = (
      await addMember(
        state,
        ctx,
        { userId: 'bob', certificate: bob.certPem },
        {
          serverPublicKey: server.spkiDer,
          pins: new MemoryPinStore(),
        },
      )
    ).state;

    // The files: real bodies on disk; entries put into the state directly (adding 1,000 files
    // one by one would time 1,000 metadata writes, which is not what this measures).
    const size = Math.floor((totalMiB * MIB) / files);
    const docs = { ...state.docs };
    for (let i = 0; i < files; i++) {
      const folderId = folderIds[i % folderIds.length]!;
      const id = newObjectId();
      const { key, nonce, tag } = await writeBody(join(dir, id), size, i);
      const entry: MetadataFile = {
        filename: `file ${i}.bin`,
        mimetype: DEFAULT_MIMETYPE,
        key,
        nonce,
        authenticationTag: tag,
      };
      docs[folderId] = { ...docs[folderId]!, files: { ...docs[folderId]!.files, [id]: entry } };
    }
    state = { ...state, docs };

    let t = performance.now();
    const removed = await removeMember(state, ctx, 'bob');
    const metaMs = performance.now() - t;
    const metaBytes = removed.metadata.reduce(
      (n, m) => n + m.document.length + m.signature.length,
      0,
    );

    t = performance.now();
    const re = await reencryptFolder(removed.state, ctx, {
      readBody: (_folder, id) => readChunks(join(dir, id)),
      writeBody: (_folder, id, body) => drain(body, join(dir, `${id}.new`)),
    });
    const reMs = performance.now() - t;
    const reMeta = re.metadata.reduce((n, m) => n + m.document.length + m.signature.length, 0);
    return {
      files,
      totalMiB,
      metadataOnly: { ms: metaMs, uploadBytes: metaBytes },
      // Remove, then re-encrypt everything for the remaining members: both steps count.
      reencrypt: { ms: metaMs + reMs, uploadBytes: metaBytes + re.reencryptedBytes + reMeta },
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
