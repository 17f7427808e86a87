/**
 * The test suite's RSA keys (RSA-2048, and a few of other sizes), taken from a pool generated once from a seed and committed
 * (`test-keys.json`, written by `scripts/test-keys.ts`), instead of generated in every test file:
 * generation cost about a second of CPU per key, and made a failure impossible to replay with
 * the same keys. Each test file (vitest loads modules per file) takes keys in order, so the keys
 * of one file are distinct and the same in every run.
 *
 * @module
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';

interface TestKeyFile {
  seed: string;
  generator: string;
  pkcs8Base64: string[];
  /** Keys of other sizes, by modulus length in bits. */
  otherSizesPkcs8Base64: Record<string, string[]>;
}

const POOL: TestKeyFile = JSON.parse(
  readFileSync(new URL('./test-keys.json', import.meta.url), 'utf8'),
) as TestKeyFile;

let next = 0;
const nextOfSize = new Map<number, number>();

/** The seed and the PKCS#8 DER of every pooled key (for the pool's own test). */
export function testKeyPool(): {
  seed: string;
  pkcs8: Uint8Array[];
  otherSizes: Record<string, Uint8Array[]>;
} {
  const der = (b: string) => new Uint8Array(Buffer.from(b, 'base64'));
  return {
    seed: POOL.seed,
    pkcs8: POOL.pkcs8Base64.map(der),
    otherSizes: Object.fromEntries(
      Object.entries(POOL.otherSizesPkcs8Base64).map(([bits, keys]) => [bits, keys.map(der)]),
    ),
  };
}

/** The next key of the pool as a private KeyObject; the file's keys are all different. */
export function nextTestKey(): KeyObject {
  const b64 = POOL.pkcs8Base64[next++];
  if (b64 === undefined) {
    throw new Error(
      `this test file uses more than ${POOL.pkcs8Base64.length} test keys: raise TEST_KEY_COUNT in scripts/test-keys.ts and run it`,
    );
  }
  return createPrivateKey({ key: Buffer.from(b64, 'base64'), format: 'der', type: 'pkcs8' });
}

/**
 * The next key of `bits` bits (2048, or 1024, 1536, 3072: see TEST_KEY_OTHER_SIZES in
 * scripts/test-keys.ts) as a private KeyObject.
 */
export function nextTestKeyOfSize(bits: number): KeyObject {
  if (bits === 2048) return nextTestKey();
  const i = nextOfSize.get(bits) ?? 0;
  const b64 = POOL.otherSizesPkcs8Base64[String(bits)]?.[i];
  if (b64 === undefined) {
    throw new Error(
      `no ${i + 1}th ${bits}-bit test key: raise TEST_KEY_OTHER_SIZES in scripts/test-keys.ts and run it`,
    );
  }
  nextOfSize.set(bits, i + 1);
  return createPrivateKey({ key: Buffer.from(b64, 'base64'), format: 'der', type: 'pkcs8' });
}

/** The next key of the pool as KeyObjects (the shape of `generateKeyPairSync('rsa', …)`). */
export function nextTestKeyObjects(): { privateKey: KeyObject; publicKey: KeyObject } {
  const privateKey = nextTestKey();
  return { privateKey, publicKey: createPublicKey(privateKey) };
}

/** The next key of the pool as PKCS#8 and SPKI DER (the shape of `generateUserKeyPair`). */
export function nextTestKeyPair(): { pkcs8: Uint8Array; spki: Uint8Array } {
  const key = nextTestKey();
  return {
    pkcs8: new Uint8Array(key.export({ type: 'pkcs8', format: 'der' })),
    spki: new Uint8Array(createPublicKey(key).export({ type: 'spki', format: 'der' })),
  };
}
