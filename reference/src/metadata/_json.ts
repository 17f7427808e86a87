/**
 * JSON helpers for metadata: strict parsing to a plain object, and the canonical form (keys
 * sorted at every level, compact, `/` not escaped) used for digests of inner documents.
 *
 * @module
 */
import { SealfoldError, typed, type E2eeCode } from '../errors/index.js';

/** A plain JSON object (not an array, not null). */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses `text` as JSON and requires an object; anything else is `code` naming `what`. */
export function parseJsonObject(
  text: string,
  what: string,
  code: E2eeCode = 'METADATA_MALFORMED',
): Record<string, unknown> {
  if (typeof text !== 'string') throw new SealfoldError(code, `${what} must be a string`);
  const value: unknown = typed(code, `${what} is not valid JSON`, () => JSON.parse(text));
  if (!isObject(value)) throw new SealfoldError(code, `${what} must be a JSON object`);
  return value;
}

/** Canonical JSON: sorted keys at every level, compact, arrays in order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
