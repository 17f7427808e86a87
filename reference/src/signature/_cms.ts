/**
 * Decoding of the `X-NC-E2EE-SIGNATURE` value into the parts a verifier needs
 * (spec/06-signature.md §What verifiers accept, E2EE-META-115..119). Everything here is encoding
 * and structure: every failure is SIGNATURE_MALFORMED. Nothing is verified yet.
 *
 *     ContentInfo ::= SEQUENCE { contentType OID (id-signedData), content [0] EXPLICIT SignedData }
 *     SignedData ::= SEQUENCE { version, digestAlgorithms SET, encapContentInfo
 *       { eContentType (id-data), eContent ABSENT }, certificates [0] OPTIONAL, crls [1] OPTIONAL,
 *       signerInfos SET SIZE (1) }
 *     SignerInfo ::= SEQUENCE { version, sid (issuerAndSerialNumber | [0] subjectKeyIdentifier),
 *       digestAlgorithm (sha256), signedAttrs [0] (contentType, messageDigest, signingTime?, …),
 *       signatureAlgorithm (rsaEncryption | sha256WithRSAEncryption), signature OCTET STRING,
 *       unsignedAttrs [1] OPTIONAL }                                          (RFC 5652 §5)
 *
 * Only the signed attributes and the signature value are covered by the RSA signature. Every
 * other field is pinned here to the value the profile allows (E2EE-META-800 to E2EE-META-803), and the
 * embedded certificates are returned as received so that the verifier can require them to be
 * member certificates byte for byte (E2EE-META-130): no byte of an accepted signature can change
 * without the signature being rejected, except two choices that carry no meaning: SignerInfo
 * version 0 or 1 (tolerance `android-signer-version`) and the two names of the signature
 * algorithm (both RSASSA-PKCS1-v1_5 with SHA-256).
 *
 * @module
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { equalBytes, fromBase64 } from '../_internal/bytes.js';
import { bytesOf, decodeDer } from '../_internal/pkijs.js';
import { SealfoldError, typed } from '../errors/index.js';

/** Object identifiers used by the metadata signature. */
export const OID = {
  signedData: '1.2.840.113549.1.7.2',
  data: '1.2.840.113549.1.7.1',
  sha256: '2.16.840.1.101.3.4.2.1',
  rsaEncryption: '1.2.840.113549.1.1.1',
  sha256WithRSAEncryption: '1.2.840.113549.1.1.11',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
} as const;

/** Signature algorithms a verifier accepts: OpenSSL writes the first, BouncyCastle and pkijs the second. */
const ACCEPTED_SIGNATURE_ALGORITHMS: readonly string[] = [
  OID.rsaEncryption,
  OID.sha256WithRSAEncryption,
];

/** How the signer is named. */
export type SignerId =
  | {
      kind: 'issuerAndSerialNumber';
      issuer: pkijs.RelativeDistinguishedNames;
      /** The issuer Name as received (DER), compared byte for byte (E2EE-META-804). */
      issuerDer: Uint8Array;
      serial: bigint;
      /** The content octets of the serialNumber INTEGER as received. */
      serialBytes: Uint8Array;
    }
  | { kind: 'subjectKeyIdentifier'; keyId: Uint8Array };

/** The parts of a decoded metadata signature. */
export interface DecodedSignature {
  sid: SignerId;
  /** The DER of the signed attributes with the SET OF tag (0x31): the bytes that were signed. */
  signedAttrs: Uint8Array;
  /** The messageDigest attribute value (SHA-256 of the signed content, claimed). */
  messageDigest: Uint8Array;
  signingTime: Date | undefined;
  signatureAlgorithm: string;
  signature: Uint8Array;
  /** The embedded X.509 certificates, each exactly as received (DER). */
  certificates: Uint8Array[];
}

function malformed(message: string): SealfoldError {
  return new SealfoldError('SIGNATURE_MALFORMED', message);
}

/** AlgorithmIdentifier parameters must be absent or NULL for SHA-256 and the RSA algorithms. */
function paramsAbsentOrNull(alg: pkijs.AlgorithmIdentifier): boolean {
  const p = alg.algorithmParams as asn1js.AsnType | undefined;
  return p === undefined || p instanceof asn1js.Null;
}

function signerIdOf(sid: unknown): SignerId {
  if (sid instanceof pkijs.IssuerAndSerialNumber) {
    return {
      kind: 'issuerAndSerialNumber',
      issuer: sid.issuer,
      issuerDer: bytesOf(sid.issuer.valueBeforeDecode),
      serial: sid.serialNumber.toBigInt(),
      serialBytes: bytesOf(sid.serialNumber.valueBlock.valueHexView),
    };
  }
  // [0] IMPLICIT OCTET STRING; a BER writer may use the constructed form.
  if (sid instanceof asn1js.Primitive) {
    return { kind: 'subjectKeyIdentifier', keyId: bytesOf(sid.valueBlock.valueHexView) };
  }
  if (sid instanceof asn1js.Constructed) {
    const parts = sid.valueBlock.value.map((v) => {
      if (!(v instanceof asn1js.OctetString))
        throw malformed('the subjectKeyIdentifier is not an OCTET STRING');
      return v.getValue();
    });
    return {
      kind: 'subjectKeyIdentifier',
      keyId: new Uint8Array(Buffer.concat(parts.map((p) => new Uint8Array(p)))),
    };
  }
  throw malformed(
    'the signer identifier is neither issuerAndSerialNumber nor subjectKeyIdentifier',
  );
}

