/**
 * The legacy 1.2 filedrop entry written by the desktop client (spec/09-legacy.md,
 * E2EE-META-165..167):
 *
 * ```text
 * { "encryptedKey": "<b64 RSA-OAEP(b64(b64(filedrop key)))>",
 *   "encrypted": "<b64(ct‖tag)>|<b64 iv>",      // AES-GCM(filedrop key, b64(JSON))
 *   "initializationVector": "…", "authenticationTag": "…",
 *   "encryptedInitializationVector": "…", "encryptedTag": "…" }
 * ```
 *
 * The JSON is `{"key","filename","mimetype","version":"1.2"}`. `initializationVector` and
 * `authenticationTag` are carried like those of `files` entries (presumably the payload's); the
 * two `encrypted…` fields match nothing that could be checked and are ignored (E2EE-META-167).
 *
 * @module
 */
import { abytes, fromBase64, wipe } from '../../_internal/bytes.js';
import { SealfoldError } from '../../errors/index.js';
import { isObject } from '../_json.js';
import { FOLDER_MIMETYPE } from '../types.js';
import { legacyEntryFields, openLegacySealed, unwrapLegacyKey } from './decrypt.js';
import { splitLegacySealed } from './parse.js';
import type { LegacyEntry } from './types.js';

const M = 'METADATA_MALFORMED' as const;

/**
 * Opens one legacy 1.2 filedrop entry with this user's private key (PKCS#8 DER).
 *
 * @throws SealfoldError METADATA_MALFORMED, KEY_UNWRAP_FAILED, AEAD_TAG_MISMATCH.
 */
export function decryptLegacyFiledropEntry(
  entry: unknown,
  privateKey: Uint8Array,
  id = 'entry',
): LegacyEntry {
  abytes(privateKey, 'privateKey');
  const what = `filedrop.${id}`;
  if (!isObject(entry)) throw new SealfoldError(M, `${what} must be an object`);
  for (const f of [
    'encryptedKey',
    'encrypted',
    'initializationVector',
    'authenticationTag',
  ] as const) {
    // E2EE-META-165 (MUST, client): every field the entry is opened with is present.
    if (typeof entry[f] !== 'string' || entry[f] === '') {
      throw new SealfoldError(M, `${what}.${f} must be a non-empty string`);
    }
  }
  const sealed = splitLegacySealed(entry.encrypted as string, `${what}.encrypted`);
  const iv = fromBase64(entry.initializationVector as string, `${what}.initializationVector`, M);
  const tag = fromBase64(entry.authenticationTag as string, `${what}.authenticationTag`, M);
  if ((iv.length !== 12 && iv.length !== 16) || tag.length !== 16) {
    throw new SealfoldError(M, `${what}: wrong initializationVector or authenticationTag length`);
  }
  const wrapped = fromBase64(entry.encryptedKey as string, `${what}.encryptedKey`, M);
  const key = unwrapLegacyKey(privateKey, wrapped, `${what}.encryptedKey`);
  try {
    const f = legacyEntryFields(openLegacySealed(key, sealed, `${what}.encrypted`), what);
    // E2EE-META-166 (MUST, client): a filedrop entry is a file, never a folder.
    if (f.mimetype === FOLDER_MIMETYPE) throw new SealfoldError(M, `${what} is a folder`);
    return Object.freeze({
      ...f,
      initializationVector: iv,
      authenticationTag: tag,
      isFolder: false,
    });
  } finally {
    wipe(key);
  }
}
