/**
 * The user-level flows on an opened top folder, each one transaction (spec/16-client-flows.md
 * §3): files, sub-folders, sharing and revocation with key rotation, filedrop, deleting the top
 * folder.
 *
 * @module
 */
import { SealfoldError, isSealfoldError } from '../errors/index.js';
import { MAX_COUNTER, MAX_COUNTER_STEP } from '../metadata/index.js';
import {
  addFile,
  createSubfolder,
  deleteFile,
  deleteSubfolder,
  markTopFolderDeleted,
  renameFile,
  updateFile,
  type FolderMember,
} from '../folders/index.js';
import {
  addMember,
  createFiledropEntry,
  mergeFiledrop,
  removeMember,
  verifiedFiledropRecipients,
} from '../sharing/index.js';
import { decryptFile } from '../files/index.js';
import { parseCertificate, pinIdentity } from '../certs/index.js';
import * as api from '../http/e2ee-api.js';
import * as dav from '../http/webdav.js';
import type { Device } from './device.js';
import { lastVerifiedMembers, transact, withLock, type FolderHandle } from './folder.js';
import { trustWarnings, type TrustWarning } from './trust.js';

/** Uploads a new file into `folderId` (default: the top folder). */
export async function uploadFile(
  device: Device,
  handle: FolderHandle,
  opts: { filename: string; content: Uint8Array; mimetype?: string; folderId?: string },
): Promise<{ handle: FolderHandle; fileId: string }> {
  const folderId = opts.folderId ?? handle.state.rootId;
  const r = await transact(device, handle, (s, ctx) =>
    addFile(s, ctx, {
      folderId,
      filename: opts.filename,
      content: opts.content,
      ...(opts.mimetype ? { mimetype: opts.mimetype } : {}),
    }),
  );
  return { handle: r.handle, fileId: r.result.fileId };
}

/** Replaces a file's content (new key and nonce, E2EE-FILE-001). */
export async function replaceFile(
  device: Device,
  handle: FolderHandle,
  opts: { fileId: string; content: Uint8Array },
): Promise<FolderHandle> {
  return (
    await transact(device, handle, (s, ctx) =>
      updateFile(s, ctx, { fileId: opts.fileId, content: opts.content }),
    )
  ).handle;
}

/** Renames a file (metadata only). */
export async function renameFileTo(
  device: Device,
  handle: FolderHandle,
  fileId: string,
  filename: string,
): Promise<FolderHandle> {
  return (await transact(device, handle, (s, ctx) => renameFile(s, ctx, { fileId, filename })))
    .handle;
}

/** Deletes a file. */
export async function removeFile(
  device: Device,
  handle: FolderHandle,
  fileId: string,
): Promise<FolderHandle> {
  return (await transact(device, handle, (s, ctx) => deleteFile(s, ctx, { fileId }))).handle;
}

/** Creates a sub-folder of `parentId` (default: the top folder). */
export async function makeSubfolder(
  device: Device,
  handle: FolderHandle,
  name: string,
  parentId: string = handle.state.rootId,
): Promise<{ handle: FolderHandle; folderId: string }> {
  const r = await transact(device, handle, (s, ctx) => createSubfolder(s, ctx, { parentId, name }));
  return { handle: r.handle, folderId: r.result.folderId };
}

/** Deletes a sub-folder and everything below it. */
export async function removeSubfolder(
  device: Device,
  handle: FolderHandle,
  folderId: string,
): Promise<FolderHandle> {
  return (await transact(device, handle, (s, ctx) => deleteSubfolder(s, ctx, { folderId }))).handle;
}

/** Finds a file's folder and entry by object id. */
function entryOf(handle: FolderHandle, fileId: string) {
  for (const [folderId, doc] of Object.entries(handle.state.docs)) {
    const f = doc.files[fileId];
    if (f) return { folderId, file: f };
  }
  throw new SealfoldError('NOT_FOUND', 'no such file in this folder');
}

