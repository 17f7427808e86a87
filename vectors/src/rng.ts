/**
 * The generator's only source of randomness: a deterministic byte stream per (seed, label), so
 * that the same seed and the same input files give the same vector bytes (issue 11, "Generation
 * is deterministic"). Each stream is SHA-256 in counter mode over `seed ‖ 0x00 ‖ label ‖ counter`;
 * separate labels keep one vector's bytes independent of how many bytes another vector drew.
 * Not a CSPRNG for production: it exists to make test data reproducible.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import type { Rng } from '../../reference/src/_internal/bytes.js';

/** A deterministic {@link Rng} for `label` under `seed`. */
export function seededRng(seed: string, label: string): Rng {
  let counter = 0;
  let pool = new Uint8Array(0);
  return (n: number): Uint8Array => {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError('"n" must be a natural number');
    while (pool.length < n) {
      const block = createHash('sha256')
        .update(seed)
        .update(Buffer.from([0]))
        .update(label)
        .update(Buffer.from(String(counter++)))
        .digest();
      const next = new Uint8Array(pool.length + block.length);
      next.set(pool);
      next.set(block, pool.length);
      pool = next;
    }
    const out = pool.slice(0, n);
    pool = pool.slice(n);
    return out;
  };
}

/** `n` deterministic bytes for `label` (one-shot form of {@link seededRng}). */
export function seededBytes(seed: string, label: string, n: number): Uint8Array {
  return seededRng(seed, label)(n);
}
