/**
 * Folder operations over a decrypted {@link FolderState} (spec/08-sharing.md §2-§3): pure
 * functions (no HTTP) that return the new state and what to upload. Every operation writes the
 * next version of each folder it touches (counter + 1, fresh metadata nonce, signed); bodies get a
 * fresh file key and nonce on every upload, updates included.
 *
 * Requirements: E2EE-SHARE-001..013, E2EE-FILE-001, E2EE-FILE-009, E2EE-SEC-050.
 *
 * @module
 */
import { abytes, astring, defaultRng } from '../_internal/bytes.js';
import { SealfoldError } from '../errors/index.js';
import {
  encryptFile,
  newObjectId,
  FILE_KEY_LENGTH,
  READER_NONCE_LENGTHS,
  TAG_LENGTH,
  type FileEncryptionResult,
} from '../files/index.js';
import {
  isSafeName,
  newInner,
  newMetadataKey,
  type InnerMetadata,
  type MetadataFile,
} from '../metadata/index.js';
import {
  assertFreeName,
  assertWritable,
  commit,
  docOf,
  folderOfFile,
  objectIdInUse,
} from '../_internal/folder-commit.js';
import type {
  BodyUpload,
  FolderChange,
  FolderContext,
  FolderState,
  ObjectDeletion,
} from './types.js';

/** Default mimetype of files whose type is unknown. */
export const DEFAULT_MIMETYPE = 'application/octet-stream';

function checkName(name: unknown, what: string): string {
  astring(name, what);
  if (!isSafeName(name as string))
    throw new SealfoldError('INPUT_MALFORMED', `"${what}" is not a usable name`);
  return name as string;
}

/** Content to store: plaintext (encrypted here) or a body already encrypted by the caller. */
export type FileContent =
  { readonly content: Uint8Array } | { readonly encrypted: FileEncryptionResult };

function sealContent(
  c: FileContent,
  ctx: FolderContext,
): { entry: FileEncryptionResult; body?: Uint8Array } {
  if ('content' in c) {
    const r = encryptFile(abytes(c.content, 'content'), { rng: ctx.rng ?? defaultRng });
    return { entry: r, body: r.body };
  }
  // A body encrypted with encryptFileStream/encryptFileToPath and uploaded by the caller.
  abytes(c.encrypted.key, 'encrypted.key', FILE_KEY_LENGTH);
  abytes(c.encrypted.nonce, 'encrypted.nonce', ...READER_NONCE_LENGTHS);
  abytes(c.encrypted.tag, 'encrypted.tag', TAG_LENGTH);
  return { entry: c.encrypted };
}

function fileEntry(filename: string, mimetype: string, e: FileEncryptionResult): MetadataFile {
  // E2EE-FILE-805 (MUST, client): the entry records the body's tag.
  return { filename, mimetype, key: e.key, nonce: e.nonce, authenticationTag: e.tag };
}

function withFiles(doc: InnerMetadata, files: Record<string, MetadataFile>): InnerMetadata {
  return { ...doc, files };
}

/**
 * Creates a new top folder whose only member is the signer: a fresh metadata key, counter 1.
 *
 * @param rootId the server id of the (empty) folder just marked encrypted.
 */
export async function createFolder(ctx: FolderContext, rootId: string): Promise<FolderChange> {
  astring(rootId, 'rootId');
  // A fresh metadata key; the first version is written with counter 1 (commit adds 1 to 0).
  const metadataKey = newMetadataKey(ctx.rng ?? defaultRng);
  const base: FolderState = {
    rootId,
    metadataKey,
    members: [{ userId: ctx.signer.userId, certificate: ctx.signer.certificate }],
    docs: { [rootId]: { ...newInner(metadataKey), counter: 0 } },
    parents: {},
    filedrop: {},
    deleted: false,
  };
  const r = await commit(base, ctx, { docs: { ...base.docs }, touched: [rootId] });
  return { ...r, bodies: [], deletions: [] };
}

/**
 * Adds a file to `folderId` under a fresh random object id.
 *
 * @returns the change; `bodies` holds the encrypted body unless the caller passed `encrypted`.
 */
