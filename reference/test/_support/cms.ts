/**
 * Where the parts of a metadata signature (base64 of a CMS ContentInfo) sit in its DER, for tests
 * that change one field or one byte of it.
 */
import * as asn1js from 'asn1js';

/** Byte offsets (into the DER) of the fields of a single-signer SignedData. */
export interface SignatureLayout {
  /** The SignedData version INTEGER (`02 01 vv`). */
  signedDataVersion: number;
  /** The digestAlgorithms SET. */
  digestAlgorithms: number;
  /** The embedded certificates, as [offset, length]. */
  certificates: [number, number][];
  /** The SignerInfo version INTEGER (`02 01 vv`). */
  signerInfoVersion: number;
  /** The signer identifier (issuerAndSerialNumber SEQUENCE or [0] key identifier). */
  sid: [number, number];
  /** The last byte of the signatureAlgorithm OID (`…01 01` then 01 or 0b). */
  signatureAlgorithmOidEnd: number;
}

/** Parses `der` (a ContentInfo with one SignerInfo) and returns where its fields are. */
export function signatureLayout(der: Uint8Array): SignatureLayout {
  // A copy that starts its own buffer: asn1js's views then give offsets into `der`.
  const own = Uint8Array.from(der);
  const span = (b: asn1js.AsnType): [number, number] => [
    b.valueBeforeDecodeView.byteOffset,
    b.valueBeforeDecodeView.length,
  ];
  const info = asn1js.fromBER(own).result as asn1js.Sequence;
  const content = info.valueBlock.value[1] as asn1js.Constructed;
  const fields = (content.valueBlock.value[0] as asn1js.Sequence).valueBlock.value;
  const certs = fields.find((v) => v.idBlock.tagClass === 3 && v.idBlock.tagNumber === 0);
  const signerInfos = fields[fields.length - 1] as asn1js.Set;
  const si = (signerInfos.valueBlock.value[0] as asn1js.Sequence).valueBlock.value;
  const sigAlg = si.find(
    (v, i) => i > 2 && v instanceof asn1js.Sequence && v.idBlock.tagClass === 1,
  ) as asn1js.Sequence;
  const oid = span(sigAlg.valueBlock.value[0]!);
  return {
    signedDataVersion: span(fields[0]!)[0],
    digestAlgorithms: span(fields[1]!)[0],
    certificates: certs ? (certs as asn1js.Constructed).valueBlock.value.map(span) : [],
    signerInfoVersion: span(si[0]!)[0],
    sid: span(si[1]!),
    signatureAlgorithmOidEnd: oid[0] + oid[1] - 1,
  };
}

/**
 * True when `changed` differs from `original` only in the SignerInfo version, 1 in the original
 * and 0 in the copy: the one single-byte change a verifier accepts (tolerance
 * `android-signer-version`, E2EE-META-800).
 */
export function onlySignerVersionLowered(original: Uint8Array, changed: Uint8Array): boolean {
  if (original.length !== changed.length) return false;
  const at = signatureLayout(original).signerInfoVersion + 2;
  return original.every((b, i) =>
    i === at ? b === 0x01 && changed[i] === 0x00 : changed[i] === b,
  );
}
