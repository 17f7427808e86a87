/**
 * The one adapter between the reference client and pkijs/asn1js.
 *
 * pkijs keeps its crypto engine in a process-wide global (`setEngine`). This module is the only
 * place that touches it: it builds one engine on Node's WebCrypto, installs it once (so pkijs code
 * paths that ignore an explicit engine still use Node's), and exports it so that callers pass it
 * explicitly to every pkijs method taking a `crypto` argument (CSR signing here, CMS signatures in
 * the metadata module). It also offers a strict DER decoder for pkijs classes.
 *
 * @module
 */
import { webcrypto } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { SealfoldError, typed, type E2eeCode } from '../errors/index.js';
import { equalBytes } from './bytes.js';

/** The pkijs crypto engine backed by Node's WebCrypto. Pass it explicitly to pkijs methods. */
export const pkiEngine: pkijs.ICryptoEngine = new pkijs.CryptoEngine({
  name: 'sealfold-node-webcrypto',
  crypto: webcrypto as unknown as Crypto,
});
pkijs.setEngine('sealfold-node-webcrypto', pkiEngine);

/** Node's WebCrypto SubtleCrypto. */
export const subtle: SubtleCrypto = webcrypto.subtle as unknown as SubtleCrypto;

/** A pkijs class that can be built from an asn1js schema. */
export interface PkiClass<T> {
  new (params: { schema: asn1js.AsnType }): T;
}

/**
 * asn1js decodes BER leniently (for example a constructed length that disagrees with its
 * children's). Re-encoding the parsed tree and comparing it with the input rejects every such
 * variant, so that one value has one accepted encoding.
 */
function requireDer(parsed: asn1js.AsnType, der: Uint8Array, code: E2eeCode, what: string): void {
  const again = typed(code, `${what} is not valid DER`, () => new Uint8Array(parsed.toBER()));
  if (!equalBytes(again, der)) throw new SealfoldError(code, `${what} is not DER-encoded`);
}

/**
 * Decodes `der` as exactly one DER-encoded ASN.1 element (no trailing bytes), or throws
 * SealfoldError(`code`) naming `what`.
 */
export function decodeAsn1(der: Uint8Array, code: E2eeCode, what: string): asn1js.AsnType {
  if (der.length === 0) throw new SealfoldError(code, `${what} is empty`);
  // asn1js throws for some malformed primitives (e.g. a bad GeneralizedTime string).
  const asn1 = typed(code, `${what} is not valid DER`, () => asn1js.fromBER(new Uint8Array(der)));
  if (asn1.offset === -1) throw new SealfoldError(code, `${what} is not valid DER`);
  if (asn1.offset !== der.length) {
    throw new SealfoldError(code, `${what} has ${der.length - asn1.offset} trailing bytes`);
  }
  requireDer(asn1.result, der, code, what);
  return asn1.result;
}

/**
 * Decodes `der` as {@link decodeAsn1} does and builds `cls` from it. Any failure, including
 * pkijs's schema mismatch, becomes SealfoldError(`code`) naming `what`.
 */
export function decodeDer<T>(cls: PkiClass<T>, der: Uint8Array, code: E2eeCode, what: string): T {
  const schema = decodeAsn1(der, code, what);
  return typed(code, `${what} does not have the expected ASN.1 structure`, () => {
    return new cls({ schema });
  });
}

/** Copies an asn1js/pkijs view or buffer into a fresh Uint8Array. */
export function bytesOf(v: ArrayBuffer | Uint8Array): Uint8Array {
  return new Uint8Array(v instanceof Uint8Array ? v : new Uint8Array(v));
}

/** OID of the X.520 commonName attribute. */
export const OID_COMMON_NAME = '2.5.4.3';

/** Short names of the DN attributes that appear in Nextcloud certificates (OpenSSL's oneline). */
const DN_NAMES: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '1.2.840.113549.1.9.1': 'emailAddress',
};

/** The string value of one attribute, or undefined when it is not a string type. */
function attributeString(v: unknown): string | undefined {
  const block = (v as { valueBlock?: { value?: unknown } } | undefined)?.valueBlock;
  return typeof block?.value === 'string' ? block.value : undefined;
}

/** A distinguished name as `C=DE, ST=…, CN=alice` (the form used by the fixtures). */
export function formatName(name: pkijs.RelativeDistinguishedNames): string {
  return name.typesAndValues
    .map((tv) => `${DN_NAMES[tv.type] ?? tv.type}=${attributeString(tv.value) ?? '#'}`)
    .join(', ');
}

/** Every commonName value of a name (string-typed values only; others are reported as null). */
export function commonNames(name: pkijs.RelativeDistinguishedNames): (string | null)[] {
  return name.typesAndValues
    .filter((tv) => tv.type === OID_COMMON_NAME)
    .map((tv) => attributeString(tv.value) ?? null);
}

/** Signature algorithm names by OID (RFC 8017 Appendix C, RFC 5758). */
export const SIGNATURE_ALGORITHMS: Record<string, string> = {
  '1.2.840.113549.1.1.4': 'md5WithRSAEncryption',
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.2.840.113549.1.1.10': 'rsassaPss',
  '1.2.840.113549.1.1.11': 'sha256WithRSAEncryption',
  '1.2.840.113549.1.1.12': 'sha384WithRSAEncryption',
  '1.2.840.113549.1.1.13': 'sha512WithRSAEncryption',
  '1.2.840.113549.1.1.14': 'sha224WithRSAEncryption',
  '1.2.840.10045.4.3.2': 'ecdsa-with-SHA256',
  '1.2.840.10045.4.3.3': 'ecdsa-with-SHA384',
  '1.3.101.112': 'Ed25519',
};
