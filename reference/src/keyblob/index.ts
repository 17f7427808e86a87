/**
 * The encrypted private-key blob: how a user's private key is stored on the server under the
 * mnemonic (spec `04-recovery.md` §3–§5; E2EE-REC-010..029).
 *
 *     password  = mnemonicPassword(mnemonic)
 *     blobKey   = PBKDF2-HMAC-SHA256(UTF-8(password), salt, 600000, 32)
 *     plaintext = ASCII( base64( UTF-8( PEM "PRIVATE KEY" of the PKCS#8 key ) ) )
 *     sealed    = AES-256-GCM(blobKey, iv, plaintext)              ; ciphertext ‖ 16-byte tag
 *     blob      = base64(sealed) "|" base64(iv) "|" base64(salt)   ; iv 12 bytes, salt 40 bytes
 *
 * The extra base64 layer around the PEM is in no version of the RFC (the web client's comment:
 * "Undocumented base64 encoding, see end_to_end_encryption_rfc#67"), but every client writes and
 * expects it, and every fixture has it.
 *
 * @module
 */
import { aesGcmDecrypt, aesGcmEncrypt } from '../_internal/aesgcm.js';
import {
  abytes,
  defaultRng,
  fromBase64,
  fromUtf8,
  toBase64,
  utf8,
  wipe,
  type Rng,
} from '../_internal/bytes.js';
import { isSealfoldError, SealfoldError } from '../errors/index.js';
import { privateKeyToPem } from '../keys/index.js';
import { parsePkcs8 } from '../_internal/key-der.js';
import { mnemonicPassword, type MnemonicInput } from '../mnemonic/index.js';
import { PEM_LABELS, pemDecode } from '../pem/index.js';
import { formatKeyBlob, KEY_BLOB_WRITE_IV_LENGTH, parseKeyBlob } from './format.js';
import {
  assertKdfVariant,
  deriveBlobKey,
  KDF_SALT_LENGTH,
  READ_KDFS,
  WRITE_KDF,
  type KdfVariant,
} from './kdf.js';

export {
  formatKeyBlob,
  KEY_BLOB_IV_LENGTHS,
  KEY_BLOB_READ_PATTERN,
  KEY_BLOB_SEPARATOR,
  KEY_BLOB_WRITE_IV_LENGTH,
  KEY_BLOB_WRITE_PATTERN,
  LEGACY_KEY_BLOB_SEPARATOR,
  parseKeyBlob,
  type KeyBlob,
} from './format.js';
export {
  deriveBlobKey,
  kdfName,
  KDF_KEY_LENGTH,
  KDF_SALT_LENGTH,
  LEGACY_KDFS,
  READ_KDFS,
  WRITE_KDF,
  type KdfVariant,
} from './kdf.js';
export { privateKeyBlobOfResponse } from './_schema.js';

/** Options of {@link encryptPrivateKey}. */
export interface EncryptPrivateKeyOptions {
  /** Source of the IV and salt; the default is the CSPRNG. */
  rng?: Rng;
  /**
   * The KDF parameters. Conforming writers use the default, {@link WRITE_KDF}; other values exist
   * for tests (fewer iterations) and for generating legacy vectors (E2EE-REC-012).
   */
  kdf?: KdfVariant;
}

/** Options of {@link decryptPrivateKey}. */
export interface DecryptPrivateKeyOptions {
  /** The KDF variants to try, in order; the default is {@link READ_KDFS}. For tests only. */
  kdfs?: readonly KdfVariant[];
}

/** What {@link decryptPrivateKey} returns. */
export interface DecryptedPrivateKey {
  /** The private key as PKCS#8 DER. */
  pkcs8: Uint8Array;
  /** The PEM text exactly as the writer encrypted it (line width and final newline vary by client). */
  pem: string;
  /** The KDF variant whose key authenticated the blob. */
  kdf: KdfVariant;
}

/** The fixed message for a blob no KDF variant opens (E2EE-SEC-002: it depends on no secret). */
const NO_VARIANT_OPENS =
  'authentication failed: the mnemonic does not open this private-key blob (wrong mnemonic, or the blob was modified)';

/**
 * Encrypts a private key under a mnemonic and returns the blob string exactly as current servers
 * (app v2.x `KeyController::setPrivateKey`) accept it (E2EE-REC-010, E2EE-REC-020, E2EE-REC-021,
 * E2EE-REC-024).
 *
 * @param pkcs8 the private key, PKCS#8 DER.
 * @param mnemonic the user's mnemonic (text or words).
 * @returns `b64(ct‖tag)|b64(iv)|b64(salt)` with a fresh 12-byte IV and 40-byte salt.
 * @throws SealfoldError `MNEMONIC_INVALID`, `KEY_MALFORMED` (not PKCS#8).
 * @example
 * ```ts
 * const blob = await encryptPrivateKey(pkcs8, words);
 * ```
 */
