/**
 * Test randomness from a seed: the bytes a test needs (a forged signature, a fake modulus, a
 * password, an rng to inject) where their randomness is not what the test checks. Tests whose
 * point is randomness (fresh nonces, unique tokens, the rng the reference calls by default) keep
 * using the system's randomness.
 *
 * A stream is SHA-256(seed ‖ '/' ‖ label ‖ '/' ‖ counter), block after block, like the mnemonic
 * tests' and the test-key pool's streams. The seed is the suite's pinned seed, the one fast-check
 * uses (`SEALFOLD_FC_SEED`, else the default), so one variable replays a whole run; the label
 * names the use, so two uses do not share bytes. A test that fails after a stream was drawn from
 * in its file prints the seed and the labels (never the bytes).
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { beforeEach } from 'vitest';
import { fastCheckSeed } from '../../../scripts/test-support/fast-check-seed.js';
import type { Rng } from '../../src/_internal/bytes.js';

const SEED = fastCheckSeed();
const labels = new Set<string>();

beforeEach(({ onTestFailed }) => {
  onTestFailed(() => {
    if (labels.size === 0) return;
    console.error(
      `seeded test randomness: SEALFOLD_FC_SEED=${SEED}, labels ${[...labels].map((l) => JSON.stringify(l)).join(', ')}`,
    );
  });
});

/** The stream of `label` under `seed` (for the helper's own test; tests use {@link seededRng}). */
export function seededRngFrom(seed: number | string, label: string): Rng {
  let counter = 0;
  let pool = new Uint8Array(0);
  return (n) => {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`cannot draw ${n} bytes`);
    const blocks: Uint8Array[] = [pool];
    let have = pool.length;
    while (have < n) {
      const block = createHash('sha256').update(`${seed}/${label}/${counter++}`).digest();
      blocks.push(block);
      have += block.length;
    }
    const all = Buffer.concat(blocks);
    pool = new Uint8Array(all.subarray(n));
    return new Uint8Array(all.subarray(0, n));
  };
}

/** A deterministic rng for `label`: the same bytes in every run with the same seed. */
export function seededRng(label: string): Rng {
  labels.add(label);
  return seededRngFrom(SEED, label);
}

/** `n` bytes of the stream of `label` (a fresh stream: the same label gives the same bytes). */
export function seededBytes(label: string, n: number): Uint8Array {
  return seededRng(label)(n);
}
