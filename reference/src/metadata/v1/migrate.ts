/**
 * Migration of a legacy view to a 2.x inner document (spec/09-legacy.md, E2EE-META-170..172).
 * Writing always produces 2.x; a legacy folder is migrated when it is first written
 * (E2EE-SEC-031: there is no 1.x writer).
 *
 * @module
 */
import { abytes, sha256Hex } from '../../_internal/bytes.js';
import type { InnerMetadata, MetadataFile } from '../types.js';
import type { LegacyView } from './types.js';

/** Options of {@link migrateLegacyToV2}. */
export interface MigrateLegacyOptions {
  readonly view: LegacyView;
  /**
   * Root folder: its new 16-byte metadata key (fresh, never the legacy key); its checksum becomes
   * `keyChecksums`. Sub-folder: omit (it will be encrypted with the root's key).
   */
  readonly newMetadataKey?: Uint8Array;
  /** Counter of the first 2.x document (default 1). */
  readonly counter?: number;
}

/**
 * Builds the 2.x inner document for a decrypted legacy folder: files keep their key, payload IV
 * and tag; folder entries become `folders` names (their legacy keys are dropped).
 */
export function migrateLegacyToV2(opts: MigrateLegacyOptions): InnerMetadata {
  const { view, newMetadataKey, counter = 1 } = opts;
  if (!Number.isSafeInteger(counter) || counter < 0)
    throw new RangeError('"counter" must be a non-negative integer');
  const files: Record<string, MetadataFile> = {};
  const folders: Record<string, string> = {};
  // E2EE-META-170 (MUST, client): files keep key, IV and tag; folder entries become names.
  for (const [id, e] of Object.entries(view.entries)) {
    if (e.isFolder) {
      Object.defineProperty(folders, id, { value: e.filename, enumerable: true });
    } else {
      const f: MetadataFile = {
        filename: e.filename,
        mimetype: e.mimetype,
        key: e.key,
        nonce: e.initializationVector,
        authenticationTag: e.authenticationTag,
      };
      Object.defineProperty(files, id, { value: f, enumerable: true });
    }
  }
  // E2EE-META-171 (MUST, client): a root gets a fresh key, listed in keyChecksums.
  const keyChecksums: string[] = [];
  if (newMetadataKey !== undefined) {
    abytes(newMetadataKey, 'newMetadataKey', 16);
    keyChecksums.push(sha256Hex(newMetadataKey));
  }
  return { counter, files, folders, keyChecksums };
}
