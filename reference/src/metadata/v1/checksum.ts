/**
 * The 1.2 metadata checksum (spec/09-legacy.md, E2EE-META-160..162):
 *
 * ```text
 * checksum = hex(SHA-256(UTF-8( normalise(mnemonic) ‖ concat(sort(file ids)) ‖ metadataKey text )))
 * ```
 *
 * `normalise` removes whitespace and lowercases, as for the KDF (chapter 04); the file ids are
 * the keys of `files`, sorted by UTF-16 code units (Java and Qt sort the same way); the key text
 * is the `metadata.metadataKey` string exactly as stored (the base64 RSA ciphertext).
 *
 * @module
 */
import { astring, sha256Hex, utf8 } from '../../_internal/bytes.js';

/**
 * Computes a 1.2 checksum.
 *
 * @example
 * legacyChecksum('chimney potato …', ['n9WX…', 'ia7O…'], 'GuFP…') // → '002cefa6…'
 */
// E2EE-META-160 (MUST, client): the checksum formula of the module comment.
export function legacyChecksum(
  mnemonic: string,
  fileIds: readonly string[],
  metadataKey: string,
): string {
  astring(mnemonic, 'mnemonic');
  astring(metadataKey, 'metadataKey');
  if (!Array.isArray(fileIds)) throw new TypeError('"fileIds" must be an array');
  const words = mnemonic.replace(/\s+/g, '').toLowerCase();
  const ids = [...fileIds].map((id, i) => astring(id, `fileIds[${i}]`)).sort();
  return sha256Hex(utf8(words + ids.join('') + metadataKey));
}
