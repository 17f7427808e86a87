/**
 * Parsing of the outer metadata document (spec/05-metadata.md §3, E2EE-META-001..019): strict on
 * every cryptographic field, with the named tolerances real clients need, and nothing defaulted.
 *
 * Check order: JSON (for 2.x by the rules of the signed text, spec/06-signature.md §2) → version
 * → schema → decoded lengths and cross-field consistency → member certificates. Authentication (unwrap, AEAD) happens in `decryptMetadata`.
 *
 * @module
 */
import { equalBytes, fromBase64 } from '../_internal/bytes.js';
import { SealfoldError } from '../errors/index.js';
import { readCertificate } from './_cert.js';
import { isObject, parseJsonObject } from './_json.js';
import { SIGNED_METADATA_TEXT } from '../_internal/json.js';
import { validateSchema } from './_schemas.js';
import {
  TAG_LENGTH,
  type MetadataDocumentV2,
  type MetadataUser,
  type MetadataVersion,
} from './types.js';
import type { LegacyMetadataDocument } from './v1/types.js';
import { parseLegacyDocument } from './v1/parse.js';

/** Either family of metadata document. */
export type MetadataDocument = MetadataDocumentV2 | LegacyMetadataDocument;

const M = 'METADATA_MALFORMED' as const;

/**
 * Named tolerance `version-spelling` (E2EE-META-003): the 2.x version as a string or a number.
 * Returns undefined for values that are not 2.x.
 */
export function normaliseV2Version(v: unknown): '2.0' | '2.1' | undefined {
  if (v === '2.0' || v === '2' || v === 2) return '2.0';
  if (v === '2.1' || v === 2.1) return '2.1';
  return undefined;
}

/**
 * Parses a metadata document of either family. A document with a top-level `version` is 2.x;
 * one with `metadata.version` and no top-level `version` is legacy 1.x (read-only, chapter 09).
 *
 * @param text The document exactly as the server returned it.
 * @throws SealfoldError METADATA_MALFORMED, METADATA_VERSION_UNSUPPORTED, PEM_MALFORMED,
 *   CERT_MALFORMED.
 */
export function parseMetadataDocument(text: string): MetadataDocument {
  // One parse by the rules of the signed text: every 2.x document must pass them; only a legacy
  // document (no top-level version) that fails them is read again by RFC 8259 syntax alone.
  let strict: Record<string, unknown> | undefined;
  let strictError: unknown;
  try {
    strict = parseJsonObject(text, 'the metadata document', SIGNED_METADATA_TEXT);
  } catch (e) {
    strictError = e;
  }
  // E2EE-META-001 (MUST, client): a JSON object, or METADATA_MALFORMED.
  const json = strict ?? parseJsonObject(text, 'the metadata document');
  // E2EE-META-002 (MUST, client): the family is decided by where the version lives.
  if ('version' in json) {
    // E2EE-META-100 (MUST, client): a 2.x document is signed, so it is read by the rules of its
    // signed text (no duplicate keys, canonical numbers, no lone surrogates; not inside the
    // unsigned filedrop), the same rules the signature check applies: a document passes both or
    // neither.
    if (strict === undefined) throw strictError;
    return parseV2(strict);
  }
  if (isObject(json.metadata) && 'version' in json.metadata) return parseLegacyDocument(json);
  throw new SealfoldError(M, 'the metadata document has no version');
}

/** Like {@link parseMetadataDocument} but only accepts 2.x (legacy → METADATA_VERSION_UNSUPPORTED). */
export function parseMetadataDocumentV2(text: string): MetadataDocumentV2 {
  const doc = parseMetadataDocument(text);
  if (doc.family !== 2) {
    throw new SealfoldError(
      'METADATA_VERSION_UNSUPPORTED',
      `expected metadata 2.x, got legacy ${doc.version}`,
    );
  }
  return doc;
}

/** The version of a parsed document, in the names of {@link MetadataVersion}. */
export function versionOf(doc: MetadataDocument): MetadataVersion {
  return doc.version;
}

