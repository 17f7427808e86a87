/**
 * The decrypted state of one top-level encrypted folder and its sub-folders, and the outputs of
 * an operation on it (spec/08-sharing.md §2).
 *
 * A {@link FolderState} is the client's own, authenticated view: `members` is the member set the
 * client decided on (or verified from a signed document), never a list the server proposed.
 *
 * @module
 */
import type { Rng } from '../_internal/bytes.js';
import type { InnerMetadata } from '../metadata/index.js';
import type { RecoveryWrapSource } from '../recovery-key/guard.js';

/** A member of the top folder: its user id and certificate (PEM, validated and pinned). */
export interface FolderMember {
  readonly userId: string;
  readonly certificate: string;
}

/** The member performing an operation: signs every metadata document it writes. */
export interface FolderSigner extends FolderMember {
  /** The signer's RSA private key, PKCS#8 DER. */
  readonly privateKey: Uint8Array;
}

/** Who acts, with which randomness and clock. */
export interface FolderContext {
  readonly signer: FolderSigner;
  readonly rng?: Rng;
  readonly now?: Date;
  /** The recovery-key gate: a recovery wrap for consented folders (spec/20-recovery-key.md). */
  readonly recovery?: RecoveryWrapSource;
}

export interface FolderState {
  /** Server id of the top folder (its metadata is stored under this id). */
  readonly rootId: string;
  /** The current metadata key of the top folder; sub-folder documents use it too. */
  readonly metadataKey: Uint8Array;
  /** Members the current key is wrapped for. */
  readonly members: readonly FolderMember[];
  /** Inner document per folder id (the root's carries `keyChecksums`; sub-folders `[]`). */
  readonly docs: Readonly<Record<string, InnerMetadata>>;
  /** Parent folder id of every sub-folder. */
  readonly parents: Readonly<Record<string, string>>;
  /** Pending filedrop entries of the root document (raw JSON, unauthenticated). */
  readonly filedrop: Readonly<Record<string, unknown>>;
  /** True once the top folder was marked deleted (`deleted: true`). */
  readonly deleted: boolean;
}

/** A metadata document to upload under the folder lock (`PUT /meta-data/{folderId}`). */
export interface MetadataUpload {
  readonly folderId: string;
  /** The inner counter of this version (send `X-NC-E2EE-COUNTER` accordingly). */
  readonly counter: number;
  /** The outer document text (form field `metaData`). */
  readonly document: string;
  /** The `X-NC-E2EE-SIGNATURE` value. */
  readonly signature: string;
}

/** A file body to upload as `<folder>/<objectId>`. */
export interface BodyUpload {
  readonly folderId: string;
  readonly objectId: string;
  readonly body: Uint8Array;
}

/** A server object to delete (`DELETE <folder>/<objectId>` under the lock). */
export interface ObjectDeletion {
  readonly folderId: string;
  readonly objectId: string;
}

/** The result of an operation: the new state and what to send to the server. */
export interface FolderChange {
  readonly state: FolderState;
  /** One document per touched folder, root first when touched. */
  readonly metadata: readonly MetadataUpload[];
  readonly bodies: readonly BodyUpload[];
  readonly deletions: readonly ObjectDeletion[];
}