export async function encryptPrivateKey(
  pkcs8: Uint8Array,
  mnemonic: MnemonicInput,
  options: EncryptPrivateKeyOptions = {},
): Promise<string> {
  abytes(pkcs8, 'pkcs8');
  const rng = options.rng ?? defaultRng;
  const kdf = assertKdfVariant(options.kdf ?? WRITE_KDF);
  const password = mnemonicPassword(mnemonic);
  // E2EE-REC-024 (MUST, both): the GCM plaintext is base64 of the PEM text of the PKCS#8 key.
  const pem = privateKeyToPem(pkcs8);
  // E2EE-REC-021 (MUST, client): a fresh random salt and IV for every blob.
  const salt = abytes(rng(KDF_SALT_LENGTH), 'rng output', KDF_SALT_LENGTH).slice();
  const iv = abytes(rng(KEY_BLOB_WRITE_IV_LENGTH), 'rng output', KEY_BLOB_WRITE_IV_LENGTH).slice();
  const key = await deriveBlobKey(password, salt, kdf);
  const inner = utf8(toBase64(utf8(pem)));
  try {
    return formatKeyBlob({ sealed: aesGcmEncrypt(key, iv, inner), iv, salt });
  } finally {
    wipe(key, inner);
  }
}

/**
 * Decodes the authenticated plaintext layer: ASCII base64 of a `PRIVATE KEY` PEM block holding
 * PKCS#8 (E2EE-REC-024).
 */
function openPlaintext(plaintext: Uint8Array): { pkcs8: Uint8Array; pem: string } {
  const b64 = fromUtf8(plaintext, 'blob plaintext', 'KEY_BLOB_MALFORMED');
  const pemBytes = fromBase64(b64, 'blob plaintext', 'KEY_BLOB_MALFORMED');
  try {
    const pem = fromUtf8(pemBytes, 'blob plaintext PEM', 'KEY_BLOB_MALFORMED');
    // E2EE-REC-024 (MUST, both): a PEM "PRIVATE KEY" block, else KEY_BLOB_MALFORMED.
    const pkcs8 = pemDecode(pem, PEM_LABELS.privateKey, 'KEY_BLOB_MALFORMED');
    parsePkcs8(pkcs8, 'the decrypted private key');
    return { pkcs8, pem };
  } finally {
    wipe(pemBytes);
  }
}

/**
 * Decrypts a private-key blob with a mnemonic (E2EE-REC-011, E2EE-REC-022..025).
 *
 * Tries every KDF variant of {@link READ_KDFS}; the GCM tag decides which is right. Returns
 * nothing unless one tag verifies and the plaintext is a well-formed PKCS#8 PEM (fail-closed,
 * E2EE-SEC-803). This does not check that the key belongs to the user: use `recoverPrivateKey`
 * (module `recovery`) for that (E2EE-REC-030).
 *
 * @throws SealfoldError `KEY_BLOB_MALFORMED` (syntax, lengths, or a plaintext that is not base64
 *   of a PEM private key), `MNEMONIC_INVALID`, `AEAD_TAG_MISMATCH` (no variant's key verifies the
 *   tag: wrong mnemonic or modified blob), `KEY_MALFORMED` (the PEM body is not PKCS#8).
 * @example
 * ```ts
 * const { pkcs8, pem, kdf } = await decryptPrivateKey(blob, 'deputy abandon … turn');
 * ```
 */
export async function decryptPrivateKey(
  blob: string,
  mnemonic: MnemonicInput,
  options: DecryptPrivateKeyOptions = {},
): Promise<DecryptedPrivateKey> {
  const kdfs = options.kdfs ?? READ_KDFS;
  if (!Array.isArray(kdfs) || kdfs.length === 0) {
    throw new TypeError('"kdfs" must be a non-empty array');
  }
  kdfs.forEach((k, i) => assertKdfVariant(k, `kdfs[${i}]`));
  // Encoding: the blob, then the mnemonic, before any KDF work.
  const { sealed, iv, salt } = parseKeyBlob(blob);
  const password = mnemonicPassword(mnemonic);
  // Authentication: E2EE-REC-011 (MUST, client): try every variant; the GCM tag decides.
  for (const kdf of kdfs) {
    const key = await deriveBlobKey(password, salt, kdf);
    let plaintext: Uint8Array;
    try {
      plaintext = aesGcmDecrypt(key, iv, sealed);
    } catch (e) {
      if (isSealfoldError(e, 'AEAD_TAG_MISMATCH')) continue;
      throw e;
    } finally {
      wipe(key);
    }
    try {
      // E2EE-REC-025 (MUST NOT, client): output only after the tag and the whole plaintext pass.
      return { ...openPlaintext(plaintext), kdf };
    } finally {
      wipe(plaintext);
    }
  }
  throw new SealfoldError('AEAD_TAG_MISMATCH', NO_VARIANT_OPENS);
}
