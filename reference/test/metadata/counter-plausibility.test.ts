/**
 * Implausible counters (E2EE-META-073) as a property of the freshness check: for any mark and any
 * proposed counter, COUNTER_IMPLAUSIBLE is raised exactly when the counter is above MAX_COUNTER
 * or more than MAX_COUNTER_STEP above the mark, before the rollback rules.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  checkFreshness,
  MAX_COUNTER,
  MAX_COUNTER_STEP,
  type FolderHighWater,
} from '../../src/metadata/index.js';

const mark = (counter: number, digest = 'a'.repeat(64)): FolderHighWater => ({
  version: '2.0',
  counter,
  keyChecksums: [],
  digest,
});

function codeOf(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (e) {
    return (e as { code?: string }).code ?? 'untyped';
  }
}

describe('freshness: implausible counters', () => {
  it('E2EE-META-073: COUNTER_IMPLAUSIBLE exactly above MAX_COUNTER or more than MAX_COUNTER_STEP above the mark', () => {
    const counter = fc.oneof(
      fc.integer({ min: 0, max: 2 ** 53 - 1 }),
      fc.integer({ min: MAX_COUNTER - 3, max: MAX_COUNTER + 3 }),
      fc.integer({ min: 0, max: 3 * MAX_COUNTER_STEP }),
    );
    fc.assert(
      fc.property(fc.option(counter, { nil: undefined }), counter, (prev, next) => {
        const got = codeOf(() =>
          checkFreshness(prev === undefined ? undefined : mark(prev), mark(next, 'b'.repeat(64))),
        );
        const implausible =
          next > MAX_COUNTER || (prev !== undefined && next - prev > MAX_COUNTER_STEP);
        if (implausible) expect(got).toBe('COUNTER_IMPLAUSIBLE');
        else expect(got).not.toBe('COUNTER_IMPLAUSIBLE');
        // Below the mark stays a rollback (the jump rule never hides one).
        if (prev !== undefined && next < prev && next <= MAX_COUNTER)
          expect(got).toBe('COUNTER_ROLLBACK');
      }),
      { numRuns: 500 },
    );
  });
});
