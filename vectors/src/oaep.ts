/**
 * Deterministic RSA-OAEP wrapping for vectors. node:crypto draws the OAEP seed itself, so the
 * reference's `rsaOaepWrap` cannot be made reproducible; node-forge's EME-OAEP encoder takes the
 * seed as a parameter. The result is an ordinary OAEP ciphertext that any RSA-OAEP decrypter
 * opens (the independent check decrypts every one with node:crypto or the OpenSSL CLI).
 *
 * @module
 */
import forge from 'node-forge';
import type { Rng } from '../../reference/src/_internal/bytes.js';

/** OAEP hash and MGF1 hash: the profile's pair, and the desktop-JVM default trap. */
export type OaepHashes = { readonly hash: 'sha256' | 'sha1'; readonly mgf1: 'sha256' | 'sha1' };

/** The Nextcloud profile (E2EE-META-035): OAEP-SHA-256, MGF1-SHA-256, empty label. */
export const PROFILE_OAEP: OaepHashes = { hash: 'sha256', mgf1: 'sha256' };

function md(name: 'sha256' | 'sha1'): forge.md.MessageDigest {
  return name === 'sha256' ? forge.md.sha256.create() : forge.md.sha1.create();
}

/** Wraps `key` for the RSA public key `spkiDer` with the OAEP seed drawn from `rng`. */
export function oaepWrapSeeded(
  spkiDer: Uint8Array,
  key: Uint8Array,
  rng: Rng,
  hashes: OaepHashes = PROFILE_OAEP,
): Uint8Array {
  const asn1 = forge.asn1.fromDer(forge.util.binary.raw.encode(spkiDer));
  const pub = forge.pki.publicKeyFromAsn1(asn1) as forge.pki.rsa.PublicKey;
  const seedLength = hashes.hash === 'sha256' ? 32 : 20;
  const seed = forge.util.binary.raw.encode(rng(seedLength));
  const ct = pub.encrypt(forge.util.binary.raw.encode(key), 'RSA-OAEP', {
    md: md(hashes.hash),
    mgf1: { md: md(hashes.mgf1) },
    seed,
  });
  return new Uint8Array(forge.util.binary.raw.decode(ct));
}
