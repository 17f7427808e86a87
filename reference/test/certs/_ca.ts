/**
 * A test certificate authority built with pkijs that issues certificates the way Nextcloud's
 * server does (`openssl_csr_sign(csr, null, serverKey, 7300)`): issuer DN = subject DN, serial 0,
 * basicConstraints CA:TRUE (critical), 20-year validity, SHA-1 or SHA-256 RSA signatures. Every
 * quirk can be switched, to build negative cases.
 */
import { createPrivateKey, createPublicKey, sign } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { pkiEngine, subtle } from '../../src/_internal/pkijs.js';
import { seededRng } from '../_support/seeded-rng.js';

export interface IssueOptions {
  /** The issuing (server) key, PKCS#8 DER. */
  caPkcs8: Uint8Array;
  /** The subject key, SPKI DER. */
  subjectSpki: Uint8Array;
  /** Subject commonNames (default one CN); [] for none. */
  cns?: string[];
  /** Extra DN attributes before the CN, as [oid, value]. Default: Nextcloud desktop's C/ST/L/O. */
  dnPrefix?: [string, string][];
  hash?: 'SHA-1' | 'SHA-256' | 'SHA-512' | 'MD5';
  serial?: number;
  /** Issuer name = subject name (default true); otherwise CN=Test CA. */
  issuerEqualsSubject?: boolean;
  ca?: boolean;
  notBefore?: Date;
  notAfter?: Date;
  /** Extensions appended after basicConstraints. */
  extraExtensions?: pkijs.Extension[];
}

const DESKTOP_DN: [string, string][] = [
  ['2.5.4.6', 'DE'],
  ['2.5.4.8', 'Baden-Wuerttemberg'],
  ['2.5.4.7', 'Stuttgart'],
  ['2.5.4.10', 'Nextcloud'],
];

/** A Name with one attribute per RDN (pkijs would put them all into one multi-valued RDN). */
function name(attrs: [string, string][]): pkijs.RelativeDistinguishedNames {
  const seq = new asn1js.Sequence({
    value: attrs.map(
      ([type, value]) =>
        new asn1js.Set({
          value: [
            new asn1js.Sequence({
              value: [
                new asn1js.ObjectIdentifier({ value: type }),
                type === '2.5.4.6'
                  ? new asn1js.PrintableString({ value })
                  : new asn1js.Utf8String({ value }),
              ],
            }),
          ],
        }),
    ),
  });
  return pkijs.RelativeDistinguishedNames.fromBER(seq.toBER());
}

/** UTCTime up to 2049, GeneralizedTime after (RFC 5280 §4.1.2.5). */
function time(value: Date): pkijs.Time {
  return new pkijs.Time({ type: value.getUTCFullYear() < 2050 ? 0 : 1, value });
}

const DAY = 86_400_000;

/** Issues a certificate; returns its DER. */
export async function issueCertificate(o: IssueOptions): Promise<Uint8Array> {
  const cert = new pkijs.Certificate();
  cert.version = 2;
  cert.serialNumber = new asn1js.Integer({ value: o.serial ?? 0 });
  const subject = name([
    ...(o.dnPrefix ?? DESKTOP_DN),
    ...(o.cns ?? ['alice']).map((cn) => ['2.5.4.3', cn] as [string, string]),
  ]);
  cert.subject = subject;
  cert.issuer =
    o.issuerEqualsSubject === false
      ? name([['2.5.4.3', 'Test CA']])
      : name([
          ...(o.dnPrefix ?? DESKTOP_DN),
          ...(o.cns ?? ['alice']).map((cn) => ['2.5.4.3', cn] as [string, string]),
        ]);
  const nb = o.notBefore ?? new Date(Math.floor(Date.now() / 1000) * 1000);
  cert.notBefore = time(nb);
  cert.notAfter = time(o.notAfter ?? new Date(nb.getTime() + 7300 * DAY));
  cert.subjectPublicKeyInfo = pkijs.PublicKeyInfo.fromBER(new Uint8Array(o.subjectSpki));
  cert.extensions = [
    new pkijs.Extension({
      extnID: '2.5.29.19',
      critical: true,
      extnValue: new pkijs.BasicConstraints({ cA: o.ca ?? true }).toSchema().toBER(false),
      parsedValue: new pkijs.BasicConstraints({ cA: o.ca ?? true }),
    }),
    ...(o.extraExtensions ?? []),
  ];
  const hash = o.hash ?? 'SHA-256';
  if (hash === 'MD5') {
    // WebCrypto cannot sign with MD5: build the AlgorithmIdentifier and sign the TBS with node.
    const alg = new pkijs.AlgorithmIdentifier({
      algorithmId: '1.2.840.113549.1.1.4',
      algorithmParams: new asn1js.Null(),
    });
    cert.signature = alg;
    cert.signatureAlgorithm = alg;
    cert.tbsView = new Uint8Array(cert.encodeTBS().toBER());
    const key = createPrivateKey({ key: Buffer.from(o.caPkcs8), format: 'der', type: 'pkcs8' });
    cert.signatureValue = new asn1js.BitString({ valueHex: sign('md5', cert.tbsView, key) });
  } else {
    const key = await subtle.importKey(
      'pkcs8',
      new Uint8Array(o.caPkcs8),
      { name: 'RSASSA-PKCS1-v1_5', hash },
      false,
      ['sign'],
    );
    await cert.sign(key, hash, pkiEngine);
  }
  return new Uint8Array(cert.toSchema(false).toBER());
}

const fakeModulusRng = seededRng('fakeRsaSpki modulus');

/** An RSA public key (SPKI DER) with a random modulus of exactly `bits` bits; not a real key pair. */
export function fakeRsaSpki(bits: number, e = 65537): Uint8Array {
  const n = Buffer.from(fakeModulusRng(Math.ceil(bits / 8)));
  const top = bits % 8 === 0 ? 8 : bits % 8;
  n[0] = (n[0]! & ((1 << top) - 1)) | (1 << (top - 1));
  n[n.length - 1]! |= 1;
  const eb = Buffer.from(
    e.toString(16).padStart(e.toString(16).length + (e.toString(16).length % 2), '0'),
    'hex',
  );
  const key = createPublicKey({
    key: { kty: 'RSA', n: n.toString('base64url'), e: eb.toString('base64url') },
    format: 'jwk',
  });
  return new Uint8Array(key.export({ type: 'spki', format: 'der' }));
}
