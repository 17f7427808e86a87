/**
 * Reading legacy 1.0/1.1/1.2 documents (spec/09-legacy.md, E2EE-META-153..169). Read-only:
 * the result is a normalised view that `migrateLegacyToV2` turns into a 2.x inner document.
 *
 * @module
 */
import { aesGcmDecrypt } from '../../_internal/aesgcm.js';
import { abytes, equalBytes, fromBase64, fromUtf8, utf8, wipe } from '../../_internal/bytes.js';
import { rsaOaepUnwrap } from '../../_internal/rsa-oaep.js';
import { SealfoldError } from '../../errors/index.js';
import { isObject, parseJsonObject } from '../_json.js';
import { isDegenerate, isSafeName } from '../inner.js';
import { FOLDER_MIMETYPE } from '../types.js';
import { legacyChecksum } from './checksum.js';
import type { LegacyEntry, LegacyMetadataDocument, LegacySealed, LegacyView } from './types.js';

const M = 'METADATA_MALFORMED' as const;

/**
 * Unwraps a legacy key: the RSA-OAEP plaintext is base64(base64(key)) (E2EE-META-154).
 * Anything else, or a key that is not 16 bytes or is degenerate, is METADATA_MALFORMED.
 */
export function unwrapLegacyKey(
  privateKey: Uint8Array,
  wrapped: Uint8Array,
  what: string,
): Uint8Array {
  const outer = rsaOaepUnwrap(privateKey, wrapped);
  try {
    const inner = fromUtf8(fromBase64(fromUtf8(outer, what, M), what, M), what, M);
    const key = fromBase64(inner, what, M);
    if (key.length !== 16 || isDegenerate(key)) {
      wipe(key);
      throw new SealfoldError(M, `${what} is not a valid 16-byte key`);
    }
    return key;
  } finally {
    wipe(outer);
  }
}

/** Decrypts a legacy sealed string whose plaintext is base64(JSON object) (E2EE-META-155). */
export function openLegacySealed(
  key: Uint8Array,
  sealed: LegacySealed,
  what: string,
): Record<string, unknown> {
  const pt = aesGcmDecrypt(key, sealed.iv, sealed.ciphertext);
  try {
    const json = fromUtf8(fromBase64(fromUtf8(pt, what, M), what, M), what, M);
    return parseJsonObject(json, what);
  } finally {
    wipe(pt);
  }
}

/** Validates a decrypted `{key, filename, mimetype}` object (E2EE-META-156). */
export function legacyEntryFields(o: Record<string, unknown>, what: string) {
  if (typeof o.filename !== 'string' || !isSafeName(o.filename)) {
    throw new SealfoldError(M, `${what}.filename is missing or not a safe name`);
  }
  if (typeof o.mimetype !== 'string') throw new SealfoldError(M, `${what}.mimetype is missing`);
  if (typeof o.key !== 'string') throw new SealfoldError(M, `${what}.key is missing`);
  const key = fromBase64(o.key, `${what}.key`, M);
  if (key.length !== 16 || isDegenerate(key))
    throw new SealfoldError(M, `${what}.key is not a valid 16-byte key`);
  return { filename: o.filename, mimetype: o.mimetype, key };
}

/** Options of {@link decryptLegacyMetadata}. */
export interface DecryptLegacyOptions {
  readonly document: LegacyMetadataDocument;
  /** This user's RSA private key, PKCS#8 DER. */
  readonly privateKey: Uint8Array;
  /** 1.2: the owner's mnemonic; when given, the checksum is verified (CHECKSUM_MISMATCH). */
  readonly mnemonic?: string;
}

function pickKey(doc: LegacyMetadataDocument): { wrapped: Uint8Array; index: number | undefined } {
  if (doc.metadataKey) return { wrapped: doc.metadataKey.wrapped, index: undefined };
  // E2EE-META-153 (MUST, client): 1.0/1.1 use the highest index, as the desktop client did.
  const index = Math.max(...doc.metadataKeys!.keys());
  return { wrapped: doc.metadataKeys!.get(index)!, index };
}

/**
 * Decrypts a legacy document into a normalised view.
 *
 * @throws SealfoldError CHECKSUM_MISMATCH, KEY_UNWRAP_FAILED, AEAD_TAG_MISMATCH,
 *   METADATA_MALFORMED, KEY_MALFORMED, CIPHERTEXT_MALFORMED.
 */
export function decryptLegacyMetadata(opts: DecryptLegacyOptions): LegacyView {
  if (!isObject(opts) || !isObject(opts.document) || opts.document.family !== 1) {
    throw new TypeError('"document" must be a parsed legacy metadata document');
  }
  const { document: doc, mnemonic } = opts;
  const privateKey = abytes(opts.privateKey, 'privateKey');
  // E2EE-META-162 (MAY, client): without the mnemonic the checksum is not checked.
  let checksumVerified = false;
  if (doc.version === '1.2' && mnemonic !== undefined) {
    // E2EE-META-161 (MUST, client): with the mnemonic, the stored checksum must match (before
    // any key is unwrapped: it authenticates the key choice).
    const expected = legacyChecksum(mnemonic, Object.keys(doc.files), doc.metadataKey!.text);
    if (doc.checksum === undefined || !equalBytes(utf8(expected), utf8(doc.checksum))) {
      throw new SealfoldError('CHECKSUM_MISMATCH', 'the 1.2 metadata checksum does not match');
    }
    checksumVerified = true;
  }
  const { wrapped, index } = pickKey(doc);
  const metadataKey = unwrapLegacyKey(privateKey, wrapped, 'the metadata key');
  try {
    const entries: Record<string, LegacyEntry> = {};
    for (const [id, e] of Object.entries(doc.files)) {
      const what = `files.${id}`;
      const f = legacyEntryFields(
        openLegacySealed(metadataKey, e.encrypted, `${what}.encrypted`),
        what,
      );
      const isFolder = f.mimetype === FOLDER_MIMETYPE;
      // E2EE-META-157 (MUST, client): a file has a 16-byte payload tag; folders have none.
      if (!isFolder && e.authenticationTag.length !== 16) {
        throw new SealfoldError(M, `${what}.authenticationTag must be 16 bytes for a file`);
      }
      if (e.initializationVector.length !== 12 && e.initializationVector.length !== 16) {
        throw new SealfoldError(M, `${what}.initializationVector must be 12 or 16 bytes`);
      }
      const entry: LegacyEntry = Object.freeze({
        ...f,
        initializationVector: e.initializationVector,
        authenticationTag: e.authenticationTag,
        isFolder,
      });
      Object.defineProperty(entries, id, { value: entry, enumerable: true });
    }
    return Object.freeze({
      version: doc.version,
      metadataKey,
      metadataKeyIndex: index,
      checksumVerified,
      entries: Object.freeze(entries),
    });
  } catch (e) {
    wipe(metadataKey);
    throw e;
  }
}
