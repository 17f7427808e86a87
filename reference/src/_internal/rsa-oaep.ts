/**
 * RSA-OAEP key wrapping as Nextcloud E2EE uses it for metadata and filedrop keys: OAEP with
 * SHA-256, MGF1 with SHA-256, empty label ("RSA/ECB/OAEPWithSHA-256AndMGF1Padding" with
 * Android's provider defaults; a desktop JVM would default MGF1 to SHA-1, which is incompatible).
 *
 * @module
 */
import {
  constants,
  createPrivateKey,
  createPublicKey,
  privateDecrypt,
  publicEncrypt,
} from 'node:crypto';
import { SealfoldError, typed } from '../errors/index.js';
import { abytes } from './bytes.js';

/** Wraps `key` for the holder of the RSA public key `spkiDer`. */
export function rsaOaepWrap(spkiDer: Uint8Array, key: Uint8Array): Uint8Array {
  abytes(spkiDer, 'spkiDer');
  abytes(key, 'key');
  const pub = typed('KEY_MALFORMED', 'the RSA public key does not parse as SPKI', () =>
    createPublicKey({ key: Buffer.from(spkiDer), format: 'der', type: 'spki' }),
  );
  return new Uint8Array(
    publicEncrypt({ key: pub, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, key),
  );
}

/** Unwraps with the RSA private key `pkcs8Der`; any failure is KEY_UNWRAP_FAILED. */
export function rsaOaepUnwrap(pkcs8Der: Uint8Array, wrapped: Uint8Array): Uint8Array {
  abytes(pkcs8Der, 'pkcs8Der');
  abytes(wrapped, 'wrapped');
  const priv = typed('KEY_MALFORMED', 'the RSA private key does not parse as PKCS#8', () =>
    createPrivateKey({ key: Buffer.from(pkcs8Der), format: 'der', type: 'pkcs8' }),
  );
  try {
    return new Uint8Array(
      privateDecrypt(
        { key: priv, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
        wrapped,
      ),
    );
  } catch (e) {
    throw new SealfoldError('KEY_UNWRAP_FAILED', undefined, { cause: e });
  }
}
