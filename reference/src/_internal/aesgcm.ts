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
import {
  createCipheriv,
  createDecipheriv,
  type CipherGCM,
  type CipherGCMTypes,
  type DecipherGCM,
} from 'node:crypto';
import { SealfoldError } from '../errors/index.js';
import { abytes } from './bytes.js';

export const GCM_TAG_LENGTH = 16;
/** IV lengths accepted on reading. */
export const GCM_IV_LENGTHS = [12, 16] as const;

function algorithm(key: Uint8Array): CipherGCMTypes {
  return key.length === 16 ? 'aes-128-gcm' : 'aes-256-gcm';
}

/**
 * Input slice per `update()` call. Each call returns a fresh buffer that is copied into the one
 * output buffer while it is still in cache. One `update()` over a whole large body would cost
 * more: node allocates its output one block too long and then copies it into an exact-size
 * buffer, so the body is held twice (and `ct ‖ tag` would need a third copy to append the tag).
 * Sliced, the peak is the output plus one slice, and the copies are cache-sized.
 */
export const GCM_UPDATE_SLICE = 256 * 1024;

/** Runs `input` through `c` slice by slice into `out` (same length as `input`, offset 0). */
function updateInto(c: CipherGCM | DecipherGCM, input: Uint8Array, out: Uint8Array): void {
  for (let off = 0; off < input.length; off += GCM_UPDATE_SLICE) {
    const part = c.update(input.subarray(off, Math.min(off + GCM_UPDATE_SLICE, input.length)));
    // GCM is a stream mode: update() returns exactly as many bytes as it was given.
    out.set(part, off);
  }
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
  const sealed = new Uint8Array(plaintext.length + GCM_TAG_LENGTH);
  updateInto(c, plaintext, sealed);
  c.final(); // GCM has no buffered block: final() returns nothing and computes the tag.
  sealed.set(c.getAuthTag(), plaintext.length);
  return sealed;
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
  const plaintext = new Uint8Array(split);
  updateInto(d, sealed.subarray(0, split), plaintext);
  try {
    d.final(); // verifies the tag; for GCM it returns no bytes
    return plaintext;
  } catch (e) {
    plaintext.fill(0);
    throw new SealfoldError('AEAD_TAG_MISMATCH', undefined, { cause: e });
  }
}
