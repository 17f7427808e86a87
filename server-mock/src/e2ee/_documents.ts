/**
 * The few structural facts the server reads from stored metadata documents. The server never
 * decrypts or verifies them (E2EE-API-126); it only needs to know a document's API generation and
 * to merge filedrop entries.
 *
 * @module
 */

/** Parses `text` as a JSON object (not an array, not null); `null` when it is not one. */
export function parseJsonObject(text: string): Record<string, unknown> | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  return typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : null;
}

/**
 * True when a stored document is a v1.x document: `metadata.version` is `1`, `1.2` or `"1.2"`
 * (the real server's `readSignature` and v1 middleware test exactly these).
 */
export function isV1Document(text: string): boolean {
  const o = parseJsonObject(text);
  const meta = o?.['metadata'];
  if (typeof meta !== 'object' || meta === null) return false;
  const v = (meta as Record<string, unknown>)['version'];
  return v === 1 || v === 1.2 || v === '1.2';
}
