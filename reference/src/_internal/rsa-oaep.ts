/**
 * RSA-OAEP key wrapping as Nextcloud E2EE uses it for metadata and filedrop keys: OAEP with
 * SHA-256, MGF1 with SHA-256, empty label ("RSA/ECB/OAEPWithSHA-256AndMGF1Padding" with
 * Android's provider defaults; a desktop JVM would default MGF1 to SHA-1, which is incompatible).
 *
 * @module
 */
import {
  constants,
  createHash,
  createPrivateKey,
  createPublicKey,
  privateDecrypt,
  publicEncrypt,
} from 'node:crypto';
import { SealfoldError, typed } from '../errors/index.js';
import { abytes, defaultRng, type Rng } from './bytes.js';

const HASH_LENGTH = 32;

/**
 * Wraps `key` for the holder of the RSA public key `spkiDer`. Without `rng` (or with the production
 * {@link defaultRng}), node:crypto pads and draws the OAEP seed itself. With an injected `rng`,
 * the seed comes from it (EME-OAEP of RFC 8017 §7.1.1,
 * then the raw RSA operation), so that a seeded run writes the same bytes every time (recorded
 * vectors); the ciphertext is the same kind either way and unwraps with {@link rsaOaepUnwrap}.
 */
export function rsaOaepWrap(spkiDer: Uint8Array, key: Uint8Array, rng?: Rng): Uint8Array {
  abytes(spkiDer, 'spkiDer');
  abytes(key, 'key');
  const pub = typed('KEY_MALFORMED', 'the RSA public key does not parse as SPKI', () =>
    createPublicKey({ key: Buffer.from(spkiDer), format: 'der', type: 'spki' }),
  );
  if (rng === undefined || rng === defaultRng)
    return new Uint8Array(
      publicEncrypt(
        { key: pub, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
        key,
      ),
    );
  const k = (pub.asymmetricKeyDetails?.modulusLength ?? 0) / 8;
  if (!Number.isInteger(k) || key.length > k - 2 * HASH_LENGTH - 2)
    throw new SealfoldError('INPUT_MALFORMED', 'the key is too long for this RSA modulus');
  const seed = abytes(rng(HASH_LENGTH), 'rng output', HASH_LENGTH);
  // DB = lHash || PS || 0x01 || M, with the empty label's hash.
  const db = new Uint8Array(k - HASH_LENGTH - 1);
  db.set(sha256(new Uint8Array(0)));
  db[db.length - key.length - 1] = 1;
  db.set(key, db.length - key.length);
  xorInto(db, mgf1(seed, db.length));
  const maskedSeed = new Uint8Array(seed);
  xorInto(maskedSeed, mgf1(db, HASH_LENGTH));
  const em = new Uint8Array(k);
  em.set(maskedSeed, 1);
  em.set(db, 1 + HASH_LENGTH);
  return new Uint8Array(publicEncrypt({ key: pub, padding: constants.RSA_NO_PADDING }, em));
}

function sha256(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

/** MGF1 with SHA-256 (RFC 8017 §B.2.1), the profile's mask function (E2EE-META-035). */
function mgf1(seed: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(Math.ceil(length / HASH_LENGTH) * HASH_LENGTH);
  for (let i = 0; i * HASH_LENGTH < length; i++) {
    const counter = new Uint8Array([i >>> 24, (i >>> 16) & 255, (i >>> 8) & 255, i & 255]);
    out.set(sha256(seed, counter), i * HASH_LENGTH);
  }
  return out.subarray(0, length);
}

function xorInto(target: Uint8Array, mask: Uint8Array): void {
  for (let i = 0; i < target.length; i++) target[i]! ^= mask[i]!;
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
