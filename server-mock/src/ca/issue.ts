/**
 * Certificate issuance for `POST /public-key`: spec/13-certificate-authority.md
 * (E2EE-CERT-050..059).
 *
 * Nextcloud signs CSRs with `openssl_csr_sign($csr, null, $systemKey, 7300)`. The mock reproduces
 * that certificate profile byte for byte where clients can observe it:
 *
 *     Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm sha256WithRSAEncryption, signature }
 *     tbsCertificate: version v3, serialNumber 0 (compatible) or 16 random bytes (strict),
 *       issuer = subject = the CSR's subject DN (copied as encoded), validity now .. now + 7300 days,
 *       subjectPublicKeyInfo = the CSR's, extensions (in this order):
 *         subjectKeyIdentifier   = SHA-1 of the subjectPublicKey BIT STRING contents
 *         authorityKeyIdentifier = { keyIdentifier: the same value }   (OpenSSL, no CA certificate)
 *         basicConstraints       = critical, cA TRUE
 *
 * CSR extensions are not copied. The certificate is not self-signed: its signature verifies with
 * the CA key served by `/server-key`, not with the subject key.
 *
 * Checks, in layer order: the CSR parses (PEM_MALFORMED / CSR_MALFORMED), its self-signature
 * verifies (CSR_INVALID), its single commonName equals the expected owner (CERT_USER_MISMATCH).
 *
 * @module
 */
import { createHash } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { SealfoldError } from '../../../reference/src/errors/index.js';
import { defaultRng, type Rng } from '../../../reference/src/bytes/index.js';
import { bytesOf, decodeDer } from '../../../reference/src/primitives/index.js';
import { parseCsr } from '../../../reference/src/certs/index.js';
import { certificateFingerprint, certificateToPem } from '../../../reference/src/certs/index.js';
import type { CaSigner } from './signer.js';
import { NO_FAULTS, type FaultSwitches } from '../faults.js';

/** Validity of issued certificates: 7300 days (20 years), as Nextcloud's server. */
export const VALIDITY_DAYS = 7300;

const OID_SHA256_WITH_RSA = '1.2.840.113549.1.1.11';
const OID_SKI = '2.5.29.14';
const OID_AKI = '2.5.29.35';
const OID_BASIC_CONSTRAINTS = '2.5.29.19';

/** Options of {@link issueCertificate}. */
export interface IssueOptions {
  /** The CSR: PEM `CERTIFICATE REQUEST` (as clients send it) or DER. */
  csr: string | Uint8Array;
  /** The commonName the CSR must carry: the uid, or `s:<shareToken>`. */
  expectedCn: string;
  signer: CaSigner;
  /** Issuance time (notBefore). */
  now: Date;
  /** `zero` (Nextcloud-compatible, the default) or `random` (strict mode, E2EE-CERT-054). */
  serial?: 'zero' | 'random';
  rng?: Rng;
  /** Fault switches (`../faults.ts`); all off when absent. */
  faults?: FaultSwitches;
}

/** An issued certificate. */
export interface IssuedCertificate {
  pem: string;
  der: Uint8Array;
  /** hex SHA-256 of `der`. */
  fingerprint: string;
  /** Serial number, lowercase hex without leading zeros (`0` in compatible mode). */
  serialHex: string;
  subjectCn: string;
}

/** UTCTime up to 2049, GeneralizedTime from 2050 (RFC 5280 §4.1.2.5). */
function x509Time(d: Date): pkijs.Time {
  return new pkijs.Time({ type: d.getUTCFullYear() < 2050 ? 0 : 1, value: d });
}

/** A positive, non-zero 128-bit serial in minimal DER form. */
function randomSerial(rng: Rng): Uint8Array {
  const s = new Uint8Array(rng(16));
  s[0] = (s[0]! & 0x7f) | 0x40; // positive, 16 significant bytes, never zero
  return s;
}

function sha256WithRsa(): pkijs.AlgorithmIdentifier {
  return new pkijs.AlgorithmIdentifier({
    algorithmId: OID_SHA256_WITH_RSA,
    algorithmParams: new asn1js.Null(),
  });
}

