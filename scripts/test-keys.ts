/**
 * Generates the test suite's RSA-2048 key pool, `reference/test/_support/test-keys.json`,
 * deterministically from a seed: node-forge's key generation driven by a SHA-256 counter stream
 * instead of the system's randomness. The same seed always gives the same keys, so the pool can
 * be checked against its seed; tests take keys from it instead of generating their own
 * (RSA-2048 generation costs about a second of CPU per key, and 26 test files did it).
 *
 * `node bin/run-ts.js scripts/test-keys.ts` rewrites the file; these keys are test data only.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import forge from 'node-forge';
import { packageFileUrl } from '../reference/src/_internal/package-files.js';

export const TEST_KEY_SEED = 'sealfold-test-keys-1';
export const TEST_KEY_COUNT = 32;
/**
 * Keys of other sizes, for the tests that need one: 1024 and 1536 bits (small keys for the key
 * blob's round trips and for refusals of short keys), 3072 bits (the recovery key's size).
 * Each size has its own stream, `<seed>/<bits>`, so the RSA-2048 pool stays as it was.
 */
export const TEST_KEY_OTHER_SIZES = { 1024: 2, 1536: 1, 3072: 4 } as const;

/** A forge PRNG whose entropy is SHA-256(seed ‖ ':' ‖ counter), block after block. */
function seededPrng(seed: string) {
  const prng = forge.random.createInstance();
  let counter = 0;
  prng.seedFileSync = (needed: number) => {
    let out = '';
    while (out.length < needed) {
      out += createHash('sha256').update(`${seed}:${counter++}`).digest('binary');
    }
    return out.slice(0, needed);
  };
  return prng;
}

/** The PKCS#8 DER (base64) of `count` RSA keys of `bits` bits with e = 65537, from `seed`. */
export function generateTestKeys(seed: string, count: number, bits = 2048): string[] {
  const prng = seededPrng(seed);
  const keys: string[] = [];
  for (let i = 0; i < count; i++) {
    const { privateKey } = forge.pki.rsa.generateKeyPair({ bits, e: 0x10001, prng });
    const info = forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(privateKey));
    keys.push(forge.util.encode64(forge.asn1.toDer(info).getBytes()));
  }
  return keys;
}

if (
  process.argv[1] !== undefined &&
  import.meta.url === pathToFileURL(resolve(process.argv[1])).href
) {
  const keys = generateTestKeys(TEST_KEY_SEED, TEST_KEY_COUNT);
  const otherSizes = Object.fromEntries(
    Object.entries(TEST_KEY_OTHER_SIZES).map(([bits, count]) => [
      bits,
      generateTestKeys(`${TEST_KEY_SEED}/${bits}`, count, Number(bits)),
    ]),
  );
  const file = packageFileUrl('reference/test/_support/test-keys.json');
  const doc = {
    seed: TEST_KEY_SEED,
    generator: 'scripts/test-keys.ts',
    pkcs8Base64: keys,
    otherSizesPkcs8Base64: otherSizes,
  };
  writeFileSync(file, JSON.stringify(doc, null, 2) + '\n');
  process.stdout.write(`wrote ${keys.length} keys to ${file.pathname}\n`);
}
