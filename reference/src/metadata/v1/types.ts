/**
 * Types of the legacy (read-only) metadata formats 1.0, 1.1 and 1.2 (spec/09-legacy.md).
 *
 * ```text
 * 1.0/1.1: { "metadata": { "metadataKeys": { "0": "<b64 RSA(b64(b64(key)))>" }, "version": 1 },
 *            "files": { "<id>": { "encrypted": "<b64(ct‖tag)>|<b64 iv>", "initializationVector": "…",
 *                                  "authenticationTag": "…", "metadataKey": 0 } } }
 * 1.2:     { "metadata": { "metadataKey": "<b64 RSA(b64(b64(key)))>", "checksum": "<hex>",
 *                          "version": 1.2 }, "files": { … }, "filedrop": { … } }
 * ```
 *
 * @module
 */

/** The AES-GCM sealed string of a legacy entry, split. */
export interface LegacySealed {
  /** `ct ‖ tag`. */
  readonly ciphertext: Uint8Array;
  readonly iv: Uint8Array;
  /** `|`, or the pre-2020 separator `fA==` (the base64 of "|"). */
  readonly separator: '|' | 'fA==';
}

/** One `files` entry before decryption. */
export interface LegacyEncryptedEntry {
  readonly encrypted: LegacySealed;
  /** The payload IV (16 bytes in all real data). */
  readonly initializationVector: Uint8Array;
  /** The payload tag; empty for folders. */
  readonly authenticationTag: Uint8Array;
  /** 1.0/1.1: index of the key that encrypted it. */
  readonly metadataKeyIndex: number | undefined;
}

/** A parsed legacy document. */
export interface LegacyMetadataDocument {
  readonly family: 1;
  /** '1.0' covers every document that says `version: 1` (1.0 and 1.1 data look the same). */
  readonly version: '1.0' | '1.1' | '1.2';
  /** 1.0/1.1: index → wrapped key. */
  readonly metadataKeys: ReadonlyMap<number, Uint8Array> | undefined;
  /** 1.2: the wrapped key, and its base64 text (the checksum covers the text). */
  readonly metadataKey: { readonly text: string; readonly wrapped: Uint8Array } | undefined;
  /** 1.2: the stored checksum (lowercase hex), if any. */
  readonly checksum: string | undefined;
  readonly files: Readonly<Record<string, LegacyEncryptedEntry>>;
  /** 1.2 filedrop entries, raw (opened one by one with `decryptLegacyFiledropEntry`). */
  readonly filedrop: Readonly<Record<string, unknown>> | undefined;
  readonly json: Readonly<Record<string, unknown>>;
}

/** One decrypted entry, normalised for migration to 2.x. */
export interface LegacyEntry {
  readonly filename: string;
  readonly mimetype: string;
  /** File key (files) or the folder's own key (folders, which had their own metadata in 1.x). */
  readonly key: Uint8Array;
  /** Payload IV. */
  readonly initializationVector: Uint8Array;
  /** Payload tag; empty for folders. */
  readonly authenticationTag: Uint8Array;
  readonly isFolder: boolean;
}

/** A decrypted legacy document. */
export interface LegacyView {
  readonly version: '1.0' | '1.1' | '1.2';
  readonly metadataKey: Uint8Array;
  /** 1.0/1.1: the `metadataKeys` index used (the highest). */
  readonly metadataKeyIndex: number | undefined;
  /** 1.2: true when a mnemonic was given and the checksum matched; false when not checked. */
  readonly checksumVerified: boolean;
  readonly entries: Readonly<Record<string, LegacyEntry>>;
}
