/**
 * Opening a top folder without persistent trust state: verify and decrypt the root document and
 * every sub-folder document reachable from it, and build the {@link FolderState} the operations
 * work on (spec/08-sharing.md §2).
 *
 * This is the read pipeline of `read.ts` with two checks skipped by name: `pins` and
 * `freshness` (and `certificates` when no server key is given). A client with a pin store and
 * high-water marks uses {@link acceptFolder} instead, which skips nothing.
 *
 * @module
 */
import { readFolderTree, type FetchedDocument, type SkippedCheck } from './read.js';
import type { FolderMember, FolderState } from './types.js';

export type { FetchedDocument } from './read.js';

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
 * Verifies and decrypts a top folder and its sub-folders, without pins and marks.
 *
 * @throws SealfoldError from the read pipeline (SIGNATURE_*, SIGNER_NOT_MEMBER, METADATA_*,
 *   KEY_UNWRAP_FAILED, AEAD_TAG_MISMATCH, CERT_*), and NOT_FOUND when a listed sub-folder's
 *   document is missing: a missing document is never read as "deleted" (E2EE-SHARE-802).
 */
export async function openFolder(opts: OpenFolderOptions): Promise<FolderState> {
  const skip: SkippedCheck[] =
    opts.serverPublicKey === undefined
      ? ['certificates', 'pins', 'freshness']
      : ['pins', 'freshness'];
  const { serverPublicKey, ...input } = opts;
  const read = await readFolderTree(
    input,
    serverPublicKey === undefined ? {} : { serverPublicKey },
    skip,
  );
  return read.state;
}
