/**
 * Client-side validation of user certificates against the server key: spec/03-certificates.md
 * §Validation (E2EE-CERT-010..029).
 *
 * Nextcloud's server signs CSRs with `openssl_csr_sign($csr, null, $systemKey, 7300)`: there is
 * no CA certificate, the issuer DN is the subject DN, and "chain validation" is exactly one
 * signature check of the TBSCertificate with the raw server public key from `/server-key`. The
 * client therefore does not build a chain and does not interpret issuer names, serials,
 * basicConstraints or validity dates; it checks encoding, key policy, the signature, and that the
 * CN is the user id it expects, in that order (encoding → structure → authentication → policy).
 *
 * @module
 */
import type { KeyObject } from 'node:crypto';
import { astring } from '../_internal/bytes.js';
import { SealfoldError } from '../errors/index.js';
import { keysMatch } from '../keys/index.js';
import { parseSpki } from '../_internal/key-der.js';
import { checkUserKeyObject } from '../_internal/key-policy.js';
import { PEM_LABELS, pemDecode } from '../pem/index.js';
import {
  parseCertificateParts,
  type CertificateInput,
  type ParsedCertificate,
} from '../_internal/x509.js';
import { verifyPkcs1Signature } from './_signature.js';

/** Options of {@link verifyUserCertificate}. */
export interface VerifyUserCertificateOptions {
  /** The user certificate: PEM, DER, or already parsed. */
  certificate: CertificateInput;
  /** The server key from `/server-key`: SPKI DER or `PUBLIC KEY` PEM. */
  serverPublicKey: Uint8Array | string;
  /** The user id the certificate must name: a uid, or `s:<shareToken>` for a 2.1 link share. */
  userId: string;
}

/** Decodes and parses the server key (PEM or DER). */
function serverKeyOf(input: Uint8Array | string): KeyObject {
  const der = typeof input === 'string' ? pemDecode(input, PEM_LABELS.publicKey) : input;
  return parseSpki(der, 'serverPublicKey');
}

/**
 * Validates a user certificate as issued by the server (E2EE-CERT-010..016).
 *
 * Accepted quirks (E2EE-CERT-011): issuer == subject, serial 0, basicConstraints CA:TRUE,
 * a 20-year (or any) validity period, sha1WithRSAEncryption or sha256WithRSAEncryption.
 *
 * @returns The parsed certificate.
 * @throws PEM_MALFORMED, CERT_MALFORMED, KEY_MALFORMED (server key); KEY_UNSUPPORTED (server or
 *   subject key outside the key policy); CERT_UNTRUSTED (not signed by the server key, or an
 *   unverifiable signature algorithm); CERT_USER_MISMATCH (CN ≠ userId).
 * @example
 * const cert = verifyUserCertificate({ certificate: pem, serverPublicKey: serverPem, userId: 'alice' });
 */
export function verifyUserCertificate(opts: VerifyUserCertificateOptions): ParsedCertificate {
  if (opts === null || typeof opts !== 'object') throw new TypeError('options must be an object');
  astring(opts.userId, 'userId');
  // Encoding.
  const parts = parseCertificateParts(opts.certificate);
  const serverKey = serverKeyOf(opts.serverPublicKey);
  // Structure. E2EE-CERT-013 (MUST, client): both keys satisfy the RSA key policy (E2EE-KEY-004).
  checkUserKeyObject(serverKey);
  checkUserKeyObject(parts.subjectKey);
  // Authentication.
  // E2EE-CERT-012 (MUST, client): the signature verifies with the server key, SHA-1/256/384/512.
  const ok = verifyPkcs1Signature(parts.signatureOid, serverKey, parts.tbs, parts.signature);
  if (!ok) {
    throw new SealfoldError(
      'CERT_UNTRUSTED',
      `the certificate is not signed by the server key (${parts.cert.signatureAlgorithm})`,
    );
  }
  // Policy. E2EE-CERT-014 (MUST, client): the single subject CN equals the user id exactly.
  if (parts.cert.subjectCn !== opts.userId) {
    throw new SealfoldError(
      'CERT_USER_MISMATCH',
      `the certificate's CN is not the expected user id ${JSON.stringify(opts.userId)}`,
    );
  }
  return parts.cert;
}

/**
 * Checks that a private key belongs to a certificate (E2EE-CERT-016, invariant K1).
 *
 * @throws KEY_MALFORMED, CERT_MALFORMED, PEM_MALFORMED, KEY_MISMATCH.
 */
export function assertKeyMatchesCertificate(
  pkcs8: Uint8Array,
  certificate: CertificateInput,
): void {
  const { cert } = parseCertificateParts(certificate);
  // E2EE-CERT-016 (MUST, client): the private key's public half equals the certificate's key.
  if (!keysMatch(pkcs8, cert.spki)) {
    throw new SealfoldError('KEY_MISMATCH', 'the private key does not belong to the certificate');
  }
}
