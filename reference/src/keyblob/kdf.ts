/**
 * The key-derivation function of the encrypted private-key blob (spec `04-recovery.md` §3;
 * E2EE-REC-010, E2EE-REC-011, E2EE-REC-012):
 *
 *     blobKey = PBKDF2(PRF = HMAC-<prf>, P = UTF-8(password), S = salt (40 bytes), c = iterations, dkLen = 32)
 *
 * where `password` is `mnemonicPassword(mnemonic)` (module `mnemonic`). Writers use HMAC-SHA256 with
 * 600000 iterations; readers also try the two legacy variants. The RFC lists the weak legacy
 * variant as "PBKDF2WithHmacSHA1 … 1000 iterations"; every implementation and every fixture uses
 * **1024**, which is what this module does.
 *
 * PBKDF2 runs in node:crypto on the libuv thread pool, so the 0.2–0.4 s of a 600000-iteration
 * derivation never blocks the event loop.
 *
 * @module
 */
import { pbkdf2 } from 'node:crypto';
import { abytes, astring } from '../_internal/bytes.js';

/** One PBKDF2 parameter set. */
export interface KdfVariant {
  /** The HMAC hash. */
  readonly prf: 'sha256' | 'sha1';
  readonly iterations: number;
}

/** Salt length in bytes, written and accepted (E2EE-REC-010, E2EE-REC-022). */
export const KDF_SALT_LENGTH = 40;
/** Derived key length in bytes (AES-256). */
export const KDF_KEY_LENGTH = 32;

/** The variant every writer uses (E2EE-REC-010). */
export const WRITE_KDF: KdfVariant = Object.freeze({ prf: 'sha256', iterations: 600_000 });

/** The legacy variants: read only (E2EE-REC-012). */
export const LEGACY_KDFS: readonly KdfVariant[] = Object.freeze([
  // Clients before ~2023 (desktop `deprecatedGeneratePassword`, Android SHA1, web's fallback).
  Object.freeze({ prf: 'sha1', iterations: 1024 } as const),
  // An interim desktop/Android version.
  Object.freeze({ prf: 'sha1', iterations: 600_000 } as const),
]);

/**
 * Every variant a reader tries (E2EE-REC-011), cheapest first: the GCM tag decides which one is
 * right, so the order changes only the time taken, never the result.
 */
export const READ_KDFS: readonly KdfVariant[] = Object.freeze([
  LEGACY_KDFS[0]!,
  WRITE_KDF,
  LEGACY_KDFS[1]!,
]);

/** Asserts that `v` is a usable KDF variant (TypeError / RangeError for API misuse). */
export function assertKdfVariant(v: unknown, name = 'kdf'): KdfVariant {
  const o = v as Partial<KdfVariant> | null;
  if (typeof o !== 'object' || o === null || (o.prf !== 'sha256' && o.prf !== 'sha1')) {
    throw new TypeError(`"${name}.prf" must be 'sha256' or 'sha1'`);
  }
  const n = o.iterations;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1 || n > 10_000_000) {
    throw new RangeError(`"${name}.iterations" must be an integer from 1 to 10000000`);
  }
  return o as KdfVariant;
}

/** A short name for a variant, e.g. `pbkdf2-sha256-600000`. */
export function kdfName(v: KdfVariant): string {
  return `pbkdf2-${v.prf}-${v.iterations}`;
}

/**
 * Derives the 32-byte AES-256-GCM key of a private-key blob.
 *
 * @param password the mnemonic's KDF password (`mnemonicPassword`), not the mnemonic text.
 * @param salt 40 bytes.
 * @param variant PRF and iteration count.
 * @returns 32 bytes. The caller wipes them after use.
 * @throws TypeError / RangeError on wrong argument types or lengths.
 */
export async function deriveBlobKey(
  password: string,
  salt: Uint8Array,
  variant: KdfVariant,
): Promise<Uint8Array> {
  astring(password, 'password');
  abytes(salt, 'salt', KDF_SALT_LENGTH);
  const { prf, iterations } = assertKdfVariant(variant, 'variant');
  const pw = Buffer.from(password, 'utf8');
  try {
    return await new Promise<Uint8Array>((resolve, reject) => {
      pbkdf2(pw, salt, iterations, KDF_KEY_LENGTH, prf, (err, key) => {
        if (err) reject(err);
        else {
          resolve(new Uint8Array(key));
          key.fill(0);
        }
      });
    });
  } finally {
    pw.fill(0);
  }
}
