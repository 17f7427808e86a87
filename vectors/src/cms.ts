/**
 * CMS SignedData builder for signature vectors: the encodings the three producers write
 * (desktop/OpenSSL: rsaEncryption + S/MIME Capabilities; Android/BouncyCastle: sha256WithRSA,
 * SignerInfo version 0; web/pkijs) and each deviation a verifier must reject, reproduced with
 * pkijs (never copied from client fixtures). The RSA signature is computed over the DER of the
 * signed attributes with the SET OF tag (RFC 5652 §5.4) with node:crypto (PKCS#1 v1.5 is
 * deterministic).
 *
 * @module
 */
import { createHash, createPrivateKey, sign } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

export const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  smimeCapabilities: '1.2.840.113549.1.9.15',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha1: '1.3.14.3.2.26',
  rsaEncryption: '1.2.840.113549.1.1.1',
  sha256WithRSA: '1.2.840.113549.1.1.11',
  sha1WithRSA: '1.2.840.113549.1.1.5',
  rsaPss: '1.2.840.113549.1.1.10',
} as const;

export interface CmsOptions {
  /** The signed content (ASCII of the base64 of the canonical JSON). */
  readonly content: Uint8Array;
  readonly signerPkcs8: Uint8Array;
  /** The certificate the SignerInfo names (DER). */
  readonly signerCertDer: Uint8Array;
  /** Certificates to embed (default: the signer's). */
  readonly embed?: readonly Uint8Array[];
  readonly signatureAlgorithm?: string;
  /** Write NULL parameters on the algorithms (default true). */
  readonly nullParams?: boolean;
  readonly digestAlgorithm?: string;
  /** Extra digestAlgorithms entries. */
  readonly extraDigestAlgorithms?: readonly string[];
  readonly sid?: 'issuerSerial' | 'ski';
  /** Override the serial the sid names. */
  readonly sidSerial?: number;
  readonly sdVersion?: number;
  readonly signerVersion?: number;
  readonly signingTime?: Date | null;
  readonly signingTimeCount?: number;
  readonly smimeCapabilities?: boolean;
  /** Attribute order: the default is contentType, signingTime, messageDigest. */
  readonly attributeOrder?: 'default' | 'reversed';
  readonly omitContentType?: boolean;
  readonly omitMessageDigest?: boolean;
  readonly messageDigestCount?: number;
  readonly contentTypeValue?: string;
  /** Override messageDigest (default: SHA-256 of content). */
  readonly messageDigest?: Uint8Array;
  readonly noSignedAttributes?: boolean;
  readonly unsignedAttribute?: boolean;
  readonly eContentType?: string;
  readonly attachContent?: boolean;
  readonly twoSigners?: boolean;
  readonly withCrls?: boolean;
  readonly outerContentType?: string;
  /** Sign with this key instead (signature then fails) — default: signerPkcs8. */
  readonly signWithPkcs8?: Uint8Array;
  readonly signHash?: 'sha256' | 'sha1';
}

function alg(oid: string, nullParams: boolean): pkijs.AlgorithmIdentifier {
  return new pkijs.AlgorithmIdentifier(
    nullParams ? { algorithmId: oid, algorithmParams: new asn1js.Null() } : { algorithmId: oid },
  );
}

function utc(d: Date): asn1js.UTCTime | asn1js.GeneralizedTime {
  return d.getUTCFullYear() < 2050
    ? new asn1js.UTCTime({ valueDate: d })
    : new asn1js.GeneralizedTime({ valueDate: d });
}

function skiOf(cert: pkijs.Certificate): Uint8Array {
  const ext = cert.extensions?.find((e) => e.extnID === '2.5.29.14');
  if (ext === undefined) throw new Error('the signer certificate has no subjectKeyIdentifier');
  const inner = asn1js.fromBER(ext.extnValue.valueBlock.valueHexView).result as asn1js.OctetString;
  return new Uint8Array(inner.valueBlock.valueHexView);
}

