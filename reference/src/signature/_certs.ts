/**
 * The few certificate facts the signature module needs: the public key (for verifying and for
 * matching signers to members by key), the issuer and serial number and the subject key
 * identifier (for finding the certificate a SignerInfo names). Trust decisions (server key,
 * pinning, CN == user id) belong to the certs module and the caller, not here.
 *
 * @module
 */
import type { KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { abytes, equalBytes } from '../_internal/bytes.js';
import { bytesOf } from '../_internal/pkijs.js';
import { parseCertificateParts } from '../_internal/x509.js';
import { pemDecode } from '../pem/index.js';
import type { SignerId } from './_cms.js';

/** A certificate as PEM text or DER bytes. */
export type CertificateInput = string | Uint8Array;

/** A parsed certificate. */
export interface LoadedCertificate {
  der: Uint8Array;
  pki: pkijs.Certificate;
  publicKey: KeyObject;
}

const OID_SUBJECT_KEY_IDENTIFIER = '2.5.29.14';

/**
 * Parses a PEM or DER certificate with the certs module's one parser; CERT_MALFORMED
 * (PEM_MALFORMED for a broken PEM block). A certificate byte-identical to one in `known` is that
 * one, not parsed again.
 */
export function loadCertificate(
  input: CertificateInput,
  what: string,
  known: readonly LoadedCertificate[] = [],
): LoadedCertificate {
  const der = typeof input === 'string' ? pemDecode(input, 'CERTIFICATE') : abytes(input, what);
  const same = known.find((k) => equalBytes(k.der, der));
  if (same !== undefined) return same;
  const parts = parseCertificateParts(der);
  return { der: parts.cert.der, pki: parts.pki, publicKey: parts.subjectKey };
}

/** The certificate's subjectKeyIdentifier extension, or SHA-1 of its key (RFC 5280 §4.2.1.2 (1)). */
function subjectKeyIdentifier(cert: pkijs.Certificate): Uint8Array | undefined {
  const ext = cert.extensions?.find((e) => e.extnID === OID_SUBJECT_KEY_IDENTIFIER);
  const v = ext?.parsedValue as unknown;
  if (v instanceof asn1js.OctetString) return new Uint8Array(v.getValue());
  return undefined;
}

/**
 * True when `cert` is the certificate `sid` names (RFC 5652 §5.3), comparing the issuer name and
 * the serial number as encoded, byte for byte: writers copy both from the certificate, and a
 * looser X.500 comparison (case, string type) would let the identifier change unnoticed
 * (E2EE-META-804).
 */
export function matchesSignerId(cert: LoadedCertificate, sid: SignerId): boolean {
  if (sid.kind === 'issuerAndSerialNumber') {
    // E2EE-META-804 (MUST, client): issuer and serial compared as encoded, not as X.500 names.
    return (
      equalBytes(bytesOf(cert.pki.serialNumber.valueBlock.valueHexView), sid.serialBytes) &&
      equalBytes(bytesOf(cert.pki.issuer.valueBeforeDecode), sid.issuerDer)
    );
  }
  const ski = subjectKeyIdentifier(cert.pki);
  return ski !== undefined && equalBytes(ski, sid.keyId);
}

/** True when both keys are the same public key (whatever the SPKI encoding). */
export function sameKey(a: KeyObject, b: KeyObject): boolean {
  return a.equals(b);
}
