/**
 * Enrolment on a first device and recovery of the user's private key on a new one (spec
 * `04-recovery.md` §5; E2EE-REC-030, E2EE-REC-031, E2EE-REC-033; invariant K1).
 *
 * Recovery trusts nothing the server sends merely because the server sent it. The blob is
 * authenticated by the GCM tag under the mnemonic-derived key (only someone who knew the mnemonic
 * could have made it); the certificate is authenticated by the server key's signature (and by a
 * pin, when one exists); and the two are tied together by checking that the recovered private key
 * is the certificate's key. Without that last check a server can hand out a genuine blob together
 * with a certificate for a key it chose (the CVE-2021-32727 / CVE-2021-32728 class): other users
 * would encrypt to the server's key while the victim's client carries on as if nothing happened.
 *
 * @module
 */
import { astring, defaultRng, type Rng } from '../_internal/bytes.js';
import {
  assertKeyMatchesCertificate,
  createCsr,
  csrToPem,
  parseCertificate,
  verifyUserCertificate,
  type CertificateInput,
  type ParsedCertificate,
  type PinStore,
} from '../certs/index.js';
import { pinVerifiedCertificate } from '../certs/accept.js';
import { SealfoldError } from '../errors/index.js';
import {
  decryptPrivateKey,
  encryptPrivateKey,
  parseKeyBlob,
  type KdfVariant,
} from '../keyblob/index.js';
import { assertUserKey, generateUserKeyPair } from '../keys/index.js';
import { generateMnemonic, parseMnemonic, type MnemonicInput } from '../mnemonic/index.js';

/** Options of {@link recoverPrivateKey}. */
export interface RecoverPrivateKeyOptions {
  /** The blob from `GET /private-key` (`data["private-key"]`). */
  blob: string;
  /** The mnemonic the user typed. */
  mnemonic: MnemonicInput;
  /** The user's own certificate from `GET /public-key` (PEM, DER or parsed). */
  certificate: CertificateInput;
  /** The user id the certificate must name. */
  userId: string;
  /**
   * The server key from `/server-key` (SPKI DER or PEM). When given, the certificate must be
   * signed by it (E2EE-REC-031). Without it only the key match and the CN are checked, which is
   * what an offline tool can do.
   */
  serverPublicKey?: Uint8Array | string;
  /**
   * The client's pins. When given (with `serverPublicKey`), the certificate must also match the
   * pin for `userId`; on success a first-seen certificate (and, with `serverId`, the server key)
   * is pinned. Nothing is written when recovery fails.
   */
  pins?: PinStore;
  /** Pin the server key under this id as well (see `acceptUserCertificate`). */
  serverId?: string;
  now?: Date;
  /** KDF variants to try (tests only; default: all three, E2EE-REC-011). */
  kdfs?: readonly KdfVariant[];
}

/** What {@link recoverPrivateKey} returns. */
export interface RecoveredPrivateKey {
  /** The user's private key, PKCS#8 DER. */
  pkcs8: Uint8Array;
  /** The PEM text as stored in the blob. */
  pem: string;
  /** The KDF variant the blob was written with (a legacy one suggests re-encrypting, E2EE-REC-012). */
  kdf: KdfVariant;
  /** The validated certificate. */
  certificate: ParsedCertificate;
}

/**
 * Recovers the user's private key from the server's blob and the mnemonic, and proves it is the
 * key of the user's certificate (E2EE-REC-030, E2EE-REC-031).
 *
 * Check order: blob and mnemonic syntax; the certificate (encoding, key policy, signature by the
 * server key, CN = userId); the blob's GCM tag; the recovered key's policy; the key match; the
 * pin. Nothing is returned, and no pin is written, unless every check passes.
 *
 * @throws SealfoldError `KEY_BLOB_MALFORMED`, `MNEMONIC_INVALID`, `PEM_MALFORMED`,
 *   `CERT_MALFORMED`, `KEY_UNSUPPORTED`, `CERT_UNTRUSTED`, `CERT_USER_MISMATCH`,
 *   `AEAD_TAG_MISMATCH`, `KEY_MALFORMED`, `KEY_MISMATCH`, `KEY_CHANGED`.
 * @example
 * ```ts
 * const { pkcs8 } = await recoverPrivateKey({ blob, mnemonic, certificate, userId: 'alice', serverPublicKey });
 * ```
 */
