/**
 * PKCS#10 certificate signing requests (RFC 2986), client side: spec/03-certificates.md §CSR
 * (E2EE-CERT-001..009).
 *
 *     CertificationRequest ::= SEQUENCE { certificationRequestInfo CertificationRequestInfo,
 *       signatureAlgorithm AlgorithmIdentifier, signature BIT STRING }
 *     CertificationRequestInfo ::= SEQUENCE { version INTEGER { v1(0) }, subject Name,
 *       subjectPKInfo SubjectPublicKeyInfo, attributes [0] IMPLICIT SET OF Attribute }
 *
 * What real clients put in a CSR differs (desktop: C/ST/L/O/CN; Android: CN plus a
 * basicConstraints extension request; web: CN plus keyUsage; iOS: CN/OU/O/L/ST/C). The server
 * copies the subject DN into the certificate and ignores extensions. Sealfold writers emit the
 * minimal form: subject `CN=<userId>`, no attributes, sha256WithRSAEncryption.
 *
 * @module
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { abytes, astring } from '../_internal/bytes.js';
import {
  OID_COMMON_NAME,
  SIGNATURE_ALGORITHMS,
  bytesOf,
  commonNames,
  decodeDer,
  formatName,
  pkiEngine,
  subtle,
} from '../_internal/pkijs.js';
import { SealfoldError, typed, typedAsync } from '../errors/index.js';
import { parsePkcs8, parseSpki, spkiOf } from '../_internal/key-der.js';
import { checkUserKeyObject } from '../_internal/key-policy.js';
import { PEM_LABELS, pemDecode, pemEncode } from '../pem/index.js';
import { verifyPkcs1Signature } from './_signature.js';

/** A parsed CSR. */
export interface ParsedCsr {
  der: Uint8Array;
  /** Subject DN, e.g. `CN=alice`. */
  subject: string;
  /** The subject's single commonName. */
  subjectCn: string;
  /** The requested public key as canonical SPKI DER. */
  spki: Uint8Array;
  /** Signature algorithm name or dotted OID. */
  signatureAlgorithm: string;
  /** True when the self-signature verifies with `spki` (RSA PKCS#1 v1.5, E2EE-CERT-012 digests). */
  signatureValid: boolean;
}

/** E2EE-CERT-002: a user id usable as a CN (non-empty, no control characters). */
function checkUserId(userId: string): void {
  astring(userId, 'userId');
  // E2EE-CERT-002 (MUST, client): the CN is the user id, non-empty, without control characters.
  const control = [...userId].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f);
  if (userId === '' || control) {
    throw new SealfoldError(
      'INPUT_MALFORMED',
      '"userId" must be non-empty without control characters',
    );
  }
}

/**
 * Creates the CSR a client sends to `POST /public-key` (E2EE-CERT-001): PKCS#10 version 0,
 * subject exactly `CN=<userId>` (UTF8String), the key's SPKI, an empty attribute set, signed with
 * sha256WithRSAEncryption by the same key.
 *
 * @param pkcs8 The user's private key (PKCS#8 DER); it must satisfy the key policy.
 * @param userId The user id, or `s:<shareToken>` for a 2.1 link-share key.
 * @returns The CSR as DER.
 * @throws KEY_MALFORMED, KEY_UNSUPPORTED, INPUT_MALFORMED (user id).
 * @example
 * const csrPem = csrToPem(await createCsr(pkcs8, 'alice'));
 */
export async function createCsr(pkcs8: Uint8Array, userId: string): Promise<Uint8Array> {
  abytes(pkcs8, 'pkcs8');
  checkUserId(userId);
  const privateKey = parsePkcs8(pkcs8, 'pkcs8');
  checkUserKeyObject(privateKey);
  const spki = spkiOf(privateKey);
  const csr = new pkijs.CertificationRequest();
  csr.version = 0;
  csr.subject.typesAndValues.push(
    new pkijs.AttributeTypeAndValue({
      type: OID_COMMON_NAME,
      value: new asn1js.Utf8String({ value: userId }),
    }),
  );
  csr.subjectPublicKeyInfo = pkijs.PublicKeyInfo.fromBER(new Uint8Array(spki));
  csr.attributes = [];
  const key = await typedAsync('KEY_MALFORMED', 'the private key cannot be imported', () =>
    subtle.importKey(
      'pkcs8',
      new Uint8Array(pkcs8),
      { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
      false,
      ['sign'],
    ),
  );
  await csr.sign(key, 'SHA-256', pkiEngine);
  return bytesOf(csr.toSchema().toBER());
}

/** Encodes CSR DER as a `CERTIFICATE REQUEST` PEM block. */
export function csrToPem(der: Uint8Array): string {
  return pemEncode(PEM_LABELS.csr, abytes(der, 'csr'));
}

/**
 * Parses a CSR (PEM `CERTIFICATE REQUEST` or DER) and checks its self-signature.
 *
 * @returns The parsed CSR; `signatureValid` reports the self-signature.
 * @throws PEM_MALFORMED, CSR_MALFORMED (not PKCS#10), CSR_INVALID (no single string CN).
 */
export function parseCsr(input: string | Uint8Array): ParsedCsr {
  const der = new Uint8Array(
    typeof input === 'string' ? pemDecode(input, PEM_LABELS.csr) : abytes(input, 'csr'),
  );
  // E2EE-CERT-005 (MUST, both): a CSR that does not parse as PKCS#10 is CSR_MALFORMED.
  const csr = decodeDer(pkijs.CertificationRequest, der, 'CSR_MALFORMED', 'the CSR');
  const parts = typed('CSR_MALFORMED', 'the CSR does not parse as PKCS#10', () => {
    if (csr.signatureValue.valueBlock.unusedBits !== 0) {
      throw new SealfoldError('CSR_MALFORMED', 'the CSR signature has unused bits');
    }
    const spkiDer = bytesOf(csr.subjectPublicKeyInfo.toSchema().toBER());
    const key = parseSpki(spkiDer, 'CSR public key', 'CSR_MALFORMED');
    return {
      key,
      oid: csr.signatureAlgorithm.algorithmId,
      tbs: bytesOf(csr.tbsView),
      sig: bytesOf(csr.signatureValue.valueBlock.valueHexView),
      cns: commonNames(csr.subject),
      subject: formatName(csr.subject),
    };
  });
  // E2EE-CERT-005 (MUST, both): the subject holds exactly one commonName, a string.
  if (parts.cns.length !== 1 || parts.cns[0] === null) {
    throw new SealfoldError('CSR_INVALID', 'the CSR subject must have exactly one commonName');
  }
  return {
    der,
    subject: parts.subject,
    subjectCn: parts.cns[0],
    spki: spkiOf(parts.key),
    signatureAlgorithm: SIGNATURE_ALGORITHMS[parts.oid] ?? parts.oid,
    signatureValid: verifyPkcs1Signature(parts.oid, parts.key, parts.tbs, parts.sig),
  };
}

/**
 * Parses a CSR and requires a valid self-signature (proof of possession).
 *
 * @throws as {@link parseCsr}, and CSR_INVALID when the self-signature does not verify.
 */
export function verifyCsr(input: string | Uint8Array): ParsedCsr {
  const csr = parseCsr(input);
  // E2EE-CERT-005 (MUST, both): a CSR whose self-signature does not verify is CSR_INVALID.
  if (!csr.signatureValid) {
    throw new SealfoldError('CSR_INVALID', "the CSR's self-signature does not verify");
  }
  return csr;
}
