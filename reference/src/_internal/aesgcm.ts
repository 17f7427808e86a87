/**
 * Whole-buffer AES-GCM as every Nextcloud E2EE object uses it: 128-bit tag appended to the
 * ciphertext (`ct ‖ tag`), 16- or 32-byte keys, 12- or 16-byte IVs. Bulk file payloads use the
 * streaming code in `files/`; this is for keys, metadata and small objects.
 *
 * Rationale for IV lengths: the RFC and the web client use 96-bit IVs; desktop, Android and iOS
 * use 128-bit IVs (GCM derives J0 through GHASH then). Readers accept both; writers emit 12.
 *
 * @module
 */
import { createCipheriv, createDecipheriv, type CipherGCMTypes } from 'node:crypto';
import { SealfoldError } from '../errors/index.js';
import { abytes, concatBytes } from './bytes.js';

export const GCM_TAG_LENGTH = 16;
/** IV lengths accepted on reading. */
export const GCM_IV_LENGTHS = [12, 16] as const;

function algorithm(key: Uint8Array): CipherGCMTypes {
  return key.length === 16 ? 'aes-128-gcm' : 'aes-256-gcm';
}

function checkIv(iv: Uint8Array): void {
  if (!(GCM_IV_LENGTHS as readonly number[]).includes(iv.length)) {
    throw new SealfoldError(
      'CIPHERTEXT_MALFORMED',
      `the AES-GCM IV must be 12 or 16 bytes, got ${iv.length}`,
    );
  }
}

/** Encrypts and returns `ciphertext ‖ tag`. */
export function aesGcmEncrypt(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array): Uint8Array {
  abytes(key, 'key', 16, 32);
  abytes(iv, 'iv');
  abytes(plaintext, 'plaintext');
  checkIv(iv);
  const c = createCipheriv(algorithm(key), key, iv, { authTagLength: GCM_TAG_LENGTH });
  return concatBytes(c.update(plaintext), c.final(), c.getAuthTag());
}

/**
 * Decrypts `ciphertext ‖ tag`. Nothing is returned unless the tag verifies (AEAD_TAG_MISMATCH
 * otherwise); input shorter than a tag is CIPHERTEXT_MALFORMED.
 */
export function aesGcmDecrypt(key: Uint8Array, iv: Uint8Array, sealed: Uint8Array): Uint8Array {
  abytes(key, 'key', 16, 32);
  abytes(iv, 'iv');
  abytes(sealed, 'ciphertext');
  checkIv(iv);
  if (sealed.length < GCM_TAG_LENGTH) {
    throw new SealfoldError(
      'CIPHERTEXT_MALFORMED',
      `the ciphertext is shorter than its ${GCM_TAG_LENGTH}-byte tag`,
    );
  }
  const split = sealed.length - GCM_TAG_LENGTH;
  const d = createDecipheriv(algorithm(key), key, iv, { authTagLength: GCM_TAG_LENGTH });
  d.setAuthTag(sealed.subarray(split));
  const body = d.update(sealed.subarray(0, split));
  try {
    const tail = d.final();
    return concatBytes(body, tail);
  } catch (e) {
    body.fill(0);
    throw new SealfoldError('AEAD_TAG_MISMATCH', undefined, { cause: e });
  }
}
