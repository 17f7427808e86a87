import { createPrivateKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { testKeyPool } from './_support/test-keys.js';
import {
  generateTestKeys,
  TEST_KEY_COUNT,
  TEST_KEY_OTHER_SIZES,
  TEST_KEY_SEED,
} from '../../scripts/test-keys.js';

describe('the test-key pool (reference/test/_support/test-keys.json)', () => {
  const pool = testKeyPool();

  it('holds distinct RSA-2048 keys with e = 65537, as the key policy requires', () => {
    expect(pool.pkcs8).toHaveLength(TEST_KEY_COUNT);
    const seen = new Set<string>();
    for (const der of pool.pkcs8) {
      const key = createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' });
      expect(key.asymmetricKeyType).toBe('rsa');
      expect(key.asymmetricKeyDetails).toMatchObject({
        modulusLength: 2048,
        publicExponent: 65537n,
      });
      seen.add(Buffer.from(der).toString('hex'));
    }
    expect(seen.size).toBe(pool.pkcs8.length);
  });

  it('is the generation from its seed (the first two keys regenerated)', () => {
    expect(pool.seed).toBe(TEST_KEY_SEED);
    const again = generateTestKeys(TEST_KEY_SEED, 2);
    expect(again).toEqual(pool.pkcs8.slice(0, 2).map((d) => Buffer.from(d).toString('base64')));
  });

  it('holds the keys of other sizes it lists, distinct, each from its own stream', () => {
    const seen = new Set<string>();
    for (const [bits, count] of Object.entries(TEST_KEY_OTHER_SIZES)) {
      const keys = pool.otherSizes[bits]!;
      expect(keys).toHaveLength(count);
      for (const der of keys) {
        const key = createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' });
        expect(key.asymmetricKeyDetails).toMatchObject({
          modulusLength: Number(bits),
          publicExponent: 65537n,
        });
        seen.add(Buffer.from(der).toString('hex'));
      }
    }
    expect(seen.size).toBe(Object.values(TEST_KEY_OTHER_SIZES).reduce((s, n) => s + n, 0));
    const again = generateTestKeys(`${TEST_KEY_SEED}/1024`, 1, 1024);
    expect(again).toEqual([Buffer.from(pool.otherSizes['1024']![0]!).toString('base64')]);
  });
});
