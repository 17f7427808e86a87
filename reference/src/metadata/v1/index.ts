/**
 * Legacy metadata 1.0/1.1/1.2, read-only (spec/09-legacy.md).
 *
 * @module
 */
export type {
  LegacyEncryptedEntry,
  LegacyEntry,
  LegacyMetadataDocument,
  LegacySealed,
  LegacyView,
} from './types.js';
export { parseLegacyDocument, splitLegacySealed } from './parse.js';
export { decryptLegacyMetadata, unwrapLegacyKey, type DecryptLegacyOptions } from './decrypt.js';
export { legacyChecksum } from './checksum.js';
export { decryptLegacyFiledropEntry } from './filedrop.js';
export { migrateLegacyToV2, type MigrateLegacyOptions } from './migrate.js';
