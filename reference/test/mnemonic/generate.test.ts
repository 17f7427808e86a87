import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { validateMnemonic } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import {
  generateMnemonic,
  MNEMONIC_WORDLIST,
  MNEMONIC_WORD_COUNT,
} from '../../src/mnemonic/index.js';
import type { Rng } from '../../src/_internal/bytes.js';

/** Deterministic byte stream: SHA-256(seed ‖ counter) blocks. */
function seededRng(seed: string): Rng {
  let counter = 0;
  let pool = new Uint8Array(0);
  return (n) => {
    while (pool.length < n) {
      const block = createHash('sha256').update(`${seed}/${counter++}`).digest();
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

/** Upper quantile of the chi-square distribution (Wilson–Hilferty), for z standard deviations. */
function chiSquareQuantile(df: number, z: number): number {
  const a = 2 / (9 * df);
  return df * (1 - a + z * Math.sqrt(a)) ** 3;
}

/** Pearson's statistic of the word-index counts of `draws` mnemonics, and its degrees of freedom. */
function chiSquareOfWords(rng: Rng, draws: number): { stat: number; df: number } {
  const index = new Map(MNEMONIC_WORDLIST.map((w, i) => [w, i]));
  const counts = new Float64Array(2048);
  for (let d = 0; d < draws; d++) for (const w of generateMnemonic(rng)) counts[index.get(w)!]!++;
  const expected = (draws * MNEMONIC_WORD_COUNT) / 2048;
  let stat = 0;
  for (const c of counts) stat += (c - expected) ** 2 / expected;
  return { stat, df: 2047 };
}

// z = 5 is a one-sided p of about 3e-7: with a fixed seed the verdict is deterministic, and an
// unbiased generator lands far below it.
const LIMIT = chiSquareQuantile(2047, 5);

describe('generateMnemonic', () => {
  it('E2EE-REC-001: uses the 2048-word BIP-39 English list', () => {
    expect(MNEMONIC_WORDLIST).toHaveLength(2048);
    expect(MNEMONIC_WORDLIST).toEqual(wordlist);
    expect(MNEMONIC_WORDLIST.every((w) => /^[a-z]{3,8}$/.test(w))).toBe(true);
  });

  it('E2EE-REC-001: word i is the big-endian uint16 of bytes 2i, 2i+1, mod 2048', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 24, maxLength: 24 }), (bytes) => {
        const words = generateMnemonic(() => bytes.slice());
        expect(words).toHaveLength(12);
        words.forEach((w, i) => {
          const v = ((bytes[2 * i]! << 8) | bytes[2 * i + 1]!) % 2048;
          expect(w).toBe(wordlist[v]);
        });
      }),
    );
    expect(generateMnemonic(() => new Uint8Array(24))).toEqual(Array(12).fill('abandon'));
    expect(generateMnemonic(() => new Uint8Array(24).fill(0xff))).toEqual(Array(12).fill('zoo'));
    // 0x0801 = 2049 ≡ 1 → "ability"; 0x07ff = 2047 → "zoo".
    const b = new Uint8Array(24);
    b.set([0x08, 0x01, 0x07, 0xff]);
    expect(generateMnemonic(() => b).slice(0, 3)).toEqual(['ability', 'zoo', 'abandon']);
  });

  it('E2EE-REC-001: draws words uniformly with replacement (chi-square over 240000 words, seeded)', () => {
    const { stat } = chiSquareOfWords(seededRng('sealfold mnemonic uniformity'), 20_000);
    expect(stat).toBeLessThan(LIMIT);
    // Repeated words occur (with replacement): P(12 distinct) ≈ 0.968, so some of 20000 repeat.
    const rng = seededRng('sealfold repeats');
    let repeats = 0;
    for (let i = 0; i < 2000; i++) if (new Set(generateMnemonic(rng)).size < 12) repeats++;
    expect(repeats).toBeGreaterThan(20);
  });

  it('the chi-square check detects a biased source (bytes 0..249 only, as from `% 250`)', () => {
    const fair = seededRng('sealfold biased source');
    const biased: Rng = (n) => fair(n).map((x) => x % 250);
    const { stat } = chiSquareOfWords(biased, 20_000);
    expect(stat).toBeGreaterThan(LIMIT);
  });

  it('E2EE-REC-001: the default source is a CSPRNG: fresh words each call, all from the list', () => {
    const a = generateMnemonic();
    const b = generateMnemonic();
    expect(a).toHaveLength(12);
    expect(a.every((w) => wordlist.includes(w))).toBe(true);
    expect(a).not.toEqual(b);
  });

  it('E2EE-REC-002: adds no BIP-39 checksum: about 15 in 16 mnemonics fail BIP-39 validation', () => {
    const rng = seededRng('sealfold checksum');
    let valid = 0;
    const n = 1600;
    for (let i = 0; i < n; i++)
      if (validateMnemonic(generateMnemonic(rng).join(' '), wordlist)) valid++;
    // Binomial(1600, 1/16): mean 100, sd ≈ 9.7. A generator that added a checksum gives 1600.
    expect(valid).toBeGreaterThan(50);
    expect(valid).toBeLessThan(150);
  });

  it('rejects an rng that returns the wrong number of bytes', () => {
    expect(() => generateMnemonic(() => new Uint8Array(16))).toThrow(RangeError);
    expect(() => generateMnemonic(() => 'x' as unknown as Uint8Array)).toThrow(TypeError);
  });
});