/** Downloads and decrypts a file; nothing is returned unless its tag verifies. */
export async function downloadFile(
  device: Device,
  handle: FolderHandle,
  fileId: string,
): Promise<Uint8Array> {
  const { folderId, file } = entryOf(handle, fileId);
  const loc = handle.locations[folderId]!;
  // E2EE-SHARE-802 (MUST, client): a body the server does not serve fails here (NOT_FOUND from
  // the 404); the handle and the local state stay as they are, the file still listed.
  const body = await dav.getFile(device.ctx, `${loc.path}/${fileId}`);
  return decryptFile(body, { key: file.key, nonce: file.nonce, tag: file.authenticationTag });
}

/** A dropped file: its object id, who it was encrypted to, and the unverified among them. */
export interface DroppedFile {
  readonly fileId: string;
  readonly recipients: readonly string[];
  readonly warnings: readonly TrustWarning[];
}

/**
 * Shares the top folder with `userId`: the OCS share, then a key rotation that wraps the new
 * metadata key for the recipient's validated and pinned certificate (E2EE-API-804). If the
 * rotation fails, the share is withdrawn again. `warnings` names the recipient when its pin is
 * not verified (E2EE-CERT-039).
 */
export async function shareFolder(
  device: Device,
  handle: FolderHandle,
  userId: string,
): Promise<FolderHandle> {
  const share = await api.createUserShare(device.ctx, handle.rootPath, userId);
  try {
    const certs = await api.getPublicKeys(device.ctx, [userId]);
    const certificate = certs[userId];
    if (certificate === undefined)
      throw new SealfoldError('NOT_FOUND', 'the recipient has no certificate');
    const recipient: FolderMember = { userId, certificate };
    const known = (await device.pins.get(pinIdentity('user', userId))) !== undefined;
    // E2EE-LOG-063 (MUST, client): a recipient key seen for the first time must be the one logged.
    if (!known && device.witness !== undefined) {
      const certificateHash = parseCertificate(certificate).fingerprint;
      await device.witness.witness([], 'read', [{ userId, certificateHash }]);
    }
    const shared = (
      await transact(device, handle, (s, ctx) =>
        addMember(s, ctx, recipient, {
          serverPublicKey: device.serverPublicKey,
          pins: device.pins,
        }),
      )
    ).handle;
    // E2EE-CERT-039 (MUST, client): an unverified recipient is reported with the share.
    const warnings = await trustWarnings(device.pins, 'unverified-recipient', [userId], {
      self: device.userId,
      firstContact: new Set(known ? [] : [userId]),
    });
    return { ...shared, warnings: [...shared.warnings, ...warnings] };
  } catch (e) {
    await api.deleteShare(device.ctx, share.id).catch(() => undefined);
    throw e;
  }
}

/**
 * Revokes `userId`: a key rotation without them (no file content re-encrypted), then the OCS
 * share is deleted. `exposedFiles` lists what they may still hold keys for (E2EE-SEC-801).
 */
export async function unshareFolder(
  device: Device,
  handle: FolderHandle,
  userId: string,
): Promise<{
  handle: FolderHandle;
  exposedFiles: Array<{ folderId: string; fileId: string; filename: string }>;
}> {
  const r = await transact(device, handle, (s, ctx) => removeMember(s, ctx, userId));
  const shares = await api.listShares(device.ctx);
  for (const sh of shares) {
    if (
      sh.shareWith === userId &&
      sh.path.replace(/^\/+/, '') === handle.rootPath.replace(/^\/+/, '')
    ) {
      await api.deleteShare(device.ctx, sh.id);
    }
  }
  return { handle: r.handle, exposedFiles: r.result.exposedFiles };
}

/** Lock attempts of a dropper before it reports the conflict. */
const DROPPER_LOCK_ATTEMPTS = 64;

/**
 * The short lock under which a dropper uploads a body. A dropper cannot read the folder's counter
 * (it cannot decrypt), and the server refuses a lock counter that is not above the stored one as
 * well as one too far above it (E2EE-LOCK-073: at most MAX_COUNTER_STEP), answering both alike.
 * So it climbs: 1, 2, 4, … up to the step, then in steps of half the step, until a lock is
 * granted; no two tries are more than a step apart, so one lands in the accepted window. The lock
 * commits no metadata, so the stored counter stays as it was (E2EE-LOCK-012).
 */
