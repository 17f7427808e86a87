/**
 * The certificate facts metadata needs, from the `certs` and `keys` modules: DER, SPKI, CN and
 * modulus size of a member certificate; trust against the server key; own-key matching.
 * Certificate rules themselves are spec/03-certificates.md's.
 *
 * @module
 */
import { SealfoldError } from '../errors/index.js';
import { parseCertificate, verifyUserCertificate, type ParsedCertificate } from '../certs/index.js';
import { assertUserKey, keysMatch } from '../keys/index.js';

/** What metadata code reads from a member certificate. */
export interface CertificateFacts {
  readonly cert: ParsedCertificate;
  /** RSA modulus length in bytes (the length of every RSA-OAEP ciphertext for this key). */
  readonly modulusBytes: number;
}

/** Re-throws a typed error with `what` in front of its message (same code). */
function located<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof SealfoldError)
      throw new SealfoldError(e.code, `${what}: ${e.message}`, { cause: e });
    throw e;
  }
}

/**
 * Parses a member certificate (PEM). PEM_MALFORMED, CERT_MALFORMED; KEY_MALFORMED or
 * KEY_UNSUPPORTED when its key is not an RSA key of the user key policy.
 */
export function readCertificate(pem: string, what: string): CertificateFacts {
  return located(what, () => {
    const cert = parseCertificate(pem);
    const info = assertUserKey(cert.spki);
    return { cert, modulusBytes: Math.ceil(info.modulusBits / 8) };
  });
}

/**
 * Checks a member certificate (DER) against the pinned server key and the member's user id
 * (CERT_UNTRUSTED, CERT_USER_MISMATCH; E2EE-CERT-012, E2EE-CERT-014) and returns it parsed.
 */
export function verifyMember(
  certificateDer: Uint8Array,
  userId: string,
  serverPublicKey: Uint8Array,
  what: string,
): ParsedCertificate {
  return located(what, () =>
    verifyUserCertificate({ certificate: certificateDer, serverPublicKey, userId }),
  );
}

/** True when the PKCS#8 private key belongs to the certificate's key. */
export function holdsKey(cert: ParsedCertificate, pkcs8: Uint8Array): boolean {
  return keysMatch(pkcs8, cert.spki);
}
