import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_FC_SEED, fastCheckSeed } from '../test-support/fast-check-seed.js';

describe('the pinned fast-check seed (vitest setup)', () => {
  it('every property runs from the pinned seed, and a failure message carries it', () => {
    const seed = fastCheckSeed();
    const failing = fc.property(fc.integer(), (n) => n < 1000);
    expect(fc.check(failing).seed).toBe(seed);
    // The same seed finds the same counterexample: a failure replays exactly.
    expect(fc.check(failing).counterexample).toEqual(fc.check(failing).counterexample);
    expect(() => fc.assert(failing)).toThrow(new RegExp(`seed: ${seed}, path: `));
  });

  it('SEALFOLD_FC_SEED overrides the default; anything but an integer is refused', () => {
    expect(fastCheckSeed(undefined)).toBe(DEFAULT_FC_SEED);
    expect(fastCheckSeed('')).toBe(DEFAULT_FC_SEED);
    expect(fastCheckSeed('42')).toBe(42);
    expect(fastCheckSeed('-7')).toBe(-7);
    expect(() => fastCheckSeed('1.5')).toThrow(/SEALFOLD_FC_SEED/);
    expect(() => fastCheckSeed('seed')).toThrow(/SEALFOLD_FC_SEED/);
  });
});
