/**
 * Writing the metadata documents of the folders an operation touched: counter + 1, encrypted
 * under the current metadata key with a fresh nonce (metadata module), signed by the acting
 * member (signature module). Shared by folder operations, sharing and filedrop.
 *
 * @module
 */
import { defaultRng } from './bytes.js';
import { sameCertificate } from '../certs/index.js';
import { SealfoldError } from '../errors/index.js';
import { encryptMetadata, nextInner, type InnerMetadata } from '../metadata/index.js';
import { wrapForRecovery } from '../recovery-key/wrap.js';
import { signMetadata } from '../signature/index.js';
import type { FolderContext, FolderState, MetadataUpload } from '../folders/types.js';

/** Rejects any change to a folder marked deleted (E2EE-SHARE-012). */
function assertNotDeleted(state: FolderState): void {
  // E2EE-SHARE-012 (MUST, client): a deleted top folder is never written again.
  if (state.deleted) throw new SealfoldError('FOLDER_DELETED', 'the top folder was deleted');
}

/** Rejects a signer that is not a member with the certificate the state lists. */
function assertSignerIsMember(state: FolderState, ctx: FolderContext): void {
  const m = state.members.find((u) => u.userId === ctx.signer.userId);
  // E2EE-SHARE-003 (MUST, client): only a current member writes the folder's metadata.
  // E2EE-CERT-081 (MUST, client): the listed certificate is compared as DER, not as PEM text.
  if (m === undefined || !sameCertificate(m.certificate, ctx.signer.certificate)) {
    throw new SealfoldError('SIGNER_NOT_MEMBER', 'the acting user is not a member of the folder');
  }
}

/**
 * The checks before any write: a folder state, not deleted (E2EE-SHARE-012), and the acting user
 * a member with the listed certificate (E2EE-SHARE-003).
 */
export function assertWritable(state: FolderState, ctx: FolderContext): void {
  if (typeof state !== 'object' || state === null)
    throw new TypeError('"state" must be a FolderState');
  assertNotDeleted(state);
  assertSignerIsMember(state, ctx);
}

/** True when `id` names a file or sub-folder anywhere in the top folder. */
export function objectIdInUse(state: FolderState, id: string): boolean {
  return Object.values(state.docs).some(
    (d) => Object.hasOwn(d.files, id) || Object.hasOwn(d.folders, id),
  );
}

/** Finds the folder holding file `fileId` (NOT_FOUND otherwise). */
export function folderOfFile(state: FolderState, fileId: string): string {
  for (const [folderId, doc] of Object.entries(state.docs)) {
    if (Object.hasOwn(doc.files, fileId)) return folderId;
  }
  throw new SealfoldError('NOT_FOUND', 'no such file in this folder');
}

/** Returns the inner document of `folderId` (NOT_FOUND otherwise). */
export function docOf(state: FolderState, folderId: string): InnerMetadata {
  if (typeof folderId !== 'string' || !Object.hasOwn(state.docs, folderId)) {
    throw new SealfoldError('NOT_FOUND', 'no such folder in this top folder');
  }
  return state.docs[folderId]!;
}

/** Rejects a name already used by a file or sub-folder of the same folder (E2EE-SHARE-007). */
export function assertFreeName(doc: InnerMetadata, name: string, except?: string): void {
  const taken =
    Object.entries(doc.files).some(([id, f]) => id !== except && f.filename === name) ||
    Object.entries(doc.folders).some(([id, n]) => id !== except && n === name);
  if (taken)
    throw new SealfoldError('ALREADY_EXISTS', 'the folder already has an entry of that name');
}

/**
 * Writes the next version of every folder in `touched` (each counter + 1, a new key's checksum
 * appended to the root's keyChecksums when `newMetadataKey` is set) and returns the new state
 * with the uploads, root first.
 */
export async function commit(
  state: FolderState,
  ctx: FolderContext,
  changes: {
    /** Inner documents after the change (counters not yet increased). */
    docs: Record<string, InnerMetadata>;
    touched: readonly string[];
    parents?: Record<string, string>;
    members?: readonly { userId: string; certificate: string }[];
    newMetadataKey?: Uint8Array;
    filedrop?: Readonly<Record<string, unknown>>;
    deleted?: boolean;
  },
): Promise<{ state: FolderState; metadata: MetadataUpload[] }> {
  const rng = ctx.rng ?? defaultRng;
  const metadataKey = changes.newMetadataKey ?? state.metadataKey;
  const members = changes.members ?? state.members;
  const filedrop = changes.filedrop ?? state.filedrop;
  const docs: Record<string, InnerMetadata> = { ...changes.docs };
  const order = [...new Set(changes.touched)].sort((a, b) =>
    a === state.rootId ? -1 : b === state.rootId ? 1 : 0,
  );
  const metadata: MetadataUpload[] = [];
  for (const folderId of order) {
    const isRoot = folderId === state.rootId;
    const next = nextInner(docs[folderId]!, {
      ...(isRoot && changes.newMetadataKey ? { newMetadataKey: changes.newMetadataKey } : {}),
    });
    docs[folderId] = next;
    // E2EE-SHARE-002 (MUST, client): sub-folder documents use the root's key and list no users.
    // E2EE-RKEY-031 (MUST, client): every root write wraps its current key again, or drops the
    // wrap when this writer has no consent for the folder.
    const recovery = isRoot ? ctx.recovery?.targetFor(state.rootId) : undefined;
    const { text } = encryptMetadata({
      inner: next,
      metadataKey,
      rng,
      ...(recovery ? { recoveryWrap: wrapForRecovery(recovery, state.rootId, metadataKey) } : {}),
      ...(isRoot ? { users: members } : {}),
      ...(isRoot && Object.keys(filedrop).length > 0 ? { filedrop } : {}),
    });
    const signature = await signMetadata({
      outer: text,
      signerCertificate: ctx.signer.certificate,
      signerPrivateKey: ctx.signer.privateKey,
      ...(ctx.now ? { now: ctx.now } : {}),
    });
    metadata.push({ folderId, counter: next.counter, document: text, signature });
  }
  const newState: FolderState = Object.freeze({
    rootId: state.rootId,
    metadataKey,
    members: Object.freeze([...members]),
    docs: Object.freeze(docs),
    parents: Object.freeze({ ...(changes.parents ?? state.parents) }),
    filedrop: Object.freeze({ ...filedrop }),
    deleted: changes.deleted ?? state.deleted,
  });
  return { state: newState, metadata };
}
