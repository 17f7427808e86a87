import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { seededBytes, seededRng, seededRngFrom } from './_support/seeded-rng.js';
import { fastCheckSeed } from '../../scripts/test-support/fast-check-seed.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('the seeded test rng (reference/test/_support/seeded-rng.ts)', () => {
  it('is SHA-256(seed/label/counter) block after block', () => {
    const expected = Buffer.concat(
      [0, 1].map((i) => createHash('sha256').update(`7/x/${i}`).digest()),
    );
    expect(hex(seededRngFrom(7, 'x')(40))).toBe(hex(expected.subarray(0, 40)));
  });

  it('draws from the suite seed (SEALFOLD_FC_SEED), the same bytes for the same label', () => {
    expect(hex(seededRng('probe')(48))).toBe(hex(seededRngFrom(fastCheckSeed(), 'probe')(48)));
    expect(hex(seededBytes('probe', 48))).toBe(hex(seededRng('probe')(48)));
    expect(seededBytes('probe', 17)).toHaveLength(17);
  });

  it('gives independent streams to other labels and other seeds', () => {
    const a = hex(seededRngFrom(1, 'a')(32));
    expect(hex(seededRngFrom(1, 'b')(32))).not.toBe(a);
    expect(hex(seededRngFrom(2, 'a')(32))).not.toBe(a);
  });

  it('is one stream however it is drawn', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 70 }), { maxLength: 8 }), (sizes) => {
        const rng = seededRngFrom(3, 'split');
        const pieces = Buffer.concat(sizes.map((n) => rng(n)));
        const total = sizes.reduce((s, n) => s + n, 0);
        expect(hex(pieces)).toBe(hex(seededRngFrom(3, 'split')(total)));
      }),
    );
  });

  it('refuses a byte count that is not a natural number', () => {
    expect(() => seededRngFrom(1, 'n')(-1)).toThrow(RangeError);
    expect(() => seededRngFrom(1, 'n')(1.5)).toThrow(RangeError);
  });
});
