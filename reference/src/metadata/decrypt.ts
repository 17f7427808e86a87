/**
 * Reading a 2.x metadata document (spec/05-metadata.md §6, E2EE-META-040..059).
 *
 * Checks, in this order (a fault is reported at the first that fails; E2EE-META-040):
 * 1. parse: JSON, version, schema, lengths, consistency (E2EE-META-001..019);
 * 2. role: a root document has a wrapped key for this user (METADATA_KEY_MISSING); a sub-folder
 *    document lists no users (METADATA_MALFORMED);
 * 3. certificates, when a server key is given: every member certificate is signed by it
 *    (CERT_UNTRUSTED) and names its user (CERT_USER_MISMATCH); this user's certificate holds
 *    this user's public key (KEY_MISMATCH). Without a server key the caller has verified the
 *    certificates (and the signature) itself;
 * 4. unwrap (KEY_UNWRAP_FAILED), key length 16 and not degenerate (METADATA_MALFORMED);
 * 5. AES-GCM (AEAD_TAG_MISMATCH);
 * 6. gzip, JSON, inner schema (METADATA_MALFORMED);
 * 7. root: SHA-256(key) ∈ keyChecksums (METADATA_KEY_UNKNOWN).
 * Freshness (counter, checksums, version) is checked afterwards against the persisted high-water
 * mark (`freshness.ts`). The CMS signature is checked by `signature` before this function.
 *
 * @module
 */
import { aesGcmDecrypt } from '../_internal/aesgcm.js';
import { abytes, sha256Hex, wipe } from '../_internal/bytes.js';
import { rsaOaepUnwrap } from '../_internal/rsa-oaep.js';
import { SealfoldError } from '../errors/index.js';
import { parseCertificate, type ParsedCertificate } from '../certs/index.js';
import { holdsKey, verifyMember } from './_cert.js';
import { isObject } from './_json.js';
import { decodeInner, innerDigest, isDegenerate } from './inner.js';
import { parseMetadataDocumentV2 } from './parse.js';
import {
  METADATA_KEY_LENGTH,
  type InnerMetadata,
  type MetadataDocumentV2,
  type MetadataUser,
} from './types.js';

/** Options of {@link decryptMetadata}. */
export interface DecryptMetadataOptions {
  /** The document text as received, or an already parsed 2.x document. */
  readonly document: string | MetadataDocumentV2;
  /** This user's id (root folders: selects the wrapped key). */
  readonly userId: string;
  /** This user's RSA private key, PKCS#8 DER (root folders). */
  readonly privateKey?: Uint8Array;
  /** The root folder's metadata key: set for a sub-folder document, omitted for a root. */
  readonly rootMetadataKey?: Uint8Array;
  /** SPKI DER of the pinned server key: when set, member certificates are checked (step 3). */
  readonly serverPublicKey?: Uint8Array;
}

/** A decrypted 2.x document. */
export interface DecryptedMetadata {
  readonly version: '2.0' | '2.1';
  readonly inner: InnerMetadata;
  /** The key that opened it (the folder's own key, or the root's for a sub-folder). */
  readonly metadataKey: Uint8Array;
  /** SHA-256 hex of the canonical inner JSON: tells equal-counter states apart (freshness). */
  readonly digest: string;
  /** The inner document exactly as decrypted (what a reviewer is shown; nothing added). */
  readonly innerJson: Readonly<Record<string, unknown>>;
  readonly document: MetadataDocumentV2;
}

const M = 'METADATA_MALFORMED' as const;

/**
 * Step 4 of spec/05-metadata.md §6 for a root document: every member certificate is issued by
 * the pinned server key and names its member; the reader's entry, when a reader is given (a
 * member who decrypts), holds the reader's key.
 *
 * @returns the parsed member certificates, in the order of `users` (for the pin check).
 * @throws SealfoldError CERT_UNTRUSTED, CERT_USER_MISMATCH, KEY_MISMATCH.
 */
export function checkMemberCertificates(
  doc: MetadataDocumentV2,
  serverPublicKey: Uint8Array,
  reader?: { readonly userId: string; readonly privateKey: Uint8Array },
): ParsedCertificate[] {
  const server = abytes(serverPublicKey, 'serverPublicKey');
  return doc.users.map((u, i) => {
    const what = `users[${i}].certificate`;
    // E2EE-META-043 (MUST, client): every member certificate is issued by the pinned server key
    // and names the member it is listed for (CERT_UNTRUSTED, CERT_USER_MISMATCH). Parsing the
    // document has checked its encoding and key policy already; this is its one re-parse.
    const cert = verifyMember(u.certificateDer, u.userId, server, what);
    // E2EE-META-045 (MUST, client): this user's entry holds this user's own public key.
    if (u.userId === reader?.userId && !holdsKey(cert, abytes(reader.privateKey, 'privateKey'))) {
      throw new SealfoldError('KEY_MISMATCH', `${what} does not hold this user's key`);
    }
    return cert;
  });
}

