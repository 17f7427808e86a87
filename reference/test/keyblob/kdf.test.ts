import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { pbkdf2 } from '@noble/hashes/pbkdf2.js';
import { sha1 } from '@noble/hashes/legacy.js';
import { sha256 } from '@noble/hashes/sha2.js';
import {
  deriveBlobKey,
  kdfName,
  LEGACY_KDFS,
  READ_KDFS,
  WRITE_KDF,
} from '../../src/keyblob/index.js';
import { equalBytes } from '../../src/_internal/bytes.js';

describe('deriveBlobKey', () => {
  it('E2EE-REC-010: is PBKDF2 with the stated PRF, 32 bytes, over the UTF-8 password (agrees with @noble/hashes)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ maxLength: 80 }),
        fc.uint8Array({ minLength: 40, maxLength: 40 }),
        fc.constantFrom('sha1' as const, 'sha256' as const),
        fc.integer({ min: 1, max: 64 }),
        async (password, salt, prf, iterations) => {
          const key = await deriveBlobKey(password, salt, { prf, iterations });
          const ref = pbkdf2(prf === 'sha1' ? sha1 : sha256, password, salt, {
            c: iterations,
            dkLen: 32,
          });
          expect(key).toHaveLength(32);
          expect(equalBytes(key, ref)).toBe(true);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('E2EE-REC-010: the write variant is HMAC-SHA256 with 600000 iterations (real parameters, once)', async () => {
    expect(WRITE_KDF).toEqual({ prf: 'sha256', iterations: 600_000 });
    const salt = new Uint8Array(40).map((_, i) => i);
    const password = 'deputyabandonbetrayjacketrigidobjectbecausesourceprimarydiarywonderturn';
    const key = await deriveBlobKey(password, salt, WRITE_KDF);
    const ref = pbkdf2(sha256, password, salt, { c: 600_000, dkLen: 32 });
    expect(equalBytes(key, ref)).toBe(true);
  });

  it("E2EE-REC-011: readers try exactly the three variants, with 1024 (not the RFC's 1000) iterations", () => {
    expect(READ_KDFS.map(kdfName).sort()).toEqual([
      'pbkdf2-sha1-1024',
      'pbkdf2-sha1-600000',
      'pbkdf2-sha256-600000',
    ]);
    // E2EE-REC-012: the legacy variants are separate from the write variant.
    expect(LEGACY_KDFS.map(kdfName)).not.toContain(kdfName(WRITE_KDF));
    expect(Object.isFrozen(READ_KDFS) && Object.isFrozen(WRITE_KDF)).toBe(true);
  });

  it('rejects wrong argument types and lengths', async () => {
    const salt = new Uint8Array(40);
    await expect(deriveBlobKey('p', new Uint8Array(16), WRITE_KDF)).rejects.toThrow(RangeError);
    await expect(deriveBlobKey(1 as never, salt, WRITE_KDF)).rejects.toThrow(TypeError);
    await expect(deriveBlobKey('p', salt, { prf: 'md5' } as never)).rejects.toThrow(TypeError);
    for (const iterations of [0, -1, 1.5, NaN, 1e9]) {
      await expect(deriveBlobKey('p', salt, { prf: 'sha1', iterations })).rejects.toThrow(
        RangeError,
      );
    }
  });
});
