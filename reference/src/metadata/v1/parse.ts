/**
 * Parsing legacy 1.0/1.1/1.2 documents (spec/09-legacy.md, E2EE-META-150..159).
 *
 * @module
 */
import { fromBase64 } from '../../_internal/bytes.js';
import { SealfoldError } from '../../errors/index.js';
import { validateSchema } from '../_schemas.js';
import type { LegacyEncryptedEntry, LegacyMetadataDocument, LegacySealed } from './types.js';

const M = 'METADATA_MALFORMED' as const;

/**
 * Splits a legacy sealed string `base64(ct‖tag) SEP base64(iv)`, SEP being `|` or (named
 * tolerance `fA==-separator`, desktop before ~2020) `fA==` (E2EE-META-152).
 */
export function splitLegacySealed(text: string, what: string): LegacySealed {
  let ct: string;
  let iv: string;
  let separator: LegacySealed['separator'];
  if (text.includes('|')) {
    const parts = text.split('|');
    if (parts.length !== 2) throw new SealfoldError(M, `${what} must have exactly one "|"`);
    [ct, iv] = parts as [string, string];
    separator = '|';
  } else {
    // Greedy: the last `fA==` followed by a non-empty IV.
    const m = /^(.+)fA==(.+)$/s.exec(text);
    if (!m) throw new SealfoldError(M, `${what} has no IV separator`);
    [ct, iv] = [m[1]!, m[2]!];
    separator = 'fA==';
  }
  const sealed = {
    ciphertext: fromBase64(ct, `${what} ciphertext`, M),
    iv: fromBase64(iv, `${what} IV`, M),
    separator,
  };
  if (sealed.ciphertext.length <= 16) throw new SealfoldError(M, `${what} is too short`);
  if (sealed.iv.length !== 12 && sealed.iv.length !== 16) {
    throw new SealfoldError(M, `${what} IV must be 12 or 16 bytes`);
  }
  return sealed;
}

function legacyVersion(v: unknown): LegacyMetadataDocument['version'] {
  if (v === 1.2 || v === '1.2') return '1.2';
  if (v === 1.1 || v === '1.1') return '1.1';
  return '1.0';
}

/** Parses the JSON object of a legacy document (called by `parseMetadataDocument`). */
export function parseLegacyDocument(json: Record<string, unknown>): LegacyMetadataDocument {
  const meta = json.metadata as Record<string, unknown>;
  // E2EE-META-150 (MUST, client): legacy versions are 1, 1.1 and 1.2 as number or string.
  if (![1, '1', '1.0', 1.1, '1.1', 1.2, '1.2'].includes(meta.version as never)) {
    throw new SealfoldError('METADATA_VERSION_UNSUPPORTED', 'unsupported legacy metadata version');
  }
  // E2EE-META-151 (MUST, client): the legacy schema, strictly (1.0/1.1 need a non-empty
  // `metadataKeys`, 1.2 a single `metadataKey`; the all-zero-key attack had an empty map).
  validateSchema('metadata-v1.schema.json', json, 'the legacy metadata document');
  const version = legacyVersion(meta.version);
  let metadataKeys: Map<number, Uint8Array> | undefined;
  let metadataKey: LegacyMetadataDocument['metadataKey'];
  if (version === '1.2') {
    const text = meta.metadataKey as string;
    metadataKey = { text, wrapped: fromBase64(text, 'metadata.metadataKey', M) };
  } else {
    metadataKeys = new Map(
      Object.entries(meta.metadataKeys as Record<string, string>).map(([i, k]) => [
        Number(i),
        fromBase64(k, `metadata.metadataKeys.${i}`, M),
      ]),
    );
  }
  const files: Record<string, LegacyEncryptedEntry> = {};
  for (const [id, e] of Object.entries(json.files as Record<string, Record<string, unknown>>)) {
    const at = `files.${id}`;
    const tag = e.authenticationTag as string;
    const entry: LegacyEncryptedEntry = {
      encrypted: splitLegacySealed(e.encrypted as string, `${at}.encrypted`),
      initializationVector: fromBase64(
        e.initializationVector as string,
        `${at}.initializationVector`,
        M,
      ),
      authenticationTag: fromBase64(tag, `${at}.authenticationTag`, M),
      metadataKeyIndex: e.metadataKey as number | undefined,
    };
    Object.defineProperty(files, id, { value: Object.freeze(entry), enumerable: true });
  }
  return Object.freeze({
    family: 1,
    version,
    metadataKeys,
    metadataKey,
    checksum: (meta.checksum as string | undefined)?.toLowerCase(),
    files: Object.freeze(files),
    filedrop: json.filedrop as Record<string, unknown> | undefined,
    json,
  });
}
