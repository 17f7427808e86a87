/**
 * Types of the metadata documents (spec/05-metadata.md, spec/09-legacy.md): the outer 2.x
 * document as parsed, the inner 2.x document with its byte fields decoded, and the version
 * names used by freshness tracking.
 *
 * Wire form of the outer 2.x document (E2EE-META-001):
 *
 * ```text
 * { "metadata": { "ciphertext": "<b64(ct‖tag)>[|<b64 nonce>]", "nonce": "<b64>",
 *                 "authenticationTag": "<b64 tag>" },
 *   "users": [ { "userId": "…", "certificate": "<PEM>", "encryptedMetadataKey": "<b64>" } ],
 *   "filedrop": { "<id>": { … } },
 *   "version": "2.0" }
 * ```
 *
 * @module
 */

/** Metadata versions this implementation reads; 2.0 and 2.1 are also written. */
export const METADATA_VERSIONS = ['1.0', '1.1', '1.2', '2.0', '2.1'] as const;
/** One of {@link METADATA_VERSIONS}. '1.0' also stands for documents that say `version: 1`. */
export type MetadataVersion = (typeof METADATA_VERSIONS)[number];

/** The mimetype real clients give folders (desktop rewrites `inode/directory` to it). */
export const FOLDER_MIMETYPE = 'httpd/unix-directory';

/** Byte lengths of the 2.x format. */
export const METADATA_KEY_LENGTH = 16;
export const FILE_KEY_LENGTH = 16;
export const TAG_LENGTH = 16;
/** The nonce length writers emit (E2EE-META-032). Readers accept 12 and 16. */
export const WRITER_NONCE_LENGTH = 12;

/** One member of a root folder, as listed in the outer document. */
export interface MetadataUser {
  readonly userId: string;
  /** The certificate exactly as written (PEM text; the signature covers this text). */
  readonly certificate: string;
  /** DER of that certificate. */
  readonly certificateDer: Uint8Array;
  /** RSA-OAEP-SHA256 wrap of the raw metadata key. */
  readonly encryptedMetadataKey: Uint8Array;
}

/** A parsed outer 2.x document (E2EE-META-001..019). */
export interface MetadataDocumentV2 {
  readonly family: 2;
  /** Normalised version ('2' and 2 read as '2.0'). */
  readonly version: '2.0' | '2.1';
  /** `ct ‖ tag`, from `metadata.ciphertext` without any `|nonce` suffix. */
  readonly ciphertext: Uint8Array;
  readonly nonce: Uint8Array;
  /** `metadata.authenticationTag` (equal to the last 16 bytes of `ciphertext`). */
  readonly authenticationTag: Uint8Array;
  /** True when `metadata.ciphertext` carried the `|<b64 nonce>` suffix. */
  readonly nonceSuffix: boolean;
  /** Members; empty when `users` was absent or `[]` (sub-folders). */
  readonly users: readonly MetadataUser[];
  /** True when the document had a `users` member (even `[]`). */
  readonly usersPresent: boolean;
  /** The raw `filedrop` object, entries unvalidated (see `validateFiledropEntryShape`). */
  readonly filedrop: Readonly<Record<string, unknown>> | undefined;
  /** The parsed JSON exactly as received (for signature canonicalisation). */
  readonly json: Readonly<Record<string, unknown>>;
}

/** One file of the inner document, byte fields decoded. */
export interface MetadataFile {
  readonly filename: string;
  readonly mimetype: string;
  /** 16-byte file key. */
  readonly key: Uint8Array;
  /** 12- or 16-byte IV of the file payload. */
  readonly nonce: Uint8Array;
  /** 16-byte GCM tag of the file payload (also the last 16 bytes of the uploaded body). */
  readonly authenticationTag: Uint8Array;
}

/** The inner 2.x document (E2EE-META-020..029). */
export interface InnerMetadata {
  /** Strictly increasing per folder (writers: previous + 1). */
  readonly counter: number;
  /** File id → file. */
  readonly files: Readonly<Record<string, MetadataFile>>;
  /** Folder id → cleartext folder name. */
  readonly folders: Readonly<Record<string, string>>;
  /** Lowercase hex SHA-256 of every metadata key ever used (root folders; [] in sub-folders). */
  readonly keyChecksums: readonly string[];
  /** True on a deleted top-level folder; absent when not written. */
  readonly deleted?: boolean;
}