/** Tag class of context-specific tags in asn1js. */
const CONTEXT_SPECIFIC = 3;

/** The parts of a SignedData that pkijs does not keep as received. */
interface RawParts {
  /** The `certificates` elements ([0] IMPLICIT SET OF CertificateChoices), as received. */
  certificates: Uint8Array[];
  /** The encodings of the SignedData and the SignerInfo version INTEGERs. */
  versions: [Uint8Array, Uint8Array];
  /** Whether the `crls` field ([1] IMPLICIT) is present, even empty. */
  crls: boolean;
}

function rawParts(signedData: unknown): RawParts {
  const fail = () => malformed('the SignedData does not have the expected ASN.1 structure');
  if (!(signedData instanceof asn1js.Sequence)) throw fail();
  const fields = signedData.valueBlock.value;
  const tagged = (n: number) =>
    fields.find((v) => v.idBlock.tagClass === CONTEXT_SPECIFIC && v.idBlock.tagNumber === n);
  const certs = tagged(0);
  if (certs !== undefined && !(certs instanceof asn1js.Constructed)) throw fail();
  const signerInfos = fields[fields.length - 1];
  const signerInfo = signerInfos instanceof asn1js.Set ? signerInfos.valueBlock.value[0] : null;
  if (!(signerInfo instanceof asn1js.Sequence) || fields[0] === undefined) throw fail();
  const siVersion = signerInfo.valueBlock.value[0];
  if (siVersion === undefined) throw fail();
  return {
    certificates: (certs?.valueBlock.value ?? []).map((c) => bytesOf(c.valueBeforeDecodeView)),
    versions: [bytesOf(fields[0].valueBeforeDecodeView), bytesOf(siVersion.valueBeforeDecodeView)],
    crls: tagged(1) !== undefined,
  };
}

/**
 * True when the SignedData and SignerInfo versions are those RFC 5652 §5.1 and §5.3 require for
 * this profile, each encoded as the three bytes `02 01 vv`: 1 and 1 with issuerAndSerialNumber,
 * 3 and 3 with subjectKeyIdentifier. Tolerance `android-signer-version`: the Android client
 * writes SignerInfo version 0 (fixture `android-v2-signature.json`), so 0 is accepted beside 1.
 */
function versionsAllowed(sid: SignerId, [sd, si]: [Uint8Array, Uint8Array]): boolean {
  const is = (raw: Uint8Array, v: number) => equalBytes(raw, Uint8Array.of(0x02, 0x01, v));
  if (sid.kind === 'subjectKeyIdentifier') return is(sd, 3) && is(si, 3);
  return is(sd, 1) && (is(si, 1) || is(si, 0));
}

function singleValue(attr: pkijs.Attribute, name: string): asn1js.AsnType {
  // E2EE-META-817, E2EE-META-818 (MUST, client): RFC 5652 §11: these attributes have one value.
  if (attr.values.length !== 1)
    throw malformed(`the ${name} attribute must have exactly one value`);
  return attr.values[0] as asn1js.AsnType;
}

function timeOf(v: asn1js.AsnType): Date {
  if (v instanceof asn1js.UTCTime || v instanceof asn1js.GeneralizedTime) {
    const d = v.toDate();
    if (!Number.isNaN(d.getTime())) return d;
  }
  throw malformed('the signingTime attribute is not a UTCTime or GeneralizedTime');
}

/**
 * Decodes a base64 signature header value. The caller has already handled the absent case.
 *
 * @throws SealfoldError(SIGNATURE_MALFORMED) for anything but one detached id-data SignedData with
 *   one SHA-256 / RSA signer and signed attributes containing contentType and messageDigest.
 */
