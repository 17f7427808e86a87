import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gcm } from '@noble/ciphers/aes.js';
import {
  decryptFile,
  encryptFile,
  encryptFileStream,
  encryptFileToPath,
  decryptFileStream,
  decryptFileToPath,
  newObjectId,
  OBJECT_ID_PATTERN,
} from '../../src/files/index.js';
import { equalBytes, toHex } from '../../src/_internal/bytes.js';
import { CHUNK_SIZE } from '../../src/files/_params.js';
import { scratchDir } from '../_support/setup.js';
import { asyncSource, chunked, collect, replayRng } from './_support.js';

const dir = scratchDir('sealfold-files-enc-');

const randomness = fc.uint8Array({ minLength: 28, maxLength: 28 });

describe('files/encrypt', () => {
  it('E2EE-FILE-803: E2EE-FILE-804: streaming == whole-buffer == @noble/ciphers gcm on random inputs and chunkings', async () => {
    await fc.assert(
      fc.asyncProperty(
        randomness,
        fc.uint8Array({ maxLength: 3000 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        async (r, plaintext, cuts) => {
          const whole = encryptFile(plaintext, { rng: replayRng(r) });
          const enc = encryptFileStream(chunked(plaintext, cuts), { rng: replayRng(r) });
          const streamed = await collect(enc);
          expect(equalBytes(streamed, whole.body)).toBe(true);
          const fromAsync = encryptFileStream(asyncSource(chunked(plaintext, cuts)), {
            rng: replayRng(r),
          });
          expect(equalBytes(await collect(fromAsync), whole.body)).toBe(true);
          const { key, nonce, tag } = enc.result();
          expect(equalBytes(key, r.subarray(0, 16))).toBe(true);
          expect(equalBytes(nonce, r.subarray(16, 28))).toBe(true);
          expect(equalBytes(tag, whole.tag)).toBe(true);
          // Independent implementation: noble's GCM over the same key and nonce.
          expect(equalBytes(gcm(key, nonce).encrypt(plaintext), whole.body)).toBe(true);
          expect(equalBytes(whole.body.subarray(whole.body.length - 16), tag)).toBe(true);
          expect(equalBytes(decryptFile(whole.body, { key, nonce, tag }), plaintext)).toBe(true);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('E2EE-FILE-803: E2EE-FILE-804: streaming equals whole-buffer on multi-MiB inputs (no noble: too slow)', async () => {
    const r = new Uint8Array(28).fill(7);
    const plaintext = new Uint8Array(5 * 1024 * 1024 + 3).map((_, i) => (i * 31) & 0xff);
    const whole = encryptFile(plaintext, { rng: replayRng(r) });
    const cuts = [1, 65_536, 1_048_576, 3_000_001, 4_999_999];
    const streamed = await collect(
      encryptFileStream(chunked(plaintext, cuts), { rng: replayRng(r) }),
    );
    expect(equalBytes(streamed, whole.body)).toBe(true);
  });

  it('E2EE-FILE-803: E2EE-FILE-804: file-to-file == whole-buffer == noble, and decrypts back, at sizes around the read chunk', async () => {
    const sizes = [0, 1, 15, 16, 17, CHUNK_SIZE - 17, CHUNK_SIZE - 16, CHUNK_SIZE - 1, CHUNK_SIZE];
    sizes.push(CHUNK_SIZE + 1, CHUNK_SIZE + 16, 2 * CHUNK_SIZE, 3 * CHUNK_SIZE + 5);
    for (const size of sizes) {
      const r = new Uint8Array(28).map((_, i) => (i * 13 + size) & 0xff);
      const plaintext = new Uint8Array(size).map((_, i) => (i * 7 + (i >> 9)) & 0xff);
      const whole = encryptFile(plaintext, { rng: replayRng(r) });
      const [plain, enc, dec] = ['plain', 'enc', 'dec'].map((n) => join(dir(), `${n}-${size}`));
      writeFileSync(plain!, plaintext);
      const res = await encryptFileToPath(plain!, enc!, { rng: replayRng(r) });
      expect(res.size).toBe(size + 16);
      expect(equalBytes(readFileSync(enc!), whole.body)).toBe(true);
      expect(equalBytes(res.tag, whole.tag)).toBe(true);
      if (size <= 2 * CHUNK_SIZE) {
        expect(equalBytes(gcm(res.key, res.nonce).encrypt(plaintext), whole.body)).toBe(true);
      }
      expect((await decryptFileToPath(enc!, dec!, res)).size).toBe(size);
      expect(equalBytes(readFileSync(dec!), plaintext)).toBe(true);
    }
  });

  it('file-to-file I/O errors are typed and leave no output or temporary file', async () => {
    const out = join(dir(), 'from-a-directory');
    const key = { key: new Uint8Array(16), nonce: new Uint8Array(12) };
    await expect(encryptFileToPath(dir(), out)).rejects.toMatchObject({ code: 'INPUT_MALFORMED' });
    await expect(decryptFileToPath(dir(), out, key)).rejects.toMatchObject({
      code: 'INPUT_MALFORMED',
    });
    const plain = join(dir(), 'plain-for-missing-dir');
    writeFileSync(plain, 'x');
    await expect(encryptFileToPath(plain, join(dir(), 'no', 'such', 'dir'))).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    expect(readdirSync(dir()).filter((f) => f.includes('from-a-directory'))).toEqual([]);
    expect(readdirSync(dir()).filter((f) => f.includes('sealfold-partial'))).toEqual([]);
  });

  it('E2EE-FILE-011: the streaming forms pull their source lazily (at most one chunk ahead of their output)', async () => {
    let pulled = 0;
    async function* source(n: number, make: (i: number) => Uint8Array) {
      for (let i = 0; i < n; i++) {
        pulled++;
        yield make(i);
      }
    }
    const chunk = new Uint8Array(1000).fill(3);
    const enc = encryptFileStream(source(50, () => chunk));
    let seen = 0;
    const body: Uint8Array[] = [];
    for await (const c of enc) {
      body.push(c);
      if (++seen <= 50) expect(pulled).toBe(seen);
    }
    const params = enc.result();
    pulled = 0;
    seen = 0;
    const all = new Uint8Array(Buffer.concat(body));
    const parts = chunked(
      all,
      Array.from({ length: 50 }, (_, i) => i * 1000 + 1000),
    );
    for await (const c of decryptFileStream(
      source(parts.length, (i) => parts[i]!),
      params,
    )) {
      expect(c.length).toBeGreaterThan(0);
      expect(pulled).toBeLessThanOrEqual(++seen + 1);
    }
  });

  it('E2EE-FILE-001: E2EE-FILE-002: every encryption (an update of the same content too) draws a fresh 16-byte key and 12-byte nonce', async () => {
    const plaintext = new TextEncoder().encode('same content, updated twice');
    const seen = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const a = encryptFile(plaintext);
      const b = encryptFileStream([plaintext]);
      await collect(b);
      for (const { key, nonce } of [a, b.result()]) {
        expect(key.length).toBe(16);
        expect(nonce.length).toBe(12);
        seen.add(toHex(key));
        seen.add(toHex(nonce));
      }
    }
    expect(seen.size).toBe(200);
  });

  it('E2EE-SEC-050: a FileEncryptor refuses a second iteration (one key and nonce, one body)', async () => {
    const enc = encryptFileStream([new Uint8Array(10)]);
    expect(() => enc.result()).toThrow(TypeError);
    await collect(enc);
    expect(() => enc[Symbol.asyncIterator]()).toThrow(TypeError);
  });

  it('rejects wrong-typed inputs with TypeError', async () => {
    for (const bad of [null, [1, 2], 'abc', new ArrayBuffer(4), new DataView(new ArrayBuffer(4))]) {
      expect(() => encryptFile(bad as never)).toThrow(TypeError);
      await expect(collect(encryptFileStream([bad as never]))).rejects.toThrow(TypeError);
    }
  });

  it('E2EE-FILE-009: object ids are fresh random 32-lowercase-hex version-4 UUIDs', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newObjectId()));
    expect(ids.size).toBe(1000);
    for (const id of ids) {
      expect(id).toMatch(OBJECT_ID_PATTERN);
      expect(id[12]).toBe('4');
      expect('89ab').toContain(id[16]);
    }
    expect(newObjectId(replayRng(new Uint8Array(16)))).toBe('00000000000040008000000000000000');
  });
});
