/**
 * The few certificate facts metadata needs: DER from PEM, the subject CN, the RSA public key
 * (SPKI) and its modulus size, and whether the server key signed it. Full certificate rules
 * (pinning, validity) are the certificates chapter's (spec/03-certificates.md).
 *
 * @module
 */
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { fromBase64 } from '../_internal/bytes.js';
import { SealfoldError, typed } from '../errors/index.js';

/** What metadata code reads from a member certificate. */
export interface CertificateFacts {
  readonly der: Uint8Array;
  /** SubjectPublicKeyInfo DER of the certificate's RSA key. */
  readonly spki: Uint8Array;
  /** The single CN of the subject, or undefined when there is none or several. */
  readonly subjectCn: string | undefined;
  /** RSA modulus length in bytes (the length of every RSA-OAEP ciphertext for this key). */
  readonly modulusBytes: number;
  readonly x509: X509Certificate;
}

/**
 * Decodes a certificate PEM. Line breaks (LF or CRLF), any line width, and whitespace around
 * lines are tolerated as in the keys chapter; anything else is PEM_MALFORMED, and a body that
 * is not an X.509 RSA certificate is CERT_MALFORMED.
 */
export function readCertificate(pem: string, what: string): CertificateFacts {
  const lines = pem
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  if (
    lines.length < 3 ||
    lines[0] !== '-----BEGIN CERTIFICATE-----' ||
    lines[lines.length - 1] !== '-----END CERTIFICATE-----' ||
    !lines.slice(1, -1).every((l) => /^[A-Za-z0-9+/=]+$/.test(l))
  ) {
    throw new SealfoldError('PEM_MALFORMED', `${what} is not a PEM certificate`);
  }
  const der = fromBase64(lines.slice(1, -1).join(''), what, 'PEM_MALFORMED');
  const x509 = typed('CERT_MALFORMED', `${what} does not parse as X.509`, () => {
    const c = new X509Certificate(der);
    // Re-encoding must give the same bytes: rejects trailing data after the certificate.
    if (!c.raw.equals(Buffer.from(der))) throw new Error('trailing data');
    return c;
  });
  const pub = x509.publicKey;
  if (pub.asymmetricKeyType !== 'rsa') {
    throw new SealfoldError('CERT_MALFORMED', `${what} does not hold an RSA key`);
  }
  const cns = x509.subject
    .split('\n')
    .filter((l) => l.startsWith('CN='))
    .map((l) => l.slice(3));
  return {
    der,
    spki: new Uint8Array(pub.export({ format: 'der', type: 'spki' })),
    subjectCn: cns.length === 1 ? cns[0] : undefined,
    modulusBytes: Math.ceil((pub.asymmetricKeyDetails?.modulusLength ?? 0) / 8),
    x509,
  };
}

/** True when the server key (SPKI DER) signed the certificate. */
export function signedByServer(cert: CertificateFacts, serverSpki: Uint8Array): boolean {
  const key = typed('KEY_MALFORMED', 'the server public key does not parse as SPKI', () =>
    createPublicKey({ key: Buffer.from(serverSpki), format: 'der', type: 'spki' }),
  );
  try {
    return cert.x509.verify(key);
  } catch {
    return false;
  }
}

/** SPKI DER of the public half of a PKCS#8 RSA private key. */
export function spkiOfPrivateKey(pkcs8: Uint8Array): Uint8Array {
  const priv = typed('KEY_MALFORMED', 'the private key does not parse as PKCS#8', () =>
    createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' }),
  );
  return new Uint8Array(createPublicKey(priv).export({ format: 'der', type: 'spki' }));
}