export function decodeSignature(signatureBase64: string): DecodedSignature {
  // E2EE-META-115 (MUST, client): strict base64, then exactly one BER/DER ContentInfo.
  const der = fromBase64(signatureBase64, 'signature', 'SIGNATURE_MALFORMED');
  const info = decodeDer(pkijs.ContentInfo, der, 'SIGNATURE_MALFORMED', 'the signature (CMS)');
  if (info.contentType !== OID.signedData) throw malformed('the CMS content is not SignedData');
  const sd = typed('SIGNATURE_MALFORMED', 'the CMS SignedData does not parse', () => {
    return new pkijs.SignedData({ schema: info.content });
  });
  // E2EE-META-116 (MUST, client): detached, over id-data, one signer.
  if (sd.encapContentInfo.eContentType !== OID.data)
    throw malformed('the signed content type is not id-data');
  if (sd.encapContentInfo.eContent !== undefined) throw malformed('the signature is not detached');
  if (sd.signerInfos.length !== 1) {
    throw malformed(`the signature has ${sd.signerInfos.length} signers, expected exactly one`);
  }
  const si = sd.signerInfos[0]!;
  const sid = signerIdOf(si.sid);
  // The fields outside the signed attributes have the one value RFC 5652 gives them for this
  // profile, so that none of them can be changed unnoticed.
  const raw = rawParts(info.content);
  // E2EE-META-800 (MUST, client): versions 1/1 (or 1/0) by issuerAndSerialNumber, 3/3 by key id.
  if (!versionsAllowed(sid, raw.versions)) {
    throw malformed(
      `SignedData version ${sd.version} and SignerInfo version ${si.version} do not fit a signer named by ${sid.kind}`,
    );
  }
  const digests = sd.digestAlgorithms;
  // E2EE-META-801 (MUST, client): digestAlgorithms is exactly SHA-256.
  if (
    digests.length !== 1 ||
    digests[0]!.algorithmId !== OID.sha256 ||
    !paramsAbsentOrNull(digests[0]!)
  ) {
    throw malformed('digestAlgorithms must list exactly SHA-256');
  }
  // E2EE-META-802 (MUST, client): no revocation information, not even an empty crls field.
  if (raw.crls || sd.crls !== undefined) {
    throw malformed('the signature carries revocation information');
  }
  const parsedCertificates = sd.certificates ?? [];
  // E2EE-META-803 (MUST, client): X.509 certificates only among the CertificateChoices.
  if (!parsedCertificates.every((c) => c instanceof pkijs.Certificate)) {
    throw malformed('the signature embeds something other than an X.509 certificate');
  }
  if (raw.certificates.length !== parsedCertificates.length) {
    throw malformed('the embedded certificates do not parse');
  }
  // E2EE-META-118 (MUST, client): SHA-256 with rsaEncryption or sha256WithRSAEncryption only.
  if (si.digestAlgorithm.algorithmId !== OID.sha256 || !paramsAbsentOrNull(si.digestAlgorithm)) {
    throw malformed(`unsupported digest algorithm ${si.digestAlgorithm.algorithmId}`);
  }
  const sigAlg = si.signatureAlgorithm.algorithmId;
  if (
    !ACCEPTED_SIGNATURE_ALGORITHMS.includes(sigAlg) ||
    !paramsAbsentOrNull(si.signatureAlgorithm)
  ) {
    throw malformed(`unsupported signature algorithm ${sigAlg}`);
  }
  // E2EE-META-817 (MUST, client): signed attributes with one contentType (id-data) and one
  // messageDigest; E2EE-META-818: signingTime at most once; other attributes are ignored.
  if (!si.signedAttrs || si.signedAttrs.attributes.length === 0) {
    throw malformed('the signature has no signed attributes');
  }
  let contentType: string | undefined;
  let messageDigest: Uint8Array | undefined;
  let signingTime: Date | undefined;
  const seen = new Set<string>();
  for (const attr of si.signedAttrs.attributes) {
    const known =
      attr.type === OID.contentType ||
      attr.type === OID.messageDigest ||
      attr.type === OID.signingTime;
    if (known && seen.has(attr.type))
      throw malformed(`the signed attribute ${attr.type} appears twice`);
    seen.add(attr.type);
    if (attr.type === OID.contentType) {
      const v = singleValue(attr, 'contentType');
      if (!(v instanceof asn1js.ObjectIdentifier))
        throw malformed('the contentType attribute is not an OID');
      contentType = v.getValue();
    } else if (attr.type === OID.messageDigest) {
      const v = singleValue(attr, 'messageDigest');
      if (!(v instanceof asn1js.OctetString))
        throw malformed('the messageDigest attribute is not an OCTET STRING');
      messageDigest = new Uint8Array(v.getValue());
    } else if (attr.type === OID.signingTime) {
      signingTime = timeOf(singleValue(attr, 'signingTime'));
    }
  }
  if (contentType !== OID.data)
    throw malformed('the contentType attribute is missing or is not id-data');
  if (messageDigest === undefined) throw malformed('the messageDigest attribute is missing');
  return {
    sid,
    // E2EE-META-119 (MUST NOT, client): never re-encode; pkijs keeps the received encoding with
    // the [0] tag replaced by SET OF (RFC 5652 §5.4).
    signedAttrs: bytesOf(si.signedAttrs.encodedValue),
    messageDigest,
    signingTime,
    signatureAlgorithm: sigAlg,
    signature: bytesOf(si.signature.valueBlock.valueHexView),
    certificates: raw.certificates,
  };
}
