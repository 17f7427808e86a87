/**
 * Writing a 2.x metadata document (spec/05-metadata.md §5, E2EE-META-030..039).
 *
 * The one writer form: version "2.0" ("2.1" when a public-share user `s:<token>` is a member),
 * a fresh 12-byte nonce, `ciphertext` = base64(ct ‖ tag) with no `|nonce` suffix,
 * `authenticationTag` = base64(tag), members' keys wrapped with RSA-OAEP-SHA256, keys sorted at
 * every level and no whitespace (so the text is already the signature's canonical form).
 *
 * @module
 */
import { aesGcmEncrypt } from '../_internal/aesgcm.js';
import { abytes, defaultRng, sha256Hex, toBase64, type Rng } from '../_internal/bytes.js';
import { rsaOaepWrap } from '../_internal/rsa-oaep.js';
import { SealfoldError } from '../errors/index.js';
import { readCertificate } from './_cert.js';
import { canonicalJson, type JsonObject } from '../_internal/json.js';
import { isObject } from './_json.js';
import { RECOVERY_MEMBER } from '../recovery-key/wrap.js';
import { encodeInner, isDegenerate } from './inner.js';
import { parseMetadataDocumentV2 } from './parse.js';
import {
  METADATA_KEY_LENGTH,
  TAG_LENGTH,
  WRITER_NONCE_LENGTH,
  type InnerMetadata,
  type MetadataDocumentV2,
} from './types.js';

/** A member to wrap the metadata key for. */
export interface MetadataRecipient {
  readonly userId: string;
  /** The member's certificate (PEM); the caller has checked that it is trusted and pinned. */
  readonly certificate: string;
}

/** Options of {@link encryptMetadata}. */
export interface EncryptMetadataOptions {
  /** The inner document to write. */
  readonly inner: InnerMetadata;
  /** The folder's metadata key (root) or the root folder's key (sub-folder). 16 bytes. */
  readonly metadataKey: Uint8Array;
  /** Root folder: every member (at least one). Sub-folder: omit. */
  readonly users?: readonly MetadataRecipient[];
  /** Pending filedrop entries to keep (raw JSON, root folders only). */
  readonly filedrop?: Readonly<Record<string, unknown>>;
  /** The recovery wrap member (spec/20-recovery-key.md §5), root folders only. */
  readonly recoveryWrap?: Readonly<Record<string, string>>;
  readonly rng?: Rng;
}

/** The written document: its exact text and its parsed form. */
export interface EncryptedMetadata {
  readonly text: string;
  readonly document: MetadataDocumentV2;
}

/** True when `userId` names a public (link) share, which makes the document 2.1. */
export function isShareUser(userId: string): boolean {
  return userId.startsWith('s:');
}

/**
 * Encrypts an inner document into an outer 2.x document.
 *
 * @returns The document text (sorted keys, compact) and its parsed form.
 * @throws TypeError/RangeError for wrongly typed arguments; SealfoldError INPUT_MALFORMED or
 *   METADATA_MALFORMED for an inner document a reader would reject, METADATA_KEY_UNKNOWN when a
 *   root document's keyChecksums lacks the key, CERT_USER_MISMATCH when a certificate names
 *   another user, PEM_MALFORMED/CERT_MALFORMED for a bad certificate.
 * @example
 * const { text } = encryptMetadata({ inner, metadataKey, users: [{ userId: 'alice', certificate }] });
 */
