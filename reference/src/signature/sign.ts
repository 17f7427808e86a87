/**
 * Producing a metadata signature (spec/06-signature.md §CMS profile for writers,
 * E2EE-META-110..114), with pkijs.
 *
 *     X-NC-E2EE-SIGNATURE = base64( DER( ContentInfo( SignedData {
 *       version 1, digestAlgorithms { sha256 }, encapContentInfo { id-data, no eContent },
 *       certificates { signer certificate },
 *       signerInfos { { version 1, sid issuerAndSerialNumber, digestAlgorithm sha256,
 *         signedAttrs { contentType id-data, signingTime, messageDigest },
 *         signatureAlgorithm sha256WithRSAEncryption, signature } } } ) ) )
 *
 * over signedContent (canonical.ts). This is what BouncyCastle writes (Android fixture) and what
 * OpenSSL, BouncyCastle and pkijs all verify.
 *
 * @module
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { abytes, sha256, toBase64 } from '../_internal/bytes.js';
import { pkiEngine, subtle } from '../_internal/pkijs.js';
import { SealfoldError, typedAsync, typed } from '../errors/index.js';
import { OID } from './_cms.js';
import { loadCertificate, sameKey, type CertificateInput } from './_certs.js';
import { toJsonObject, metadataSignedContent, type MetadataDocumentInput } from './canonical.js';

/** Options of {@link signMetadata}. */
export interface SignMetadataOptions {
  /** The outer document exactly as it will be uploaded (text, UTF-8 bytes or JSON value). */
  outer: MetadataDocumentInput;
  /** The signer's own certificate (PEM or DER), as listed in `users`. */
  signerCertificate: CertificateInput;
  /** The signer's private key, PKCS#8 DER. */
  signerPrivateKey: Uint8Array;
  /** Signing time for the signingTime attribute (default: now). */
  now?: Date;
}

/** RFC 5652 §11.3: UTCTime for 1950..2049, GeneralizedTime otherwise; whole seconds. */
function signingTimeValue(now: Date): asn1js.UTCTime | asn1js.GeneralizedTime {
  const t = new Date(Math.floor(now.getTime() / 1000) * 1000);
  const y = t.getUTCFullYear();
  return y >= 1950 && y < 2050
    ? new asn1js.UTCTime({ valueDate: t })
    : new asn1js.GeneralizedTime({ valueDate: t });
}

/**
 * Signs an outer metadata document: returns the value of the `X-NC-E2EE-SIGNATURE` header.
 *
 * @returns Canonical base64 of the DER ContentInfo(SignedData), detached.
 * @throws SealfoldError: METADATA_MALFORMED (the document is not canonicalisable, or a `users`
 *   entry carries `encryptedFiledropKey`, E2EE-META-106), PEM_MALFORMED / CERT_MALFORMED,
 *   KEY_MALFORMED (not PKCS#8 RSA), KEY_MISMATCH (the key is not the certificate's).
 * @example
 * const header = await signMetadata({ outer: text, signerCertificate: pem, signerPrivateKey: pkcs8 });
 */
export async function signMetadata(opts: SignMetadataOptions): Promise<string> {
  const now = opts.now ?? new Date();
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) {
    throw new TypeError('"now" must be a valid Date');
  }
  abytes(opts.signerPrivateKey, 'signerPrivateKey');
  const doc = toJsonObject(opts.outer);
  // E2EE-META-106 (MUST NOT, client): no `encryptedFiledropKey` in `users`, so that the desktop's
  // variant of the signed content equals the canonical one.
  const users = doc.users;
  if (
    Array.isArray(users) &&
    users.some((u) => u !== null && typeof u === 'object' && 'encryptedFiledropKey' in u)
  ) {
    throw new SealfoldError(
      'METADATA_MALFORMED',
      'a users entry has an encryptedFiledropKey; 2.x writers must not put it there',
    );
  }
  const content = metadataSignedContent(doc);
  const cert = loadCertificate(opts.signerCertificate, 'the signer certificate');
  const privateKey = typed('KEY_MALFORMED', 'the private key does not parse as PKCS#8', () =>
    createPrivateKey({ key: Buffer.from(opts.signerPrivateKey), format: 'der', type: 'pkcs8' }),
  );
  if (privateKey.asymmetricKeyType !== 'rsa') {
    throw new SealfoldError('KEY_MALFORMED', 'the signing key is not an RSA key');
  }
  // E2EE-META-113 (MUST, client): sign only with the key of the certificate that is embedded and
  // named, so that every verifier finds the signer.
  if (!sameKey(createPublicKey(privateKey), cert.publicKey)) {
    throw new SealfoldError(
      'KEY_MISMATCH',
      'the private key does not belong to the signer certificate',
    );
  }
  const cryptoKey = await typedAsync('KEY_MALFORMED', 'the private key cannot be imported', () =>
    subtle.importKey(
      'pkcs8',
      new Uint8Array(opts.signerPrivateKey),
      { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
      false,
      ['sign'],
    ),
  );

  // E2EE-META-111 (MUST, client): contentType, signingTime, messageDigest, in DER (SET OF) order.
  const signedAttrs = new pkijs.SignedAndUnsignedAttributes({
    type: 0,
    attributes: [
      new pkijs.Attribute({
        type: OID.contentType,
        values: [new asn1js.ObjectIdentifier({ value: OID.data })],
      }),
      new pkijs.Attribute({ type: OID.signingTime, values: [signingTimeValue(now)] }),
      new pkijs.Attribute({
        type: OID.messageDigest,
        values: [new asn1js.OctetString({ valueHex: new Uint8Array(sha256(content)) })],
      }),
    ],
  });
  const sd = new pkijs.SignedData({
    version: 1,
    // E2EE-META-110 (MUST, client): detached (no eContent), eContentType id-data.
    encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: OID.data }),
    // E2EE-META-112 (MUST, client): the signer certificate is embedded, named by issuer and serial.
    certificates: [cert.pki],
    signerInfos: [
      new pkijs.SignerInfo({
        version: 1,
        sid: new pkijs.IssuerAndSerialNumber({
          issuer: cert.pki.issuer,
          serialNumber: cert.pki.serialNumber,
        }),
        signedAttrs,
      }),
    ],
  });
  await sd.sign(cryptoKey, 0, 'SHA-256', new Uint8Array(content), pkiEngine);
  const info = new pkijs.ContentInfo({ contentType: OID.signedData, content: sd.toSchema(true) });
  return toBase64(new Uint8Array(info.toSchema().toBER(false)));
}