/**
 * Checks a CSR and issues the certificate through `signer`.
 *
 * @returns the certificate (PEM with a final newline, DER, fingerprint, serial).
 * @throws SealfoldError PEM_MALFORMED, CSR_MALFORMED (does not parse), CSR_INVALID (bad
 *   self-signature), CERT_USER_MISMATCH (commonName missing, repeated or ≠ `expectedCn`).
 * @example
 * const cert = await issueCertificate({ csr: csrPem, expectedCn: 'alice', signer, now: new Date() });
 */
export async function issueCertificate(opts: IssueOptions): Promise<IssuedCertificate> {
  let parsed;
  try {
    parsed = parseCsr(opts.csr);
  } catch (e) {
    // parseCsr reports a subject without exactly one string commonName as CSR_INVALID; for the
    // server that is a CSR that cannot name the user (Nextcloud answers 403 for it too).
    if (e instanceof SealfoldError && e.code === 'CSR_INVALID')
      throw new SealfoldError(
        'CERT_USER_MISMATCH',
        'the CSR subject must have exactly one commonName',
      );
    throw e;
  }
  // E2EE-CERT-051 (MUST, server): proof of possession: the CSR's self-signature verifies.
  const faults = opts.faults ?? NO_FAULTS;
  if (!parsed.signatureValid && !faults.on('skip-proof-of-possession'))
    throw new SealfoldError('CSR_INVALID', "the CSR's self-signature does not verify");
  // E2EE-CERT-052 (MUST, server): issue only for CN == the authenticated user (or owned share).
  if (parsed.subjectCn !== opts.expectedCn && !faults.on('sign-foreign-cn'))
    throw new SealfoldError(
      'CERT_USER_MISMATCH',
      'Common name (CN) does not match the current user',
    );

  const csr = decodeDer(pkijs.CertificationRequest, parsed.der, 'CSR_MALFORMED', 'the CSR');
  const notBefore = new Date(Math.floor(opts.now.getTime() / 1000) * 1000);
  const notAfter = new Date(notBefore.getTime() + VALIDITY_DAYS * 86_400_000);
  const keyBits = bytesOf(csr.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView);
  const keyId = new Uint8Array(createHash('sha1').update(keyBits).digest());
  const serial =
    (opts.serial ?? 'zero') === 'zero' ? new Uint8Array([0]) : randomSerial(opts.rng ?? defaultRng);

  const cert = new pkijs.Certificate();
  cert.version = 2;
  // E2EE-CERT-053 (MUST, server): compatible mode issues serial 0, strict mode random serials.
  cert.serialNumber = new asn1js.Integer({ valueHex: serial });
  // E2EE-CERT-050 (MUST, server): issuer = subject = the CSR's subject, 7300 days, CA:TRUE.
  cert.issuer = csr.subject;
  cert.subject = csr.subject;
  cert.notBefore = x509Time(notBefore);
  cert.notAfter = x509Time(notAfter);
  cert.subjectPublicKeyInfo = csr.subjectPublicKeyInfo;
  cert.extensions = [
    new pkijs.Extension({
      extnID: OID_SKI,
      critical: false,
      extnValue: new asn1js.OctetString({ valueHex: keyId }).toBER(),
    }),
    new pkijs.Extension({
      extnID: OID_AKI,
      critical: false,
      extnValue: new pkijs.AuthorityKeyIdentifier({
        keyIdentifier: new asn1js.OctetString({ valueHex: keyId }),
      })
        .toSchema()
        .toBER(),
    }),
    new pkijs.Extension({
      extnID: OID_BASIC_CONSTRAINTS,
      critical: true,
      extnValue: new pkijs.BasicConstraints({ cA: true }).toSchema().toBER(),
    }),
  ];
  cert.signature = sha256WithRsa();
  cert.signatureAlgorithm = sha256WithRsa();
  cert.tbsView = new Uint8Array(cert.encodeTBS().toBER());
  // E2EE-CERT-055 (MUST, server): signed with the CA key behind the port, not the subject key.
  const sig = await opts.signer.signSha256Rsa(new Uint8Array(cert.tbsView));
  if (faults.on('certificate-signature-corrupted')) sig[sig.length - 1]! ^= 1;
  cert.signatureValue = new asn1js.BitString({ valueHex: sig });
  const der = bytesOf(cert.toSchema().toBER());
  return {
    pem: certificateToPem(der),
    der,
    fingerprint: certificateFingerprint(der),
    serialHex: BigInt('0x' + Buffer.from(serial).toString('hex')).toString(16),
    subjectCn: parsed.subjectCn,
  };
}
