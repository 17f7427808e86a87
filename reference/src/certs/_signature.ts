/**
 * RSASSA-PKCS1-v1_5 signature verification over a DER TBS structure, for certificates and CSRs
 * (spec/03-certificates.md §Validation). Signature algorithms are identified by OID; only the
 * RSA PKCS#1 v1.5 family with SHA-1, SHA-256, SHA-384 or SHA-512 is verifiable (E2EE-CERT-012).
 *
 * @module
 */
import { constants, verify, type KeyObject } from 'node:crypto';

/** OID → node:crypto digest name for the accepted signature algorithms (E2EE-CERT-012). */
export const VERIFIABLE_SIGNATURES: Readonly<Record<string, string>> = Object.freeze({
  '1.2.840.113549.1.1.5': 'sha1', // sha1WithRSAEncryption: certificates from older servers
  '1.2.840.113549.1.1.11': 'sha256', // sha256WithRSAEncryption: servers since "enforce SHA256"
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
});

/** OIDs writers sign with (sha256WithRSAEncryption). */
export const OID_SHA256_WITH_RSA = '1.2.840.113549.1.1.11';

/**
 * True when `signature` is a valid RSASSA-PKCS1-v1_5 signature by `key` over `tbs` with the
 * digest named by `algorithmOid`; false for any other algorithm, a non-RSA key, or any failure.
 */
export function verifyPkcs1Signature(
  algorithmOid: string,
  key: KeyObject,
  tbs: Uint8Array,
  signature: Uint8Array,
): boolean {
  const digest = VERIFIABLE_SIGNATURES[algorithmOid];
  if (digest === undefined || key.asymmetricKeyType !== 'rsa') return false;
  try {
    return verify(digest, tbs, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
  } catch {
    return false;
  }
}
