/**
 * The wire form of the encrypted private-key blob (spec `04-recovery.md` §4; E2EE-REC-020,
 * E2EE-REC-022, E2EE-REC-023), as sent in the form field `privateKey` and returned in the OCS
 * data object `{"private-key": "<blob>"}`:
 *
 *     blob   = b64(ciphertext ‖ tag) "|" b64(iv) "|" b64(salt)          ; written and read
 *     legacy = b64(ciphertext ‖ tag) "fA==" b64(iv) "fA==" b64(salt)    ; read only, no "|" in it
 *
 * Rationale: desktop ≤ ~2019 separated the parts with `fA==` (the base64 of `|`), and readers
 * (desktop `splitCipherParts`, Android `ivDelimiterOld`, iOS `IV_DELIMITER_ENCODED_OLD`) fall
 * back to it when the string holds no `|`. Splitting naively on `fA==` is ambiguous when a part
 * itself ends in `fA==` (about one blob in a thousand); this parser instead anchors the
 * fixed-length IV and salt at the end, which has exactly one reading.
 *
 * Lengths: IV 12 bytes (written; desktop, web and Android) or 16 bytes (read; iOS at the cited
 * version); salt exactly 40 bytes (every client; app v2.x servers refuse anything else);
 * ciphertext ‖ tag at least 17 bytes. All base64 is canonical (RFC 4648 §4, padded, no
 * whitespace), as every client writes it.
 *
 * @module
 */
import { SealfoldError } from '../errors/index.js';
import { abytes, astring, fromBase64, toBase64 } from '../_internal/bytes.js';
import { GCM_TAG_LENGTH } from '../_internal/aesgcm.js';
import { KDF_SALT_LENGTH } from './kdf.js';

/** The separator writers emit. */
export const KEY_BLOB_SEPARATOR = '|';
/** The legacy separator (the base64 of `|`), read only. */
export const LEGACY_KEY_BLOB_SEPARATOR = 'fA==';
/** IV length writers emit. */
export const KEY_BLOB_WRITE_IV_LENGTH = 12;
/** IV lengths readers accept. */
export const KEY_BLOB_IV_LENGTHS = [12, 16] as const;

/** The parts of a private-key blob. */
export interface KeyBlob {
  /** AES-256-GCM ciphertext with its 16-byte tag appended. */
  sealed: Uint8Array;
  /** 12 or 16 bytes. */
  iv: Uint8Array;
  /** 40 bytes. */
  salt: Uint8Array;
  /** The separator found in the text. */
  separator: typeof KEY_BLOB_SEPARATOR | typeof LEGACY_KEY_BLOB_SEPARATOR;
}

/*
 * Regular expressions of the grammar. The same text is in spec/schemas/private-key-blob.schema.json;
 * a test checks that the two agree.
 */
const C = '[A-Za-z0-9+/]';
/** Canonical base64 of at least 17 bytes (ciphertext ‖ tag). */
const B64_SEALED = `(?:(?:${C}{4}){6,}(?:${C}[AQgw]==)?|(?:${C}{4}){5,}${C}{2}[AEIMQUYcgkosw048]=)`;
/** Canonical base64 of 12 or 16 bytes. */
const B64_IV = `(?:${C}{16}|${C}{21}[AQgw]==)`;
/** Canonical base64 of 40 bytes. */
const B64_SALT = `${C}{53}[AQgw]==`;

/** The form readers accept (both separators). */
export const KEY_BLOB_READ_PATTERN = `^(?:${B64_SEALED}\\|${B64_IV}\\|${B64_SALT}|${B64_SEALED}fA==${B64_IV}fA==${B64_SALT})$`;
/** The form writers emit (and app v2.x servers accept): `|`, 12-byte IV, 40-byte salt. */
export const KEY_BLOB_WRITE_PATTERN = `^${B64_SEALED}\\|${C}{16}\\|${B64_SALT}$`;