function parseV2(json: Record<string, unknown>): MetadataDocumentV2 {
  // E2EE-META-003 (MUST, client): only 2.0 and 2.1, in the spellings real clients write.
  const version = normaliseV2Version(json.version);
  if (version === undefined) {
    throw new SealfoldError(
      'METADATA_VERSION_UNSUPPORTED',
      `unsupported metadata version ${JSON.stringify(json.version)?.slice(0, 16)}`,
    );
  }
  // E2EE-META-808, E2EE-META-809 (MUST, client): schema first; a missing, null, empty or mistyped
  // crypto field is rejected, never defaulted. The schema also enforces E2EE-META-008 (nonce and tag
  // lengths), E2EE-META-012 (no 1.x members in `metadata`) and E2EE-META-014 (`filedrop` is an
  // object; its entries are not looked at here). Unknown members are ignored (E2EE-META-013).
  validateSchema('metadata-v2.schema.json', json, 'the metadata document');
  const meta = json.metadata as Record<string, string>;

  // E2EE-META-006 (MUST, client): the `|nonce` suffix is tolerated and must repeat the nonce.
  const [ctText, suffix, ...rest] = meta.ciphertext!.split('|');
  if (rest.length > 0) throw new SealfoldError(M, '"metadata.ciphertext" has more than one "|"');
  // E2EE-META-005 (MUST, client): strict, canonical base64 everywhere.
  const ciphertext = fromBase64(ctText!, 'metadata.ciphertext', M);
  const nonce = fromBase64(meta.nonce!, 'metadata.nonce', M);
  const authenticationTag = fromBase64(meta.authenticationTag!, 'metadata.authenticationTag', M);
  if (suffix !== undefined) {
    const again = fromBase64(suffix, 'metadata.ciphertext nonce suffix', M);
    if (!equalBytes(again, nonce)) {
      throw new SealfoldError(
        M,
        'the nonce after "|" in "metadata.ciphertext" differs from "metadata.nonce"',
      );
    }
  }
  // E2EE-META-007 (MUST, client): more than a tag, and the redundant tag field equals the tag
  // inside the ciphertext (no second representation of one document).
  if (ciphertext.length <= TAG_LENGTH) {
    throw new SealfoldError(M, '"metadata.ciphertext" is too short to hold a tag and data');
  }
  if (!equalBytes(ciphertext.subarray(ciphertext.length - TAG_LENGTH), authenticationTag)) {
    throw new SealfoldError(
      M,
      '"metadata.authenticationTag" differs from the tag at the end of "metadata.ciphertext"',
    );
  }
  const users = parseUsers(json.users);
  return Object.freeze({
    family: 2,
    version,
    ciphertext,
    nonce,
    authenticationTag,
    nonceSuffix: suffix !== undefined,
    users,
    usersPresent: 'users' in json,
    filedrop: json.filedrop as Record<string, unknown> | undefined,
    json,
  });
}

function parseUsers(value: unknown): readonly MetadataUser[] {
  // Named tolerance `subfolder-users` (E2EE-META-009): absent or [] in sub-folders.
  if (value === undefined) return [];
  const seen = new Set<string>();
  return (value as Record<string, string>[]).map((u, i) => {
    const where = `users[${i}]`;
    // E2EE-META-010 (MUST, client): one entry per user id; a duplicate is ambiguous.
    if (seen.has(u.userId!)) throw new SealfoldError(M, `${where}: duplicate userId`);
    seen.add(u.userId!);
    const cert = readCertificate(u.certificate!, `${where}.certificate`);
    const wrapped = fromBase64(u.encryptedMetadataKey!, `${where}.encryptedMetadataKey`, M);
    // E2EE-META-011 (MUST, client): an RSA-OAEP ciphertext is exactly as long as the modulus.
    if (wrapped.length !== cert.modulusBytes) {
      throw new SealfoldError(
        M,
        `${where}.encryptedMetadataKey must be ${cert.modulusBytes} bytes for its certificate's key, got ${wrapped.length}`,
      );
    }
    return Object.freeze({
      userId: u.userId!,
      certificate: u.certificate!,
      certificateDer: cert.cert.der,
      encryptedMetadataKey: wrapped,
    });
  });
}
