/**
 * Strict parsing of PKCS#8 and SPKI DER into Node KeyObjects (spec/02-keys.md §Encodings).
 *
 * The ASN.1 envelope is checked with pkijs first (exactly one DER element, no trailing bytes,
 * the RFC 5958 / RFC 5280 structure); node:crypto then parses the key itself. Both failures are
 * KEY_MALFORMED (E2EE-KEY-013).
 *
 * @module
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import * as pkijs from 'pkijs';
import { abytes } from './bytes.js';
import { decodeDer } from './pkijs.js';
import { SealfoldError, typed } from '../errors/index.js';

/**
 * PrivateKeyInfo ::= SEQUENCE { version INTEGER, privateKeyAlgorithm AlgorithmIdentifier,
 *   privateKey OCTET STRING, attributes [0] IMPLICIT Attributes OPTIONAL }  (RFC 5958 §2)
 */
export function parsePkcs8(der: Uint8Array, name = 'pkcs8'): KeyObject {
  abytes(der, name);
  // E2EE-KEY-013 (MUST, both): a private key that does not parse as PKCS#8 is KEY_MALFORMED.
  decodeDer(pkijs.PrivateKeyInfo, der, 'KEY_MALFORMED', 'the private key (PKCS#8)');
  return typed('KEY_MALFORMED', 'the private key does not parse as PKCS#8', () =>
    createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' }),
  );
}

/**
 * SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier,
 *   subjectPublicKey BIT STRING }  (RFC 5280 §4.1)
 */
export function parseSpki(
  der: Uint8Array,
  name = 'spki',
  code: 'KEY_MALFORMED' | 'CERT_MALFORMED' | 'CSR_MALFORMED' = 'KEY_MALFORMED',
): KeyObject {
  abytes(der, name);
  // E2EE-KEY-013 (MUST, both): a public key that does not parse as SPKI is KEY_MALFORMED
  // (or the code of the structure that embeds it).
  decodeDer(pkijs.PublicKeyInfo, der, code, `the ${name} (SPKI)`);
  return typed(code, `the ${name} does not parse as SPKI`, () =>
    createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' }),
  );
}

/** Canonical SPKI DER of a key object (Node/OpenSSL encoding). */
export function spkiOf(key: KeyObject): Uint8Array {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return new Uint8Array(pub.export({ type: 'spki', format: 'der' }));
}

/** The RSA public parameters (base64url n, e) of a key, for comparisons. */
export function rsaPublicParams(key: KeyObject): { n: string; e: string } {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  if (pub.asymmetricKeyType !== 'rsa') {
    throw new SealfoldError('KEY_UNSUPPORTED', `expected an RSA key, got ${pub.asymmetricKeyType}`);
  }
  const jwk = pub.export({ format: 'jwk' });
  return { n: String(jwk.n), e: String(jwk.e) };
}