const LEGACY_FORM = new RegExp(`^(${B64_SEALED})fA==(${B64_IV})fA==(${B64_SALT})$`);

function malformed(message: string): SealfoldError {
  return new SealfoldError('KEY_BLOB_MALFORMED', message);
}

function decodePart(text: string, name: string): Uint8Array {
  return fromBase64(text, name, 'KEY_BLOB_MALFORMED');
}

/**
 * Parses a private-key blob (E2EE-REC-022, E2EE-REC-023). Checks syntax and lengths only; the
 * GCM tag is checked by `decryptPrivateKey`.
 *
 * @throws SealfoldError `KEY_BLOB_MALFORMED` when the text is not three canonical base64 parts
 *   joined by `|` (or, with no `|` present, by `fA==`), the IV is not 12 or 16 bytes, the salt is
 *   not 40 bytes, or the ciphertext is not longer than its tag.
 */
export function parseKeyBlob(text: string): KeyBlob {
  astring(text, 'blob');
  let parts: string[];
  let separator: KeyBlob['separator'];
  if (text.includes(KEY_BLOB_SEPARATOR)) {
    separator = KEY_BLOB_SEPARATOR;
    parts = text.split(KEY_BLOB_SEPARATOR);
    // E2EE-REC-023 (MUST, client): exactly three parts.
    if (parts.length !== 3) {
      throw malformed(`a private-key blob has 3 parts separated by "|", got ${parts.length}`);
    }
  } else {
    // E2EE-REC-022 (MUST, client): with no "|", read the legacy "fA==" separator.
    separator = LEGACY_KEY_BLOB_SEPARATOR;
    const m = LEGACY_FORM.exec(text);
    if (!m) {
      throw malformed(
        'a private-key blob is b64(ciphertext)|b64(iv)|b64(salt) (or the legacy form with "fA==")',
      );
    }
    parts = [m[1]!, m[2]!, m[3]!];
  }
  const sealed = decodePart(parts[0]!, 'blob ciphertext');
  const iv = decodePart(parts[1]!, 'blob iv');
  const salt = decodePart(parts[2]!, 'blob salt');
  // E2EE-REC-023 (MUST, client): IV 12 or 16 bytes, salt 40 bytes, ciphertext longer than its tag.
  if (!(KEY_BLOB_IV_LENGTHS as readonly number[]).includes(iv.length)) {
    throw malformed(`the blob iv must be 12 or 16 bytes, got ${iv.length}`);
  }
  if (salt.length !== KDF_SALT_LENGTH) {
    throw malformed(`the blob salt must be ${KDF_SALT_LENGTH} bytes, got ${salt.length}`);
  }
  if (sealed.length <= GCM_TAG_LENGTH) {
    throw malformed(
      `the blob ciphertext must be longer than its ${GCM_TAG_LENGTH}-byte tag, got ${sealed.length} bytes`,
    );
  }
  return { sealed, iv, salt, separator };
}

/**
 * Formats a private-key blob the way writers emit it (E2EE-REC-020): `|` separators, 12-byte IV,
 * 40-byte salt, canonical base64.
 *
 * @throws RangeError when a part has a length writers must not emit.
 */
export function formatKeyBlob(blob: {
  sealed: Uint8Array;
  iv: Uint8Array;
  salt: Uint8Array;
}): string {
  abytes(blob.iv, 'iv', KEY_BLOB_WRITE_IV_LENGTH);
  abytes(blob.salt, 'salt', KDF_SALT_LENGTH);
  abytes(blob.sealed, 'sealed');
  if (blob.sealed.length <= GCM_TAG_LENGTH) {
    throw new RangeError(`"sealed" must be longer than ${GCM_TAG_LENGTH} bytes`);
  }
  // E2EE-REC-020 (MUST, client): b64(ct‖tag) "|" b64(iv) "|" b64(salt).
  return [toBase64(blob.sealed), toBase64(blob.iv), toBase64(blob.salt)].join(KEY_BLOB_SEPARATOR);
}
