/**
 * Metadata documents of encrypted folders: 2.0/2.1 read and write, freshness tracking, and
 * legacy 1.0/1.1/1.2 read-only (spec/05-metadata.md, spec/09-legacy.md).
 *
 * Reading a 2.x folder is the read pipeline of the `folders` module (`readDocument`,
 * `acceptFolder`): it parses here, verifies with the `signature` module, checks certificates and
 * pins, decrypts here (`decryptMetadata`, steps 3-8 of spec/05-metadata.md §6, with no pin or
 * freshness check of its own), and checks freshness here (`checkFreshness`, `stateOf`) before it
 * commits. Legacy 1.x: `decryptLegacyMetadata`, `stateOfLegacy`. Writing: `nextInner` →
 * `encryptMetadata`.
 *
 * @module
 */
export * from './types.js';
export {
  parseMetadataDocument,
  parseMetadataDocumentV2,
  normaliseV2Version,
  versionOf,
  type MetadataDocument,
} from './parse.js';
export {
  encryptMetadata,
  isShareUser,
  type EncryptMetadataOptions,
  type EncryptedMetadata,
  type MetadataRecipient,
} from './encrypt.js';
export {
  checkMemberCertificates,
  checkRole,
  decryptMetadata,
  type DecryptMetadataOptions,
  type DecryptedMetadata,
} from './decrypt.js';
export { innerFromJson, innerToJson, innerDigest, isSafeName, MAX_INNER_LENGTH } from './inner.js';
export {
  newInner,
  newMetadataKey,
  nextInner,
  INITIAL_COUNTER,
  type InnerChanges,
} from './update.js';
export {
  acceptFolderState,
  checkFreshness,
  highWaterKey,
  loadHighWater,
  MAX_COUNTER,
  MAX_COUNTER_STEP,
  stateOf,
  stateOfLegacy,
  stateOfWritten,
  type AcceptedState,
  type FolderHighWater,
  type HighWaterStore,
} from './freshness.js';
export { validateFiledropEntryShape } from './filedrop-shape.js';
export { canonicalJson } from '../_internal/json.js';
export * from './v1/index.js';