/** Builds the DER of a ContentInfo(SignedData). */
export function buildCms(o: CmsOptions): Uint8Array {
  const np = o.nullParams ?? true;
  const cert = pkijs.Certificate.fromBER(new Uint8Array(o.signerCertDer));
  const digest = o.messageDigest ?? new Uint8Array(createHash('sha256').update(o.content).digest());
  const attrs: pkijs.Attribute[] = [];
  if (!o.omitContentType)
    attrs.push(
      new pkijs.Attribute({
        type: OID.contentType,
        values: [new asn1js.ObjectIdentifier({ value: o.contentTypeValue ?? OID.data })],
      }),
    );
  if (o.signingTime !== null) {
    const t = o.signingTime ?? new Date('2026-01-15T12:00:00Z');
    for (let i = 0; i < (o.signingTimeCount ?? 1); i++)
      attrs.push(new pkijs.Attribute({ type: OID.signingTime, values: [utc(t)] }));
  }
  if (!o.omitMessageDigest) {
    for (let i = 0; i < (o.messageDigestCount ?? 1); i++)
      attrs.push(
        new pkijs.Attribute({
          type: OID.messageDigest,
          values: [new asn1js.OctetString({ valueHex: digest.slice().buffer })],
        }),
      );
  }
  if (o.smimeCapabilities) {
    // What OpenSSL's CMS_sign adds: a SEQUENCE of capabilities (here AES-256-CBC, AES-128-CBC).
    attrs.push(
      new pkijs.Attribute({
        type: OID.smimeCapabilities,
        values: [
          new asn1js.Sequence({
            value: [
              new asn1js.Sequence({
                value: [new asn1js.ObjectIdentifier({ value: '2.16.840.1.101.3.4.1.42' })],
              }),
              new asn1js.Sequence({
                value: [new asn1js.ObjectIdentifier({ value: '2.16.840.1.101.3.4.1.2' })],
              }),
            ],
          }),
        ],
      }),
    );
  }
  if (o.attributeOrder === 'reversed') attrs.reverse();
  const toSign = new Uint8Array(new asn1js.Set({ value: attrs.map((a) => a.toSchema()) }).toBER());
  const key = createPrivateKey({
    key: Buffer.from(o.signWithPkcs8 ?? o.signerPkcs8),
    format: 'der',
    type: 'pkcs8',
  });
  const signedBytes = o.noSignedAttributes ? o.content : toSign;
  const signature = new Uint8Array(sign(o.signHash ?? 'sha256', signedBytes, key));
  const sidKind = o.sid ?? 'issuerSerial';
  const sid =
    sidKind === 'ski'
      ? new asn1js.Constructed({
          idBlock: { tagClass: 3, tagNumber: 0 },
          value: [new asn1js.OctetString({ valueHex: skiOf(cert).slice().buffer })],
        })
      : new pkijs.IssuerAndSerialNumber({
          issuer: cert.issuer,
          serialNumber:
            o.sidSerial === undefined
              ? cert.serialNumber
              : new asn1js.Integer({ value: o.sidSerial }),
        });
  const signerInfo = (): pkijs.SignerInfo =>
    new pkijs.SignerInfo({
      version: o.signerVersion ?? (sidKind === 'ski' ? 3 : 1),
      sid,
      digestAlgorithm: alg(o.digestAlgorithm ?? OID.sha256, np),
      ...(o.noSignedAttributes
        ? {}
        : { signedAttrs: new pkijs.SignedAndUnsignedAttributes({ type: 0, attributes: attrs }) }),
      ...(o.unsignedAttribute
        ? {
            unsignedAttrs: new pkijs.SignedAndUnsignedAttributes({
              type: 1,
              attributes: [
                new pkijs.Attribute({ type: '1.2.840.113549.1.9.6', values: [new asn1js.Null()] }),
              ],
            }),
          }
        : {}),
      signatureAlgorithm: alg(o.signatureAlgorithm ?? OID.sha256WithRSA, np),
      signature: new asn1js.OctetString({ valueHex: signature.slice().buffer }),
    });
  const embed = o.embed ?? [o.signerCertDer];
  const sd = new pkijs.SignedData({
    version: o.sdVersion ?? (sidKind === 'ski' ? 3 : 1),
    digestAlgorithms: [
      alg(o.digestAlgorithm ?? OID.sha256, np),
      ...(o.extraDigestAlgorithms ?? []).map((d) => alg(d, np)),
    ],
    encapContentInfo: new pkijs.EncapsulatedContentInfo({
      eContentType: o.eContentType ?? OID.data,
      ...(o.attachContent
        ? { eContent: new asn1js.OctetString({ valueHex: o.content.slice().buffer }) }
        : {}),
    }),
    ...(embed.length
      ? { certificates: embed.map((d) => pkijs.Certificate.fromBER(new Uint8Array(d))) }
      : {}),
    ...(o.withCrls
      ? {
          crls: [
            new pkijs.CertificateRevocationList({
              version: 1,
              signature: alg(OID.sha256WithRSA, true),
              issuer: cert.issuer,
              thisUpdate: new pkijs.Time({ type: 0, value: new Date('2026-01-01T00:00:00Z') }),
              signatureAlgorithm: alg(OID.sha256WithRSA, true),
              signatureValue: new asn1js.BitString({ valueHex: new Uint8Array(8).buffer }),
            }),
          ],
        }
      : {}),
    signerInfos: o.twoSigners ? [signerInfo(), signerInfo()] : [signerInfo()],
  });
  const info = new pkijs.ContentInfo({
    contentType: o.outerContentType ?? OID.signedData,
    content: sd.toSchema(true),
  });
  const der = new Uint8Array(info.toSchema().toBER(false));
  return o.sdVersion === undefined ? der : withSignedDataVersion(der, o.sdVersion);
}

/** pkijs derives the SignedData version itself; a negative sets another one afterwards. */
function withSignedDataVersion(der: Uint8Array, version: number): Uint8Array {
  const top = asn1js.fromBER(der).result as asn1js.Sequence;
  const sd = (top.valueBlock.value[1] as asn1js.Constructed).valueBlock.value[0] as asn1js.Sequence;
  sd.valueBlock.value[0] = new asn1js.Integer({ value: version });
  return new Uint8Array(top.toBER(false));
}

/** The same ContentInfo with the outer three constructed levels in BER indefinite-length form. */
export function indefiniteLengths(der: Uint8Array): Uint8Array {
  const top = asn1js.fromBER(der).result as asn1js.Sequence;
  const explicit = top.valueBlock.value[1] as asn1js.Constructed;
  const sd = explicit.valueBlock.value[0] as asn1js.Sequence;
  for (const node of [top, explicit, sd]) {
    node.lenBlock.isIndefiniteForm = true;
    node.valueBlock.isIndefiniteForm = true;
  }
  return new Uint8Array(top.toBER(false));
}
