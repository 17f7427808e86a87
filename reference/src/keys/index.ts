/**
 * The user key pair: generation, PKCS#8 / SPKI encodings, the key policy and key matching
 * (spec/02-keys.md, E2EE-KEY-001..099).
 *
 * A user key pair is RSA with a 2048-bit modulus and public exponent 65537, as every Nextcloud
 * client generates it (desktop `rsaKeyLen = 2048`, web `modulusLength: 2048`, Android
 * `KeyPairGenerator("RSA").initialize(2048)`, iOS `EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 2048)`).
 * Private keys travel as PKCS#8 (`-----BEGIN PRIVATE KEY-----`), public keys as SPKI
 * (`-----BEGIN PUBLIC KEY-----`).
 *
 * @module
 */
import { generateKeyPair as nodeGenerateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import * as asn1js from 'asn1js';
import { abytes } from '../_internal/bytes.js';
import { decodeAsn1 } from '../_internal/pkijs.js';
import { PEM_LABELS, pemDecode, pemEncode } from '../pem/index.js';
import { parsePkcs8, parseSpki, rsaPublicParams, spkiOf } from '../_internal/key-der.js';
import {
  checkUserKeyObject,
  USER_KEY_BITS,
  USER_KEY_EXPONENT,
  type RsaKeyInfo,
} from '../_internal/key-policy.js';

export {
  ACCEPTED_KEY_BITS,
  USER_KEY_BITS,
  USER_KEY_EXPONENT,
  type RsaKeyInfo,
} from '../_internal/key-policy.js';

/** A user key pair as DER: PKCS#8 private key and SPKI public key. */
export interface UserKeyPair {
  pkcs8: Uint8Array;
  spki: Uint8Array;
}

const generate = promisify(nodeGenerateKeyPair);

/**
 * Generates a user key pair: RSA-2048, e = 65537 (E2EE-KEY-001), with OpenSSL's CSPRNG through
 * node:crypto (not injectable; tests that need fixed keys use fixtures).
 *
 * @returns `{ pkcs8, spki }` DER.
 * @example
 * const { pkcs8, spki } = await generateUserKeyPair();
 */
export async function generateUserKeyPair(): Promise<UserKeyPair> {
  const { privateKey, publicKey } = await generate('rsa', {
    modulusLength: USER_KEY_BITS,
    publicExponent: USER_KEY_EXPONENT,
  });
  return {
    pkcs8: new Uint8Array(privateKey.export({ type: 'pkcs8', format: 'der' })),
    spki: new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })),
  };
}

/**
 * Decodes a `PRIVATE KEY` PEM block and checks that it parses as PKCS#8.
 *
 * @returns The PKCS#8 DER.
 * @throws PEM_MALFORMED (not a `PRIVATE KEY` block), KEY_MALFORMED (does not parse).
 */
export function privateKeyFromPem(pem: string): Uint8Array {
  const der = pemDecode(pem, PEM_LABELS.privateKey);
  parsePkcs8(der, 'private key');
  return der;
}

/** Encodes PKCS#8 DER as a `PRIVATE KEY` PEM block (KEY_MALFORMED if it does not parse). */
export function privateKeyToPem(pkcs8: Uint8Array): string {
  parsePkcs8(pkcs8, 'pkcs8');
  return pemEncode(PEM_LABELS.privateKey, pkcs8);
}

/**
 * Decodes a `PUBLIC KEY` PEM block and checks that it parses as SPKI.
 *
 * @throws PEM_MALFORMED, KEY_MALFORMED.
 */
export function publicKeyFromPem(pem: string): Uint8Array {
  const der = pemDecode(pem, PEM_LABELS.publicKey);
  parseSpki(der, 'public key');
  return der;
}

/** Encodes SPKI DER as a `PUBLIC KEY` PEM block (KEY_MALFORMED if it does not parse). */
export function publicKeyToPem(spki: Uint8Array): string {
  parseSpki(spki, 'spki');
  return pemEncode(PEM_LABELS.publicKey, spki);
}

/** The SPKI DER of the public half of a PKCS#8 private key (E2EE-KEY-003). */
export function publicKeyOf(pkcs8: Uint8Array): Uint8Array {
  return spkiOf(parsePkcs8(pkcs8, 'pkcs8'));
}

/** PKCS#8 begins with `version INTEGER`; SPKI with the `algorithm` SEQUENCE. */
function parseEither(der: Uint8Array): KeyObject {
  abytes(der, 'key');
  const top = decodeAsn1(der, 'KEY_MALFORMED', 'the key');
  const first = top instanceof asn1js.Sequence ? top.valueBlock.value[0] : undefined;
  return first instanceof asn1js.Integer ? parsePkcs8(der, 'key') : parseSpki(der, 'key');
}

/**
 * Checks the key policy for a user key (E2EE-KEY-004): RSA (rsaEncryption, not RSASSA-PSS),
 * modulus of 2048 to 4096 bits, public exponent 65537.
 *
 * @param key PKCS#8 or SPKI DER.
 * @throws KEY_MALFORMED (does not parse), KEY_UNSUPPORTED (parses, violates the policy).
 */
export function assertUserKey(key: Uint8Array): RsaKeyInfo {
  return checkUserKeyObject(parseEither(key));
}

/**
 * True when the PKCS#8 private key and the SPKI public key form one RSA key pair: equal modulus
 * and exponent (E2EE-KEY-005). Compares the numbers, not the encodings.
 *
 * @throws KEY_MALFORMED when either does not parse, KEY_UNSUPPORTED when either is not RSA.
 */
export function keysMatch(pkcs8: Uint8Array, spki: Uint8Array): boolean {
  const a = rsaPublicParams(parsePkcs8(pkcs8, 'pkcs8'));
  const b = rsaPublicParams(parseSpki(spki, 'spki'));
  return a.n === b.n && a.e === b.e;
}