async function withDropperLock<T>(
  device: Device,
  rootId: string,
  fn: (token: string) => Promise<T>,
): Promise<T> {
  const half = MAX_COUNTER_STEP / 2;
  let counter = 1;
  for (let attempt = 1; ; attempt++) {
    let locked = false;
    try {
      return await withLock(device, rootId, counter, (token) => {
        locked = true;
        return fn(token);
      });
    } catch (e) {
      if (locked || !isSealfoldError(e, 'LOCK_CONFLICT')) throw e;
      if (attempt >= DROPPER_LOCK_ATTEMPTS || counter >= MAX_COUNTER) throw e;
      counter = Math.min(counter < half ? counter * 2 : counter + half, MAX_COUNTER);
    }
  }
}

/**
 * Drops a file into a top folder the caller can reach but need not be a member of: the body is
 * uploaded and a filedrop entry, wrapped for the members of the root document, is posted without
 * a lock (E2EE-SHARE-808). The members are taken only from a root document whose signature,
 * signer and certificates verified against the pinned server key and the device's pins
 * (E2EE-SHARE-809); nothing is uploaded otherwise (E2EE-SHARE-811). The uploader is not authenticated to the
 * members.
 */
export async function dropFile(
  device: Device,
  rootPath: string,
  opts: { filename: string; content: Uint8Array; mimetype?: string },
): Promise<DroppedFile> {
  const [self] = await dav.propfind(device.ctx, rootPath, 0);
  if (!self?.isFolder) throw new SealfoldError('NOT_FOUND', 'no folder at that path');
  const stored = await api.getMetadata(device.ctx, self.fileId);
  const previousMembers = await lastVerifiedMembers(device, self.fileId);
  // E2EE-SHARE-809, E2EE-SHARE-811 (MUST, client): recipients only from a verified root
  // document (E2EE-SEC-053); a failed check throws here, before anything is uploaded.
  const { members: recipients, firstContact } = await verifiedFiledropRecipients({
    document: stored.document,
    signature: stored.signature,
    serverPublicKey: device.serverPublicKey,
    pins: device.pins,
    ...(previousMembers ? { previousMembers } : {}),
  });
  const { fileId, body, entry } = createFiledropEntry({
    content: opts.content,
    filename: opts.filename,
    ...(opts.mimetype ? { mimetype: opts.mimetype } : {}),
    recipients,
    serverPublicKey: device.serverPublicKey,
    rng: device.rng,
  });
  // The body goes in under a short lock of its own; the entry itself needs none.
  await withDropperLock(device, self.fileId, (token) =>
    dav.putFile(device.ctx, `${rootPath}/${fileId}`, body, token),
  );
  await api.putFiledrop(device.ctx, self.fileId, { [fileId]: entry });
  // E2EE-SHARE-037 (MUST, client): who the file was encrypted to, and which of those keys rest
  // on first sight only, are part of the result.
  const warnings = await trustWarnings(
    device.pins,
    'unverified-recipient',
    recipients.map((r) => r.userId),
    { self: device.userId, firstContact: new Set(firstContact) },
  );
  return { fileId, recipients: recipients.map((r) => r.userId), warnings };
}

/** Moves pending filedrop entries into the top folder's files (a normal locked update). */
export async function mergeDroppedFiles(
  device: Device,
  handle: FolderHandle,
): Promise<{
  handle: FolderHandle;
  merged: string[];
  rejected: Array<{ id: string; code: string }>;
}> {
  const r = await transact(device, handle, (s, ctx) => mergeFiledrop(s, ctx));
  return {
    handle: r.handle,
    merged: r.result.merged,
    rejected: r.result.rejected.map((x) => ({ id: x.id, code: x.code })),
  };
}

/**
 * Deletes the top folder: a signed tombstone (`deleted: true`) first, so that members who sync
 * later see an authenticated deletion (invariant D1), then, under a second lock, the metadata
 * (`DELETE /meta-data`, committed as `{}`) and the folder itself, committed at unlock.
 */
export async function deleteTopFolder(device: Device, handle: FolderHandle): Promise<void> {
  const r = await transact(device, handle, (s, ctx) => markTopFolderDeleted(s, ctx));
  const rootId = r.handle.state.rootId;
  await withLock(device, rootId, r.handle.state.docs[rootId]!.counter + 1, async (token) => {
    await api.deleteMetadata(device.ctx, rootId, token);
    await dav.deleteItem(device.ctx, r.handle.rootPath, token);
  });
}