export async function addFile(
  state: FolderState,
  ctx: FolderContext,
  opts: { folderId: string; filename: string; mimetype?: string; objectId?: string } & FileContent,
): Promise<FolderChange & { fileId: string }> {
  assertWritable(state, ctx);
  const doc = docOf(state, opts.folderId);
  const filename = checkName(opts.filename, 'filename');
  assertFreeName(doc, filename);
  // E2EE-FILE-009 (MUST, client): the server-side name is a fresh random id.
  // E2EE-SHARE-803 (MUST, client): a new file gets a new id and a fresh key and nonce.
  const fileId = opts.objectId ?? newObjectId(ctx.rng ?? defaultRng);
  if (objectIdInUse(state, fileId)) {
    throw new SealfoldError('ALREADY_EXISTS', 'the object id is already in use');
  }
  const { entry, body } = sealContent(opts, ctx);
  const files = {
    ...doc.files,
    [fileId]: fileEntry(filename, opts.mimetype ?? DEFAULT_MIMETYPE, entry),
  };
  const r = await commit(state, ctx, {
    docs: { ...state.docs, [opts.folderId]: withFiles(doc, files) },
    touched: [opts.folderId],
  });
  const bodies: BodyUpload[] = body ? [{ folderId: opts.folderId, objectId: fileId, body }] : [];
  return { ...r, bodies, deletions: [], fileId };
}

/**
 * Replaces a file's content: a new body under a NEW key and nonce (never the previous ones),
 * same object id, same name.
 */
export async function updateFile(
  state: FolderState,
  ctx: FolderContext,
  opts: { fileId: string; mimetype?: string } & FileContent,
): Promise<FolderChange> {
  assertWritable(state, ctx);
  const folderId = folderOfFile(state, opts.fileId);
  const doc = docOf(state, folderId);
  const old = doc.files[opts.fileId]!;
  // E2EE-FILE-001, E2EE-SHARE-805 (MUST, client): an update is a new encryption with a fresh key
  // and nonce, recorded in the entry (which keeps its id and name, E2EE-SHARE-804).
  const { entry, body } = sealContent(opts, ctx);
  const files = {
    ...doc.files,
    [opts.fileId]: fileEntry(old.filename, opts.mimetype ?? old.mimetype, entry),
  };
  const r = await commit(state, ctx, {
    docs: { ...state.docs, [folderId]: withFiles(doc, files) },
    touched: [folderId],
  });
  return { ...r, bodies: body ? [{ folderId, objectId: opts.fileId, body }] : [], deletions: [] };
}

/** Renames a file: metadata only; the body, key, nonce and tag stay as they are (E2EE-SHARE-005). */
export async function renameFile(
  state: FolderState,
  ctx: FolderContext,
  opts: { fileId: string; filename: string },
): Promise<FolderChange> {
  assertWritable(state, ctx);
  const folderId = folderOfFile(state, opts.fileId);
  const doc = docOf(state, folderId);
  const filename = checkName(opts.filename, 'filename');
  assertFreeName(doc, filename, opts.fileId);
  // E2EE-SHARE-005 (MUST, client): a rename uploads no body and keeps the file's key material.
  const files = { ...doc.files, [opts.fileId]: { ...doc.files[opts.fileId]!, filename } };
  const r = await commit(state, ctx, {
    docs: { ...state.docs, [folderId]: withFiles(doc, files) },
    touched: [folderId],
  });
  return { ...r, bodies: [], deletions: [] };
}

/** Deletes a file: its entry leaves the metadata and its object is deleted on the server. */
export async function deleteFile(
  state: FolderState,
  ctx: FolderContext,
  opts: { fileId: string },
): Promise<FolderChange> {
  assertWritable(state, ctx);
  const folderId = folderOfFile(state, opts.fileId);
  const doc = docOf(state, folderId);
  // E2EE-SHARE-006 (MUST, client): the entry and the object go in the same change.
  const files = { ...doc.files };
  delete files[opts.fileId];
  const r = await commit(state, ctx, {
    docs: { ...state.docs, [folderId]: withFiles(doc, files) },
    touched: [folderId],
  });
  return { ...r, bodies: [], deletions: [{ folderId, objectId: opts.fileId }] };
}

