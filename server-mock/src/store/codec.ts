/**
 * JSON encoding of store records: `Uint8Array` values become `{"$bytes": "<base64>"}`. Used by the
 * journal, the snapshot and the fingerprint (which sorts keys, so equal state hashes equally).
 *
 * @module
 */

const BYTES = '$bytes';

function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Uint8Array) return { [BYTES]: Buffer.from(value).toString('base64') };
  return value;
}

function reviver(_key: string, value: unknown): unknown {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const keys = Object.keys(value);
    const b = (value as Record<string, unknown>)[BYTES];
    if (keys.length === 1 && typeof b === 'string') return new Uint8Array(Buffer.from(b, 'base64'));
  }
  return value;
}

/** Encodes a value as one line of JSON (no newline inside). */
export function encodeJson(value: unknown): string {
  return JSON.stringify(value, replacer);
}

/** Decodes {@link encodeJson} output. */
export function decodeJson(text: string): unknown {
  return JSON.parse(text, reviver);
}

/** JSON with object keys sorted at every level (for fingerprints). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(v: unknown): unknown {
  if (v instanceof Uint8Array) return { [BYTES]: Buffer.from(v).toString('base64') };
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(o)
        .sort()
        .filter((k) => o[k] !== undefined)
        .map((k) => [k, sortKeys(o[k])]),
    );
  }
  return v;
}

/** Deep-freezes plain objects and arrays (Uint8Arrays are copied, they cannot be frozen). */
export function freezeRecord<T>(v: T): T {
  if (v instanceof Uint8Array) return new Uint8Array(v) as T;
  if (Array.isArray(v)) return Object.freeze(v.map(freezeRecord)) as T;
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = freezeRecord(x);
    return Object.freeze(out) as T;
  }
  return v;
}
