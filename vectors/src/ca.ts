/**
 * The generator's certificate and CSR factory (pkijs), deterministic: fixed times from the
 * context, RSASSA-PKCS1-v1_5 signatures (which have no randomness). Builds what Nextcloud's
 * server issues (`openssl_csr_sign(csr, null, serverKey, 7300)`: issuer = subject, serial 0,
 * basicConstraints CA:TRUE) and, through switches, every deviation the vectors need.
 *
 * @module
 */
import { createPrivateKey, sign } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { pkiEngine, subtle } from '../../reference/src/_internal/pkijs.js';

export type SigHash = 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512' | 'MD5';

/** One DN attribute: OID, value, and its string type. */
export type DnAttr = readonly [
  oid: string,
  value: string,
  kind?: 'utf8' | 'printable' | 'ia5' | 'bmp',
];

export const CN = '2.5.4.3';
/** The DN prefix the Nextcloud desktop client puts in front of the CN. */
export const DESKTOP_DN: readonly DnAttr[] = [
  ['2.5.4.6', 'DE', 'printable'],
  ['2.5.4.8', 'Baden-Wuerttemberg'],
  ['2.5.4.7', 'Stuttgart'],
  ['2.5.4.10', 'Nextcloud'],
];

function str(value: string, kind: DnAttr[2]): asn1js.BaseBlock {
  if (kind === 'printable') return new asn1js.PrintableString({ value });
  if (kind === 'ia5') return new asn1js.IA5String({ value });
  if (kind === 'bmp') return new asn1js.BmpString({ value });
  return new asn1js.Utf8String({ value });
}

/** A Name with one attribute per RDN, in order. */
export function dn(attrs: readonly DnAttr[]): pkijs.RelativeDistinguishedNames {
  const seq = new asn1js.Sequence({
    value: attrs.map(
      ([oid, value, kind]) =>
        new asn1js.Set({
          value: [
            new asn1js.Sequence({
              value: [new asn1js.ObjectIdentifier({ value: oid }), str(value, kind)],
            }),
          ],
        }),
    ),
  });
  return pkijs.RelativeDistinguishedNames.fromBER(seq.toBER());
}

function time(d: Date): pkijs.Time {
  return new pkijs.Time({ type: d.getUTCFullYear() < 2050 ? 0 : 1, value: d });
}

const DAY = 86_400_000;
const MD5_RSA = '1.2.840.113549.1.1.4';

async function signWith(
  obj: pkijs.Certificate | pkijs.CertificationRequest,
  pkcs8: Uint8Array,
  hash: SigHash,
): Promise<void> {
  if (hash === 'MD5') {
    // WebCrypto has no MD5: set the algorithm, encode the TBS and sign it with node:crypto.
    const alg = new pkijs.AlgorithmIdentifier({
      algorithmId: MD5_RSA,
      algorithmParams: new asn1js.Null(),
    });
    const key = createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' });
    if (obj instanceof pkijs.Certificate) {
      obj.signature = alg;
      obj.signatureAlgorithm = alg;
      obj.tbsView = new Uint8Array(obj.encodeTBS().toBER());
    } else {
      obj.signatureAlgorithm = alg;
      // encodeTBS is protected on CertificationRequest (public on Certificate); same method.
      const req = obj as unknown as { encodeTBS(): asn1js.Sequence };
      obj.tbsView = new Uint8Array(req.encodeTBS().toBER());
    }
    obj.signatureValue = new asn1js.BitString({ valueHex: sign('md5', obj.tbsView, key) });
    return;
  }
  const key = await subtle.importKey(
    'pkcs8',
    new Uint8Array(pkcs8),
    { name: 'RSASSA-PKCS1-v1_5', hash },
    false,
    ['sign'],
  );
  await obj.sign(key, hash, pkiEngine);
}

export interface CertOptions {
  /** The issuing key (PKCS#8 DER): the server key, or another one for negatives. */
  readonly issuerPkcs8: Uint8Array;
  readonly subjectSpki: Uint8Array;
  readonly subject: readonly DnAttr[];
  /** Issuer Name; default: equal to the subject (the Nextcloud quirk). */
  readonly issuer?: readonly DnAttr[];
  readonly notBefore: Date;
  readonly validityDays?: number;
  readonly hash?: SigHash;
  /** Serial as big-endian bytes; default 0. */
  readonly serial?: Uint8Array;
  /** basicConstraints: CA:TRUE critical (default), CA:FALSE, or none. */
  readonly basicConstraints?: 'ca-true' | 'ca-false' | 'none';
  readonly extraExtensions?: readonly pkijs.Extension[];
  /** Outer signatureAlgorithm differing from the TBS signature field (a negative). */
  readonly outerAlgorithm?: string;
}

/** Issues a certificate; returns its DER. */
export async function issue(o: CertOptions): Promise<Uint8Array> {
  const cert = new pkijs.Certificate();
  cert.version = 2;
  cert.serialNumber = new asn1js.Integer({
    valueHex: (o.serial ?? new Uint8Array([0])).slice().buffer,
  });
  cert.subject = dn(o.subject);
  cert.issuer = dn(o.issuer ?? o.subject);
  cert.notBefore = time(o.notBefore);
  cert.notAfter = time(new Date(o.notBefore.getTime() + (o.validityDays ?? 7300) * DAY));
  cert.subjectPublicKeyInfo = pkijs.PublicKeyInfo.fromBER(new Uint8Array(o.subjectSpki));
  const bc = o.basicConstraints ?? 'ca-true';
  const exts: pkijs.Extension[] = [];
  if (bc !== 'none') {
    const value = new pkijs.BasicConstraints({ cA: bc === 'ca-true' });
    exts.push(
      new pkijs.Extension({
        extnID: '2.5.29.19',
        critical: true,
        extnValue: value.toSchema().toBER(false),
        parsedValue: value,
      }),
    );
  }
  exts.push(...(o.extraExtensions ?? []));
  if (exts.length > 0) cert.extensions = exts;
  await signWith(cert, o.issuerPkcs8, o.hash ?? 'SHA-256');
  if (o.outerAlgorithm !== undefined) {
    cert.signatureAlgorithm = new pkijs.AlgorithmIdentifier({
      algorithmId: o.outerAlgorithm,
      algorithmParams: new asn1js.Null(),
    });
  }
  return new Uint8Array(cert.toSchema(false).toBER());
}

export interface CsrOptions {
  readonly signerPkcs8: Uint8Array;
  readonly spki: Uint8Array;
  readonly subject: readonly DnAttr[];
  readonly hash?: SigHash;
}

/** Builds a PKCS#10 CSR; returns its DER. */
export async function csr(o: CsrOptions): Promise<Uint8Array> {
  const req = new pkijs.CertificationRequest();
  req.version = 0;
  req.subject = dn(o.subject);
  req.subjectPublicKeyInfo = pkijs.PublicKeyInfo.fromBER(new Uint8Array(o.spki));
  req.attributes = [];
  await signWith(req, o.signerPkcs8, o.hash ?? 'SHA-256');
  return new Uint8Array(req.toSchema().toBER());
}

/** An unrecognised extension (private OID), critical or not: readers must ignore it. */
export function unknownExtension(critical: boolean): pkijs.Extension {
  return new pkijs.Extension({
    extnID: '1.3.6.1.4.1.55555.1',
    critical,
    extnValue: new asn1js.OctetString({ valueHex: new Uint8Array([5, 0]).buffer }).toBER(),
  });
}
