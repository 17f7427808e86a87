/**
 * Opening a top folder for a member: verify and decrypt the root document and every sub-folder
 * document reachable from it, and build the {@link FolderState} the operations work on
 * (spec/08-sharing.md §2). Freshness against the persisted high-water mark is the metadata
 * module's `acceptFolderState`; callers run it on the documents as well.
 *
 * @module
 */
import { SealfoldError } from '../errors/index.js';
import { decryptMetadata, parseMetadataDocumentV2, type InnerMetadata } from '../metadata/index.js';
import { verifyMetadataSignature } from '../signature/index.js';
import type { FolderMember, FolderState } from './types.js';
import { setOwn } from '../_internal/records.js';

/** A document as fetched: its text and its `X-NC-E2EE-SIGNATURE`. */
export interface FetchedDocument {
  readonly document: string;
  readonly signature: string;
}

export interface OpenFolderOptions {
  readonly rootId: string;
  readonly root: FetchedDocument;
  /** Sub-folder documents by folder id (every folder the root tree lists must be present). */
  readonly subfolders?: Readonly<Record<string, FetchedDocument>>;
  readonly userId: string;
  /** The member's RSA private key, PKCS#8 DER. */
  readonly privateKey: Uint8Array;
  /** The pinned server key (SPKI DER): member certificates must be issued by it. */
  readonly serverPublicKey?: Uint8Array;
  /** The members of the last version this client verified: the signer must be one of them. */
  readonly previousMembers?: readonly FolderMember[];
}

/**
 * Verifies and decrypts a top folder and its sub-folders.
 *
 * @throws SealfoldError from the signature and metadata modules (SIGNATURE_*, SIGNER_NOT_MEMBER,
 *   METADATA_*, KEY_UNWRAP_FAILED, AEAD_TAG_MISMATCH, CERT_*), and NOT_FOUND when a listed
 *   sub-folder's document is missing: a missing document is never read as "deleted" (E2EE-SHARE-011).
 */
export async function openFolder(opts: OpenFolderOptions): Promise<FolderState> {
  const rootDoc = parseMetadataDocumentV2(opts.root.document);
  const members: FolderMember[] = rootDoc.users.map((u) => ({
    userId: u.userId,
    certificate: u.certificate,
  }));
  // E2EE-SEC-054 (MUST, client): a changed member list must be signed by a previous member.
  await verifyMetadataSignature({
    outer: opts.root.document,
    signature: opts.root.signature,
    members,
    ...(opts.previousMembers ? { previousMembers: opts.previousMembers } : {}),
  });
  const root = decryptMetadata({
    document: rootDoc,
    userId: opts.userId,
    privateKey: opts.privateKey,
    ...(opts.serverPublicKey ? { serverPublicKey: opts.serverPublicKey } : {}),
  });
  const docs: Record<string, InnerMetadata> = { [opts.rootId]: root.inner };
  const parents: Record<string, string> = {};
  const queue = Object.keys(root.inner.folders).map((id) => [id, opts.rootId] as const);
  while (queue.length > 0) {
    const [id, parent] = queue.shift()!;
    if (Object.hasOwn(docs, id)) {
      throw new SealfoldError('METADATA_MALFORMED', 'a sub-folder is listed twice in the tree');
    }
    const fetched = opts.subfolders?.[id];
    if (fetched === undefined) {
      throw new SealfoldError('NOT_FOUND', 'a listed sub-folder has no metadata document');
    }
    // Sub-folder documents are signed by a member of the root (E2EE-SHARE-002).
    await verifyMetadataSignature({
      outer: fetched.document,
      signature: fetched.signature,
      members,
    });
    const sub = decryptMetadata({
      document: fetched.document,
      userId: opts.userId,
      rootMetadataKey: root.metadataKey,
    });
    setOwn(docs, id, sub.inner);
    setOwn(parents, id, parent);
    for (const child of Object.keys(sub.inner.folders)) queue.push([child, id]);
  }
  return Object.freeze({
    rootId: opts.rootId,
    metadataKey: root.metadataKey,
    members: Object.freeze(members),
    docs: Object.freeze(docs),
    parents: Object.freeze(parents),
    filedrop: Object.freeze({ ...(rootDoc.filedrop ?? {}) }),
    deleted: root.inner.deleted === true,
  });
}
