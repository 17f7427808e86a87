/**
 * Encrypted folders as state (spec/08-sharing.md §2-§3): a top folder and its sub-folders,
 * decrypted, and the operations on them as pure functions that return the new state and the
 * encrypted outputs to upload (metadata documents with signatures, file bodies, deletions).
 * No HTTP here: the caller locks, uploads and unlocks.
 *
 * Reading: `read.ts` is the one way a 2.x document is accepted (`readDocument`, and for a top
 * folder `readFolderTree` / `acceptFolder`); `openFolder` is that pipeline without pins and
 * freshness, for callers without persistent trust state; `verifyRootWithoutDecrypting` is that
 * pipeline with `decrypt` named as skipped, for a reader who is not a member (a filedrop uploader).
 *
 * @module
 */
export type {
  BodyUpload,
  FolderChange,
  FolderContext,
  FolderMember,
  FolderSigner,
  FolderState,
  MetadataUpload,
  ObjectDeletion,
} from './types.js';
export {
  addFile,
  createFolder,
  createSubfolder,
  deleteFile,
  deleteSubfolder,
  markTopFolderDeleted,
  renameFile,
  renameSubfolder,
  updateFile,
  DEFAULT_MIMETYPE,
  type FileContent,
} from './operations.js';
export { openFolder, type OpenFolderOptions } from './open.js';
export {
  acceptFolder,
  commitTrust,
  readDocument,
  readFolderTree,
  SKIPPABLE_CHECKS,
  verifyRootWithoutDecrypting,
  type AcceptedFolder,
  type FetchedDocument,
  type FolderHead,
  type ForkWitness,
  type PendingTrust,
  type ReadDocumentInput,
  type ReadDocumentResult,
  type ReadFolderTree,
  type ReadFolderTreeInput,
  type SkippedCheck,
  type TrustState,
  type VerifiedRoot,
  type VerifyRootInput,
} from './read.js';
