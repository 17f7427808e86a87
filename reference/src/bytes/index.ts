/**
 * Byte helpers for the other parts of Sealfold (the mock server, the CLI, the benchmark, the
 * vectors): the same checked conversions the reference uses, so that no part re-implements
 * base64 or hex with other rules. Strict canonical base64 (RFC 4648 §4), lowercase hex,
 * constant-time comparison; `abytes` throws TypeError / RangeError at an API boundary.
 *
 * @module
 */
export {
  abytes,
  astring,
  concatBytes,
  defaultRng,
  equalBytes,
  fromBase64,
  fromUtf8,
  isBytes,
  sha256,
  sha256Hex,
  toBase64,
  toHex,
  utf8,
  wipe,
  type Rng,
} from '../_internal/bytes.js';