export function encryptMetadata(opts: EncryptMetadataOptions): EncryptedMetadata {
  if (!isObject(opts)) throw new TypeError('"opts" must be an object');
  const { inner, users, filedrop, recoveryWrap, rng = defaultRng } = opts;
  const metadataKey = abytes(opts.metadataKey, 'metadataKey', METADATA_KEY_LENGTH);
  // E2EE-META-033 (MUST, client): never write under a degenerate key (C5).
  if (isDegenerate(metadataKey)) {
    throw new SealfoldError('INPUT_MALFORMED', 'the metadata key is degenerate');
  }
  if (users !== undefined) {
    if (!Array.isArray(users) || users.length === 0) {
      throw new SealfoldError('INPUT_MALFORMED', 'a root folder needs at least one member');
    }
    // E2EE-META-034 (MUST, client): a root document lists the checksum of its own key.
    if (!inner.keyChecksums?.includes(sha256Hex(metadataKey))) {
      throw new SealfoldError(
        'METADATA_KEY_UNKNOWN',
        'keyChecksums must contain the SHA-256 of the metadata key',
      );
    }
  } else {
    if (filedrop !== undefined) {
      throw new SealfoldError('INPUT_MALFORMED', 'only a root folder has filedrop entries');
    }
    // E2EE-META-027 (MUST NOT, client): a sub-folder document lists no key checksums.
    if (inner.keyChecksums?.length) {
      throw new SealfoldError(
        'INPUT_MALFORMED',
        'a sub-folder document must have empty keyChecksums',
      );
    }
  }
  const plaintext = encodeInner(inner);
  // E2EE-META-032 (MUST, client): a fresh random 12-byte nonce for every write.
  const nonce = abytes(rng(WRITER_NONCE_LENGTH), 'rng output', WRITER_NONCE_LENGTH);
  const sealed = aesGcmEncrypt(metadataKey, nonce, plaintext);
  plaintext.fill(0);

  const doc: Record<string, unknown> = {
    metadata: {
      authenticationTag: toBase64(sealed.subarray(sealed.length - TAG_LENGTH)),
      ciphertext: toBase64(sealed),
      nonce: toBase64(nonce),
    },
    version: users?.some((u) => isShareUser(u.userId)) ? '2.1' : '2.0',
  };
  // E2EE-META-038 (MUST NOT, client): users only in a root document.
  if (users !== undefined) doc.users = wrapForMembers(metadataKey, users, rng);
  if (filedrop !== undefined) doc.filedrop = filedrop;
  if (recoveryWrap !== undefined) {
    // E2EE-RKEY-030 (MUST, client): the recovery wrap only in a root document.
    if (users === undefined)
      throw new SealfoldError('INPUT_MALFORMED', 'only a root folder carries a recovery wrap');
    doc[RECOVERY_MEMBER] = recoveryWrap;
  }
  // E2EE-META-031 (MUST, client): the one writer form, sorted and compact, no nonce suffix.
  const text = canonicalJson(doc as JsonObject);
  return { text, document: parseMetadataDocumentV2(text) };
}

function wrapForMembers(
  key: Uint8Array,
  users: readonly MetadataRecipient[],
  rng: Rng,
): Record<string, string>[] {
  const seen = new Set<string>();
  return users.map((u, i) => {
    if (!isObject(u) || typeof u.userId !== 'string' || u.userId === '') {
      throw new SealfoldError('INPUT_MALFORMED', `users[${i}].userId must be a non-empty string`);
    }
    if (seen.has(u.userId))
      throw new SealfoldError('INPUT_MALFORMED', `users[${i}]: duplicate userId`);
    seen.add(u.userId);
    if (typeof u.certificate !== 'string') {
      throw new SealfoldError('INPUT_MALFORMED', `users[${i}].certificate must be a PEM string`);
    }
    const cert = readCertificate(u.certificate, `users[${i}].certificate`);
    // E2EE-META-035 (MUST, client): wrap only for the user the certificate names.
    if (cert.cert.subjectCn !== u.userId) {
      throw new SealfoldError(
        'CERT_USER_MISMATCH',
        `users[${i}]: the certificate's CN is not the userId`,
      );
    }
    return {
      certificate: u.certificate,
      encryptedMetadataKey: toBase64(rsaOaepWrap(cert.cert.spki, key, rng)),
      userId: u.userId,
    };
  });
}
