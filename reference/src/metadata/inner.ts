/**
 * The inner 2.x document (spec/05-metadata.md §4, E2EE-META-020..029): validation, conversion
 * between its JSON wire form and {@link InnerMetadata}, and the gzip layer.
 *
 * ```text
 * { "counter": 5,
 *   "files":   { "<id>": { "authenticationTag": "<b64 16>", "filename": "a.txt",
 *                          "key": "<b64 16>", "mimetype": "text/plain", "nonce": "<b64 12|16>" } },
 *   "folders": { "<id>": "Photos" },
 *   "keyChecksums": [ "<hex sha256(metadata key)>" ],
 *   "deleted": false }
 * ```
 *
 * @module
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { fromBase64, fromUtf8, toBase64, utf8, sha256Hex } from '../_internal/bytes.js';
import { SealfoldError, typed } from '../errors/index.js';
import { canonicalJson, type JsonObject } from '../_internal/json.js';
import { isObject, parseJsonObject } from './_json.js';
import { validateSchema } from './_schemas.js';
import type { InnerMetadata, MetadataFile } from './types.js';

const M = 'METADATA_MALFORMED' as const;

/** Largest gunzipped inner document accepted (defence against gzip bombs). */
export const MAX_INNER_LENGTH = 64 * 1024 * 1024;

/** True when every byte is the same (all-zero keys and nonces included). */
export function isDegenerate(bytes: Uint8Array): boolean {
  return bytes.every((b) => b === bytes[0]);
}

/**
 * True when `name` is usable as one path component: not empty, not `.` or `..`, and free of
 * `/`, `\` and NUL (E2EE-META-024).
 */
export function isSafeName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !/[/\\\0]/.test(name);
}

function decodeFile(id: string, f: Record<string, string>): MetadataFile {
  const at = `files.${id}`;
  const key = fromBase64(f.key!, `${at}.key`, M);
  const nonce = fromBase64(f.nonce!, `${at}.nonce`, M);
  const authenticationTag = fromBase64(f.authenticationTag!, `${at}.authenticationTag`, M);
  // E2EE-META-025 (MUST, client): a degenerate file key or nonce is never used (C5).
  if (isDegenerate(key) || isDegenerate(nonce)) {
    throw new SealfoldError(M, `${at} has a degenerate key or nonce`);
  }
  if (!isSafeName(f.filename!)) throw new SealfoldError(M, `${at}.filename is not a safe name`);
  return Object.freeze({
    filename: f.filename!,
    mimetype: f.mimetype!,
    key,
    nonce,
    authenticationTag,
  });
}

/**
 * Validates the inner document's JSON and decodes it.
 *
 * @throws SealfoldError METADATA_MALFORMED naming the first bad field.
 */
export function innerFromJson(json: unknown): InnerMetadata {
  // E2EE-META-020 (MUST, client): the inner document matches its schema exactly where it
  // matters; unknown members are ignored.
  validateSchema('metadata-v2-inner.schema.json', json, 'the inner metadata document');
  const j = json as Record<string, unknown>;
  const rawFiles = j.files as Record<string, Record<string, string>>;
  const rawFolders = j.folders as Record<string, string>;
  for (const id of [...Object.keys(rawFiles), ...Object.keys(rawFolders)]) {
    // E2EE-META-024 (MUST, client): ids are safe as server-side file names; they need not be
    // 32 hex characters (E2EE-META-015).
    if (!isSafeName(id)) throw new SealfoldError(M, 'a file or folder id is not a safe name');
  }
  for (const id of Object.keys(rawFolders)) {
    // E2EE-META-023 (MUST, client): an id names a file or a folder, not both.
    if (Object.hasOwn(rawFiles, id))
      throw new SealfoldError(M, `id ${id} is both a file and a folder`);
    if (!isSafeName(rawFolders[id]!))
      throw new SealfoldError(M, `folders.${id} is not a safe name`);
  }
  const files = Object.fromEntries(
    Object.entries(rawFiles).map(([id, f]) => [id, decodeFile(id, f)]),
  );
  const inner: InnerMetadata = {
    counter: j.counter as number,
    files: Object.freeze(files),
    folders: Object.freeze(Object.fromEntries(Object.entries(rawFolders))),
    // E2EE-META-022 (MUST, client): tolerance `checksum-case`, compared in lowercase.
    keyChecksums: Object.freeze(
      ((j.keyChecksums as string[] | undefined) ?? []).map((c) => c.toLowerCase()),
    ),
    ...(j.deleted !== undefined ? { deleted: j.deleted as boolean } : {}),
  };
  return Object.freeze(inner);
}

/** The JSON wire form of an inner document (keys in sorted order). */
export function innerToJson(inner: InnerMetadata): Record<string, unknown> {
  if (!isObject(inner)) throw new SealfoldError('INPUT_MALFORMED', '"inner" must be an object');
  const files = typed('INPUT_MALFORMED', '"inner.files" is malformed', () =>
    Object.fromEntries(
      Object.entries(inner.files).map(([id, f]) => [
        id,
        {
          authenticationTag: toBase64(f.authenticationTag),
          filename: f.filename,
          key: toBase64(f.key),
          mimetype: f.mimetype,
          nonce: toBase64(f.nonce),
        },
      ]),
    ),
  );
  return {
    counter: inner.counter,
    ...(inner.deleted !== undefined ? { deleted: inner.deleted } : {}),
    files,
    folders: { ...inner.folders },
    keyChecksums: [...inner.keyChecksums],
  };
}

/** gzip(UTF-8(JSON)) of an inner document, after checking it with the reader's rules. */
export function encodeInner(inner: InnerMetadata): Uint8Array {
  const json = innerToJson(inner);
  // E2EE-META-030 (MUST NOT, client): writers never emit what readers reject.
  innerFromJson(json);
  return new Uint8Array(gzipSync(utf8(JSON.stringify(json))));
}

/**
 * Gunzips and parses an authenticated inner plaintext.
 *
 * @throws SealfoldError METADATA_MALFORMED (bad gzip, UTF-8, JSON or schema).
 */
export function decodeInner(plaintext: Uint8Array): {
  inner: InnerMetadata;
  json: Record<string, unknown>;
} {
  // E2EE-META-811, E2EE-META-812 (MUST, client): gzip (bounded to 64 MiB), UTF-8 and JSON
  // failures after authentication are METADATA_MALFORMED, and nothing of the plaintext is returned.
  const raw = typed(M, 'the inner metadata is not valid gzip', () =>
    gunzipSync(plaintext, { maxOutputLength: MAX_INNER_LENGTH }),
  );
  try {
    const text = fromUtf8(raw, 'the inner metadata document', M);
    const json = parseJsonObject(text, 'the inner metadata document');
    return { inner: innerFromJson(json), json };
  } finally {
    raw.fill(0);
  }
}

/** Lowercase hex SHA-256 of the canonical JSON of an inner document (freshness digest). */
export function innerDigest(json: Record<string, unknown>): string {
  return sha256Hex(utf8(canonicalJson(json as JsonObject)));
}