/**
 * Creates a sub-folder of `parentId`: a new id, a first document (counter 1, no users, encrypted
 * under the root's key), and the parent's next document listing it.
 */
export async function createSubfolder(
  state: FolderState,
  ctx: FolderContext,
  opts: { parentId: string; name: string },
): Promise<FolderChange & { folderId: string }> {
  assertWritable(state, ctx);
  const parent = docOf(state, opts.parentId);
  const name = checkName(opts.name, 'name');
  assertFreeName(parent, name);
  // E2EE-SHARE-008 (MUST, client): a fresh id, first document counter 1, parent updated together.
  const folderId = newObjectId(ctx.rng ?? defaultRng);
  // The first version is written with counter 1: commit() increments, so start from 0.
  const fresh: InnerMetadata = { ...newInner(), counter: 0 };
  const r = await commit(state, ctx, {
    docs: {
      ...state.docs,
      [opts.parentId]: { ...parent, folders: { ...parent.folders, [folderId]: name } },
      [folderId]: fresh,
    },
    parents: { ...state.parents, [folderId]: opts.parentId },
    touched: [opts.parentId, folderId],
  });
  return { ...r, bodies: [], deletions: [], folderId };
}

/** Renames a sub-folder: only its parent's document changes. */
export async function renameSubfolder(
  state: FolderState,
  ctx: FolderContext,
  opts: { folderId: string; name: string },
): Promise<FolderChange> {
  assertWritable(state, ctx);
  const parentId = state.parents[opts.folderId];
  if (parentId === undefined) throw new SealfoldError('NOT_FOUND', 'no such sub-folder');
  const parent = docOf(state, parentId);
  const name = checkName(opts.name, 'name');
  assertFreeName(parent, name, opts.folderId);
  const r = await commit(state, ctx, {
    docs: {
      ...state.docs,
      [parentId]: { ...parent, folders: { ...parent.folders, [opts.folderId]: name } },
    },
    touched: [parentId],
  });
  return { ...r, bodies: [], deletions: [] };
}

/** Deletes a sub-folder with everything below it; the parent's document drops the entry. */
export async function deleteSubfolder(
  state: FolderState,
  ctx: FolderContext,
  opts: { folderId: string },
): Promise<FolderChange> {
  assertWritable(state, ctx);
  const parentId = state.parents[opts.folderId];
  if (parentId === undefined) throw new SealfoldError('NOT_FOUND', 'no such sub-folder');
  const gone = new Set([opts.folderId]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [child, p] of Object.entries(state.parents)) {
      if (gone.has(p) && !gone.has(child)) {
        gone.add(child);
        grew = true;
      }
    }
  }
  const docs = { ...state.docs };
  const parents = { ...state.parents };
  for (const id of gone) {
    delete docs[id];
    delete parents[id];
  }
  const parent = docOf(state, parentId);
  const folders = { ...parent.folders };
  delete folders[opts.folderId];
  docs[parentId] = { ...parent, folders };
  const r = await commit(state, ctx, { docs, parents, touched: [parentId] });
  const deletions: ObjectDeletion[] = [{ folderId: parentId, objectId: opts.folderId }];
  return { ...r, bodies: [], deletions };
}

/**
 * Marks the top folder deleted: the root's next document has no files, no folders and
 * `deleted: true`, signed like any other version; no later operation is accepted.
 */
export async function markTopFolderDeleted(
  state: FolderState,
  ctx: FolderContext,
): Promise<FolderChange> {
  assertWritable(state, ctx);
  const root = docOf(state, state.rootId);
  const tombstone: InnerMetadata = { ...root, files: {}, folders: {}, deleted: true };
  // E2EE-SHARE-800 (MUST, client): deletion of the top folder is a signed `deleted: true` version.
  const r = await commit(state, ctx, {
    docs: { [state.rootId]: tombstone },
    parents: {},
    touched: [state.rootId],
    filedrop: {},
    deleted: true,
  });
  return { ...r, bodies: [], deletions: [] };
}
