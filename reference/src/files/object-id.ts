/**
 * Server-side names of encrypted files and sub-folders (spec/07-files.md §4): 32 lowercase hex
 * characters, random, unrelated to the cleartext name (E2EE-FILE-009). Formatted as a version-4
 * UUID without dashes, like the desktop and web clients write them.
 *
 * @module
 */
import { abytes, defaultRng, toHex, type Rng } from '../_internal/bytes.js';

/** The regex writers' ids match. Readers do not enforce it (E2EE-FILE-010). */
export const OBJECT_ID_PATTERN = /^[0-9a-f]{32}$/;

/**
 * A fresh random object id.
 *
 * @example
 * ```ts
 * newObjectId(); // e.g. '3f2a9c0e5b7d4e61a8c2f0d9b1e47a6c'
 * ```
 */
export function newObjectId(rng: Rng = defaultRng): string {
  // E2EE-FILE-009 (MUST, client): random ids, never derived from the cleartext name.
  const b = abytes(rng(16), 'rng output', 16).slice();
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  return toHex(b);
}