export async function recoverPrivateKey(
  opts: RecoverPrivateKeyOptions,
): Promise<RecoveredPrivateKey> {
  if (opts === null || typeof opts !== 'object') throw new TypeError('options must be an object');
  astring(opts.userId, 'userId');
  if (opts.pins !== undefined && opts.serverPublicKey === undefined) {
    throw new TypeError('"pins" needs "serverPublicKey": only a validated certificate is pinned');
  }
  // Encoding: the blob and the mnemonic, before any key derivation (E2EE-REC-023, E2EE-REC-004).
  parseKeyBlob(opts.blob);
  parseMnemonic(opts.mnemonic);
  // E2EE-REC-031 (MUST, client): validate the user's own certificate like any other.
  let certificate: ParsedCertificate;
  if (opts.serverPublicKey !== undefined) {
    certificate = verifyUserCertificate({
      certificate: opts.certificate,
      serverPublicKey: opts.serverPublicKey,
      userId: opts.userId,
    });
  } else {
    certificate = parseCertificate(
      typeof opts.certificate === 'string' || opts.certificate instanceof Uint8Array
        ? opts.certificate
        : opts.certificate.der,
    );
    assertUserKey(certificate.spki);
    if (certificate.subjectCn !== opts.userId) {
      throw new SealfoldError(
        'CERT_USER_MISMATCH',
        `the certificate's CN is not the expected user id ${JSON.stringify(opts.userId)}`,
      );
    }
  }
  // Authentication of the blob (E2EE-REC-011).
  const opened = await decryptPrivateKey(
    opts.blob,
    opts.mnemonic,
    opts.kdfs ? { kdfs: opts.kdfs } : {},
  );
  try {
    // Policy: the key policy of 02-keys.md, then E2EE-REC-030 (MUST, client): the recovered key
    // is the certificate's key, else KEY_MISMATCH.
    assertUserKey(opened.pkcs8);
    assertKeyMatchesCertificate(opened.pkcs8, certificate);
    if (opts.pins !== undefined) {
      // KEY_CHANGED leaves the pins as they were; a first sight is pinned only now.
      // The certificate was validated above with this server key and user id.
      await pinVerifiedCertificate(certificate, {
        serverPublicKey: opts.serverPublicKey!,
        userId: opts.userId,
        pins: opts.pins,
        ...(opts.serverId !== undefined ? { serverId: opts.serverId } : {}),
        ...(opts.now !== undefined ? { now: opts.now } : {}),
      });
    }
  } catch (e) {
    opened.pkcs8.fill(0);
    throw e;
  }
  return { ...opened, certificate };
}

/** Options of {@link enrolUser}. */
export interface EnrolUserOptions {
  /** The user id; it becomes the CSR's CN. */
  userId: string;
  /** Source of the mnemonic, IV and salt (the RSA key comes from node:crypto's CSPRNG). */
  rng?: Rng;
}

/** The output of a first-device enrolment. */
export interface Enrolment {
  /** The 12 words to show to the user (and never send, E2EE-REC-006). */
  mnemonic: string[];
  /** The private key, PKCS#8 DER (kept on the device). */
  pkcs8: Uint8Array;
  /** The public key, SPKI DER. */
  spki: Uint8Array;
  /** The CSR for `POST /public-key` (form field `csr`). */
  csrPem: string;
  /** The blob for `POST /private-key` (form field `privateKey`). */
  blob: string;
}

/**
 * First-device enrolment without network access (spec `04-recovery.md` §5, E2EE-REC-033): a new
 * key pair, a new mnemonic, a CSR with `CN=<userId>`, and the private key encrypted under the
 * mnemonic. The caller uploads the CSR, checks the returned certificate against `pkcs8`
 * (`assertKeyMatchesCertificate`), then uploads the blob.
 *
 * @example
 * ```ts
 * const { mnemonic, csrPem, blob } = await enrolUser({ userId: 'alice' });
 * ```
 */
export async function enrolUser(opts: EnrolUserOptions): Promise<Enrolment> {
  if (opts === null || typeof opts !== 'object') throw new TypeError('options must be an object');
  astring(opts.userId, 'userId');
  const rng = opts.rng ?? defaultRng;
  const mnemonic = generateMnemonic(rng);
  // E2EE-REC-033 (MUST, client): the CSR and the blob are made from the one generated pair.
  const { pkcs8, spki } = await generateUserKeyPair();
  const csrPem = csrToPem(await createCsr(pkcs8, opts.userId));
  const blob = await encryptPrivateKey(pkcs8, mnemonic, { rng });
  return { mnemonic, pkcs8, spki, csrPem, blob };
}
