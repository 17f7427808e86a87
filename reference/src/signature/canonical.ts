/**
 * The text a metadata signature covers (spec/06-signature.md §Canonical JSON and §Signed content,
 * E2EE-META-100..109).
 *
 *     signedContent = ASCII( base64( UTF-8( canonicalJson( outer − "filedrop" ) ) ) )
 *
 * What each client does (spec/06-signature.md §2):
 * - desktop: `QJsonDocument::toJson(Compact)` of the parsed document. Qt keeps object keys sorted
 *   (QString order = UTF-16 code units), writes non-ASCII as raw UTF-8, escapes only `"`, `\` and
 *   control characters (`\u00xx` in lowercase hex), never `/`. It also deletes
 *   `users[].encryptedFiledropKey` before serialising (see {@link signedContentCandidates}).
 * - iOS: `JSONSerialization` with `.sortedKeys, .withoutEscapingSlashes`; UTF-8.
 * - web: `safe-stable-stringify` (recent) or `JSON.stringify` (older, insertion order, which is
 *   why its "unordered metadata" test exists), then `btoa`, which throws on characters above
 *   U+00FF and encodes U+0080..U+00FF as Latin-1, not UTF-8: non-ASCII values are not portable to
 *   the web client. This specification fixes UTF-8.
 * - Android: Gson in field order, which on devices happens to be sorted (see the fixture).
 * All of these agree on documents whose keys are the ASCII names of the schema, which is why
 * writers must not add other keys (E2EE-META-106).
 *
 * @module
 */
import { abytes, fromUtf8, toBase64, utf8 } from '../_internal/bytes.js';
import { SealfoldError } from '../errors/index.js';
import {
  assertJsonValue,
  canonicalJson,
  parseJson,
  SIGNED_METADATA_TEXT,
  UNSIGNED_METADATA_KEY,
  type JsonObject,
  type JsonValue,
} from '../_internal/json.js';

/**
 * A metadata document as received: its text, its UTF-8 bytes, or the JSON value parsed from it
 * (not a normalised model: every field of the stored document must be present, unchanged).
 */
export type MetadataDocumentInput = string | Uint8Array | object;

/** The top-level key excluded from the signature (E2EE-META-105). */
export const UNSIGNED_TOP_LEVEL_KEY = UNSIGNED_METADATA_KEY;

/** Parses or checks an outer document and returns it as a JSON object. */
export function toJsonObject(outer: MetadataDocumentInput): JsonObject {
  let value: JsonValue;
  if (typeof outer === 'string') value = parseJson(outer, SIGNED_METADATA_TEXT);
  else if (outer instanceof Uint8Array) {
    abytes(outer, 'outer');
    value = parseJson(
      fromUtf8(outer, 'metadata document', 'METADATA_MALFORMED'),
      SIGNED_METADATA_TEXT,
    );
  } else if (outer !== null && typeof outer === 'object') {
    value = assertJsonValue(outer, UNSIGNED_TOP_LEVEL_KEY);
  } else throw new TypeError(`"outer" must be a string, Uint8Array or object, got ${typeof outer}`);
  // E2EE-META-100 (MUST, client): the document as received is one strict JSON object.
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new SealfoldError('METADATA_MALFORMED', 'the metadata document is not a JSON object');
  }
  return value;
}

function withoutKey(obj: JsonObject, key: string): JsonObject {
  const out: JsonObject = {};
  for (const k of Object.keys(obj)) {
    if (k !== key) Object.defineProperty(out, k, { value: obj[k], enumerable: true });
  }
  return out;
}

/**
 * The canonical JSON text of an outer metadata document (E2EE-META-101): the top-level
 * `filedrop` key removed (E2EE-META-105), keys sorted by UTF-16 code units at every level,
 * compact, `/` and non-ASCII unescaped, arrays in order.
 *
 * @param outer The document as received (text, UTF-8 bytes, or its parsed JSON value).
 * @returns The canonical text (a JavaScript string; its UTF-8 encoding is what gets base64ed).
 * @throws SealfoldError(METADATA_MALFORMED) for duplicate keys, numbers not written in their
 *   canonical form (E2EE-META-109), lone surrogates, or a document that is not a JSON object.
 * @example
 * canonicalMetadataJson('{"version":"2.0","metadata":{"nonce":"a/b"}}');
 * // → '{"metadata":{"nonce":"a/b"},"version":"2.0"}'
 */
export function canonicalMetadataJson(outer: MetadataDocumentInput): string {
  // E2EE-META-105 (MUST, both): only the top-level filedrop member is left out.
  return canonicalJson(withoutKey(toJsonObject(outer), UNSIGNED_TOP_LEVEL_KEY));
}

/**
 * The bytes a metadata signature covers (E2EE-META-107): the ASCII bytes of the canonical
 * base64 (padded, no line breaks) of the UTF-8 canonical JSON.
 *
 * @example
 * metadataSignedContent('{"version":"2.0"}'); // ASCII bytes of "eyJ2ZXJzaW9uIjoiMi4wIn0="
 */
export function metadataSignedContent(outer: MetadataDocumentInput): Uint8Array {
  return contentOf(canonicalMetadataJson(outer));
}

function contentOf(canonical: string): Uint8Array {
  // E2EE-META-107 (MUST, both): ASCII of canonical base64 of the UTF-8 text.
  return utf8(toBase64(utf8(canonical)));
}

/** Which canonicalisation produced a signed content. */
export const CONTENT_VARIANTS = {
  /** E2EE-META-101: everything but the top-level `filedrop`. */
  canonical: 'canonical',
  /** Tolerance `desktop-filedrop-key` (E2EE-META-121): also without `users[].encryptedFiledropKey`. */
  desktopFiledropKey: 'desktop-filedrop-key',
} as const;
export type ContentVariant = (typeof CONTENT_VARIANTS)[keyof typeof CONTENT_VARIANTS];

/**
 * The signed contents a verifier tries, in order: the canonical one, and, only when some entry of
 * `users` has an `encryptedFiledropKey`, the desktop's variant without those fields (the desktop
 * deletes them before signing and verifying; no 2.x writer puts them there, so for every document
 * a conforming writer produces the two are the same text).
 */
export function signedContentCandidates(
  outer: MetadataDocumentInput,
): { variant: ContentVariant; content: Uint8Array }[] {
  const doc = withoutKey(toJsonObject(outer), UNSIGNED_TOP_LEVEL_KEY);
  const out = [
    {
      variant: CONTENT_VARIANTS.canonical as ContentVariant,
      content: contentOf(canonicalJson(doc)),
    },
  ];
  const users = doc.users;
  const isEntryWithKey = (u: JsonValue): u is JsonObject =>
    u !== null && typeof u === 'object' && !Array.isArray(u) && 'encryptedFiledropKey' in u;
  if (Array.isArray(users) && users.some(isEntryWithKey)) {
    const stripped = users.map((u) =>
      isEntryWithKey(u) ? withoutKey(u, 'encryptedFiledropKey') : u,
    );
    const desktop: JsonObject = {};
    for (const k of Object.keys(doc)) {
      Object.defineProperty(desktop, k, {
        value: k === 'users' ? stripped : doc[k],
        enumerable: true,
      });
    }
    out.push({
      variant: CONTENT_VARIANTS.desktopFiledropKey,
      content: contentOf(canonicalJson(desktop)),
    });
  }
  return out;
}
