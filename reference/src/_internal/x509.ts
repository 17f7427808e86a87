/**
 * X.509 certificate parsing (RFC 5280 §4.1) for user certificates issued by a Nextcloud-style
 * server (spec/03-certificates.md §Parsing).
 *
 *     Certificate ::= SEQUENCE { tbsCertificate TBSCertificate,
 *       signatureAlgorithm AlgorithmIdentifier, signatureValue BIT STRING }
 *
 * Parsing checks the encoding and the structure only. It deliberately accepts the quirks of
 * certificates that `openssl_csr_sign(csr, null, serverKey, 7300)` produces (E2EE-CERT-011):
 * issuer DN equal to the subject DN, serial number 0, basicConstraints CA:TRUE, a 20-year
 * validity, and sha1WithRSAEncryption signatures.
 *
 * @module
 */
import type { KeyObject } from 'node:crypto';
import * as pkijs from 'pkijs';
import { abytes, equalBytes, sha256Hex } from './bytes.js';
import { SIGNATURE_ALGORITHMS, bytesOf, commonNames, decodeDer, formatName } from './pkijs.js';
import { SealfoldError, typed } from '../errors/index.js';
import { parseSpki, spkiOf } from './key-der.js';
import { PEM_LABELS, pemDecode } from '../pem/index.js';

/** A parsed certificate (E2EE-CERT-010). All byte fields are copies. */
export interface ParsedCertificate {
  /** The certificate's DER encoding. */
  der: Uint8Array;
  /** Subject DN, e.g. `C=DE, ST=Baden-Wuerttemberg, L=Stuttgart, O=Nextcloud, CN=alice`. */
  subject: string;
  /** Issuer DN in the same form. */
  issuer: string;
  /** The subject's single commonName, or null when it has none or several. */
  subjectCn: string | null;
  /** The issuer's single commonName, or null. */
  issuerCn: string | null;
  /** The subject public key as canonical SPKI DER. */
  spki: Uint8Array;
  /** Serial number, lowercase hex without leading zeros (`'0'` for Nextcloud certificates). */
  serialHex: string;
  /** Signature algorithm name (`'sha1WithRSAEncryption'`, …), or its dotted OID if unknown. */
  signatureAlgorithm: string;
  notBefore: Date;
  notAfter: Date;
  /** basicConstraints cA (Nextcloud's server sets CA:TRUE on user certificates). */
  isCa: boolean;
  /** Lowercase hex SHA-256 of `der` (E2EE-CERT-030). */
  fingerprint: string;
}

/** What verification needs besides the public view. */
export interface CertificateParts {
  cert: ParsedCertificate;
  /** The decoded structure (issuer and serial encodings, extensions) for signer matching. */
  pki: pkijs.Certificate;
  tbs: Uint8Array;
  signature: Uint8Array;
  signatureOid: string;
  subjectKey: KeyObject;
}

/** Signed big-endian integer bytes → lowercase hex without leading zeros. */
function integerHex(bytes: Uint8Array): string {
  if (bytes.length === 0) return '0';
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  if (bytes[0]! & 0x80) v -= 1n << BigInt(bytes.length * 8);
  return v.toString(16);
}

function single(cns: (string | null)[]): string | null {
  return cns.length === 1 ? cns[0]! : null;
}

/** Input forms accepted where a certificate is expected. */
export type CertificateInput = string | Uint8Array | ParsedCertificate;

/** Decodes PEM (`CERTIFICATE`) or takes DER; ParsedCertificate values give their DER. */
export function certificateDer(input: CertificateInput): Uint8Array {
  if (typeof input === 'string') return pemDecode(input, PEM_LABELS.certificate);
  if (input instanceof Uint8Array) return abytes(input, 'certificate');
  if (input !== null && typeof input === 'object' && 'der' in input)
    return abytes(input.der, 'certificate.der');
  throw new TypeError('"certificate" must be a PEM string, DER bytes or a parsed certificate');
}

/** Parses a certificate and keeps the parts that signature verification needs. */
export function parseCertificateParts(input: CertificateInput): CertificateParts {
  const der = new Uint8Array(certificateDer(input));
  // E2EE-CERT-010 (MUST, client): a certificate that does not parse as X.509 is CERT_MALFORMED.
  const c = decodeDer(pkijs.Certificate, der, 'CERT_MALFORMED', 'the certificate');
  return typed('CERT_MALFORMED', 'the certificate does not parse as X.509', () => {
    const signatureOid = c.signatureAlgorithm.algorithmId;
    // RFC 5280 §4.1.1.2: the outer AlgorithmIdentifier must equal tbsCertificate.signature. The
    // encodings are compared, because the outer one is not signed and must not be malleable.
    const outer = bytesOf(c.signatureAlgorithm.toSchema().toBER());
    const inner = bytesOf(c.signature.toSchema().toBER());
    if (!equalBytes(outer, inner)) {
      throw new SealfoldError(
        'CERT_MALFORMED',
        'the certificate names two different signature algorithms',
      );
    }
    // The signature is a whole number of bytes (no unused bits in the BIT STRING).
    if (c.signatureValue.valueBlock.unusedBits !== 0) {
      throw new SealfoldError('CERT_MALFORMED', 'the certificate signature has unused bits');
    }
    const spkiDer = bytesOf(c.subjectPublicKeyInfo.toSchema().toBER());
    const subjectKey = parseSpki(spkiDer, 'subject public key', 'CERT_MALFORMED');
    const bc = c.extensions?.find((e) => e.extnID === '2.5.29.19')?.parsedValue as
      pkijs.BasicConstraints | undefined;
    const cert: ParsedCertificate = {
      der,
      subject: formatName(c.subject),
      issuer: formatName(c.issuer),
      subjectCn: single(commonNames(c.subject)),
      issuerCn: single(commonNames(c.issuer)),
      spki: spkiOf(subjectKey),
      serialHex: integerHex(c.serialNumber.valueBlock.valueHexView),
      signatureAlgorithm: SIGNATURE_ALGORITHMS[signatureOid] ?? signatureOid,
      notBefore: new Date(c.notBefore.value.getTime()),
      notAfter: new Date(c.notAfter.value.getTime()),
      isCa: bc instanceof pkijs.BasicConstraints && bc.cA === true,
      fingerprint: sha256Hex(der),
    };
    return {
      cert,
      pki: c,
      tbs: bytesOf(c.tbsView),
      signature: bytesOf(c.signatureValue.valueBlock.valueHexView),
      signatureOid,
      subjectKey,
    };
  });
}
