/**
 * Certificates on the client: CSR creation, certificate parsing and validation against the
 * server key, key/certificate matching, fingerprints and pinning (spec/03-certificates.md,
 * E2EE-CERT-001..049).
 *
 * @module
 */
import { abytes, equalBytes, sha256Hex } from '../_internal/bytes.js';
import { pemEncode, PEM_LABELS } from '../pem/index.js';
import {
  certificateDer,
  parseCertificateParts,
  type CertificateInput,
  type ParsedCertificate,
} from '../_internal/x509.js';

export type { CertificateInput, ParsedCertificate } from '../_internal/x509.js';
export {
  acceptUserCertificate,
  acceptUserCertificates,
  type AcceptUserCertificateOptions,
  type AcceptUserCertificatesOptions,
  type AcceptedCertificate,
} from './accept.js';
export { createCsr, csrToPem, parseCsr, verifyCsr, type ParsedCsr } from './csr.js';
export {
  assertKeyMatchesCertificate,
  verifyUserCertificate,
  type VerifyUserCertificateOptions,
} from './verify.js';
export {
  FilePinStore,
  MemoryPinStore,
  StatePinStore,
  isPinVerified,
  markPinVerified,
  pinCertificate,
  pinIdentity,
  pinServerKey,
  repinCertificate,
  repinServerKey,
  type PinRecord,
  type PinResult,
  type PinStore,
} from './pinning.js';

/**
 * Parses an X.509 certificate (PEM `CERTIFICATE` or DER) without judging it (E2EE-CERT-010).
 *
 * @throws PEM_MALFORMED, CERT_MALFORMED.
 * @example
 * const { subjectCn, serialHex, signatureAlgorithm } = parseCertificate(pem);
 */
export function parseCertificate(input: string | Uint8Array): ParsedCertificate {
  return parseCertificateParts(input).cert;
}

/** Encodes certificate DER as a `CERTIFICATE` PEM block. */
export function certificateToPem(der: Uint8Array): string {
  return pemEncode(PEM_LABELS.certificate, abytes(der, 'der'));
}

/** Lowercase hex SHA-256 of the certificate's DER encoding (E2EE-CERT-030). */
export function certificateFingerprint(certificate: CertificateInput): string {
  return sha256Hex(certificateDer(certificate));
}

/** Lowercase hex SHA-256 of SPKI DER: the key fingerprint that pins record (E2EE-CERT-030). */
export function spkiFingerprint(spki: Uint8Array): string {
  return sha256Hex(abytes(spki, 'spki'));
}

/**
 * True when both inputs are the same certificate: equal DER, whatever the PEM wrapping (line
 * lengths, final line break) or the input form.
 *
 * @throws PEM_MALFORMED for a broken PEM block.
 */
export function sameCertificate(a: CertificateInput, b: CertificateInput): boolean {
  // E2EE-CERT-081 (MUST, client): certificates are compared as DER, never as PEM text.
  return equalBytes(certificateDer(a), certificateDer(b));
}
