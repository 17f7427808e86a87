/**
 * The CA signer port: the one place where the server's CA private key is used. Two backends
 * implement it: a software key (the embedded default, persisted with the server's data) and a
 * PKCS#11 token (SoftHSM2), where the key is generated inside the token, is non-extractable and
 * every signature is made inside it. Issuance code (`ca/issue.ts`) builds the TBSCertificate and
 * calls `sign`; it never sees the private key.
 *
 * The CA key is RSA-2048, like Nextcloud's server identity key, so certificates carry
 * sha256WithRSAEncryption signatures that every Nextcloud client verifies.
 *
 * @module
 */

export interface CaSigner {
  /** Which backend holds the key. */
  readonly kind: 'software' | 'softhsm';
  /** DER SubjectPublicKeyInfo of the CA key; `/server-key` serves it as PEM. */
  publicKeySpki(): Promise<Uint8Array>;
  /** RSASSA-PKCS1-v1_5 with SHA-256 over `data` (e.g. a DER TBSCertificate). */
  signSha256Rsa(data: Uint8Array): Promise<Uint8Array>;
  /** Releases sessions and handles. */
  close(): Promise<void>;
}
