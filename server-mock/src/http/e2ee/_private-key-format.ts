/**
 * The private-key format check of end_to_end_encryption app 2.x (`KeyController::setPrivateKey`),
 * E2EE-API-041: the blob is `base64(ct‖tag) "|" base64(iv) "|" base64(salt)` with exactly three
 * segments, segment 0 valid base64, the IV exactly 12 bytes and the salt exactly 40 bytes.
 *
 * "Valid base64" is PHP's `base64_decode($s, true)`: standard alphabet; ASCII whitespace is
 * skipped; padding may be omitted but, when present, must be consistent; a final group of one
 * character is refused; nothing may follow padding. This is the named tolerance of the check:
 * it is laxer than the canonical base64 Sealfold writers emit.
 *
 * @module
 */

const ALPHABET = /^[A-Za-z0-9+/]$/;
const WHITESPACE = /^[ \t\r\n]$/;

/** PHP `base64_decode($s, true)`: the decoded bytes, or null where PHP returns false. */
export function phpStrictBase64Decode(s: string): Uint8Array | null {
  let chars = '';
  let padding = 0;
  for (const ch of s) {
    if (ch === '=') {
      padding++;
      continue;
    }
    if (WHITESPACE.test(ch)) continue;
    if (!ALPHABET.test(ch) || padding > 0) return null;
    chars += ch;
  }
  const i = chars.length;
  if (i % 4 === 1) return null;
  if (padding > 0 && (padding > 2 || (i + padding) % 4 !== 0)) return null;
  return new Uint8Array(Buffer.from(chars, 'base64'));
}

/** True when `blob` passes app 2.x's private-key format check. */
export function isValidPrivateKeyFormat(blob: string): boolean {
  const parts = blob.split('|');
  if (parts.length !== 3) return false;
  const [ct, iv, salt] = parts as [string, string, string];
  if (phpStrictBase64Decode(ct) === null) return false;
  return phpStrictBase64Decode(iv)?.length === 12 && phpStrictBase64Decode(salt)?.length === 40;
}
