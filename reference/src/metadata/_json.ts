/**
 * JSON for metadata documents, on the reference's one JSON implementation (`_internal/json.ts`,
 * shared with the signature module): parsing to a plain object, in canonical mode for the signed
 * 2.x outer document and by RFC 8259 syntax alone for inner and legacy documents.
 *
 * @module
 */
import { SealfoldError } from '../errors/index.js';
import { parseJson, type JsonObject, type ParseJsonOptions } from '../_internal/json.js';

/** A plain JSON object (not an array, not null). */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Parses `text` as JSON and requires an object; anything else is METADATA_MALFORMED naming
 * `what`. By default only RFC 8259 syntax is checked (values as `JSON.parse` reads them).
 */
export function parseJsonObject(
  text: string,
  what: string,
  opts: ParseJsonOptions = { canonical: false },
): JsonObject {
  if (typeof text !== 'string') {
    throw new SealfoldError('METADATA_MALFORMED', `${what} must be a string`);
  }
  let value;
  try {
    value = parseJson(text, opts);
  } catch (e) {
    const detail = e instanceof SealfoldError ? `: ${e.message}` : '';
    throw new SealfoldError('METADATA_MALFORMED', `${what} is not valid JSON${detail}`, {
      cause: e,
    });
  }
  if (!isObject(value))
    throw new SealfoldError('METADATA_MALFORMED', `${what} must be a JSON object`);
  return value;
}