/**
 * Step 3 of spec/05-metadata.md §6: a root document wraps a key for this user
 * (METADATA_KEY_MISSING); a sub-folder document lists no users (METADATA_MALFORMED).
 */
export function checkRole(doc: MetadataDocumentV2, userId: string, isRoot: boolean): void {
  if (isRoot) ownEntry(doc, userId);
  // E2EE-META-042 (MUST, client): a sub-folder document carries no members. E2EE-META-038.
  else if (doc.users.length > 0) {
    throw new SealfoldError(M, 'a sub-folder metadata document must not list users');
  }
}

function ownEntry(doc: MetadataDocumentV2, userId: string): MetadataUser {
  // E2EE-META-813, E2EE-META-814 (MUST, client): only the entry for this user id, or
  // METADATA_KEY_MISSING; never a default or another's.
  const own = doc.users.find((u) => u.userId === userId);
  if (own === undefined) {
    throw new SealfoldError('METADATA_KEY_MISSING', 'no metadata key is wrapped for this user');
  }
  return own;
}

function unwrapOwnKey(own: MetadataUser, privateKey: Uint8Array): Uint8Array {
  const key = rsaOaepUnwrap(privateKey, own.encryptedMetadataKey);
  // E2EE-META-046 (MUST, client): the unwrapped key is 16 bytes and not degenerate (C5).
  if (key.length !== METADATA_KEY_LENGTH || isDegenerate(key)) {
    wipe(key);
    throw new SealfoldError(M, 'the unwrapped metadata key is not a valid 16-byte key');
  }
  return key;
}

/**
 * Decrypts a 2.x metadata document for `userId`.
 *
 * @returns The inner document, the key that opened it, the version and the parsed document.
 * @throws SealfoldError with one of METADATA_MALFORMED, METADATA_VERSION_UNSUPPORTED,
 *   PEM_MALFORMED, CERT_MALFORMED, METADATA_KEY_MISSING, CERT_UNTRUSTED, CERT_USER_MISMATCH,
 *   KEY_MISMATCH, KEY_MALFORMED, KEY_UNWRAP_FAILED, AEAD_TAG_MISMATCH, CIPHERTEXT_MALFORMED,
 *   METADATA_KEY_UNKNOWN. Nothing of the plaintext is returned on any failure.
 * @example
 * const { inner } = decryptMetadata({ document: text, userId: 'alice', privateKey: pkcs8 });
 */
export function decryptMetadata(opts: DecryptMetadataOptions): DecryptedMetadata {
  if (!isObject(opts)) throw new TypeError('"opts" must be an object');
  const { userId } = opts;
  if (typeof userId !== 'string' || userId === '')
    throw new TypeError('"userId" must be a non-empty string');
  const doc =
    typeof opts.document === 'string' ? parseMetadataDocumentV2(opts.document) : opts.document;
  if (!isObject(doc) || doc.family !== 2)
    throw new TypeError('"document" must be a metadata 2.x document');
  const isRoot = opts.rootMetadataKey === undefined;

  let key: Uint8Array;
  if (isRoot) {
    const privateKey = abytes(opts.privateKey, 'privateKey');
    const own = ownEntry(doc, userId);
    if (opts.serverPublicKey !== undefined)
      checkMemberCertificates(doc, opts.serverPublicKey, { userId, privateKey });
    // E2EE-META-045 (MUST, client): unconditional, also when the caller checked trust itself:
    // a key wrapped under a certificate the server chose is not this user's to use.
    else if (!holdsKey(parseCertificate(own.certificateDer), privateKey)) {
      throw new SealfoldError(
        'KEY_MISMATCH',
        "this user's certificate does not hold this user's key",
      );
    }
    key = unwrapOwnKey(own, privateKey);
  } else {
    checkRole(doc, userId, false);
    key = new Uint8Array(abytes(opts.rootMetadataKey, 'rootMetadataKey', METADATA_KEY_LENGTH));
  }
  try {
    // E2EE-META-815, E2EE-META-810 (MUST, client): authenticate before anything of the plaintext
    // is used, the inner document's gunzip and parse included.
    const plaintext = aesGcmDecrypt(key, doc.nonce, doc.ciphertext);
    let decoded: ReturnType<typeof decodeInner>;
    try {
      decoded = decodeInner(plaintext);
    } finally {
      wipe(plaintext);
    }
    // E2EE-META-048 (MUST, client): the key of a root folder is one its members listed.
    // E2EE-META-026 (MUST NOT, client): a sub-folder's own list is not consulted.
    if (isRoot && !decoded.inner.keyChecksums.includes(sha256Hex(key))) {
      throw new SealfoldError(
        'METADATA_KEY_UNKNOWN',
        'the metadata key is not listed in keyChecksums',
      );
    }
    return Object.freeze({
      version: doc.version,
      inner: decoded.inner,
      metadataKey: key,
      digest: innerDigest(decoded.json),
      innerJson: decoded.json,
      document: doc,
    });
  } catch (e) {
    wipe(key);
    throw e;
  }
}
