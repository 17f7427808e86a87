import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { gcm } from '@noble/ciphers/aes.js';
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  decryptFile,
  decryptFileStream,
  decryptFileToPath,
  encryptFile,
  encryptFileToPath,
} from '../../src/files/index.js';
import { equalBytes, fromBase64, sha256Hex } from '../../src/_internal/bytes.js';
import { blobBytes, describeFixtures, loadFixture } from '../_support/fixtures.js';
import { scratchDir } from '../_support/setup.js';
import { asyncSource, chunked, collect } from './_support.js';

const dir = scratchDir('sealfold-files-');
let n = 0;
const fresh = (name: string) => join(dir(), `${name}-${n++}`);

/** The decryption parameters of a fixture's `expect.files` entry. */
const fixtureParams = (e: {
  fileKeyBase64: string;
  ivBase64: string;
  authenticationTagBase64: string;
}) => ({
  key: fromBase64(e.fileKeyBase64, 'key'),
  nonce: fromBase64(e.ivBase64, 'nonce'),
  tag: fromBase64(e.authenticationTagBase64, 'tag'),
});

const code = (c: string) => expect.objectContaining({ code: c });

describeFixtures('files/decrypt: real desktop payloads (metadata 1.0/1.1/1.2 test data)', () => {
  for (const name of ['testdata-v10.json', 'testdata-v11.json', 'testdata-v12.json']) {
    it(`E2EE-FILE-003: E2EE-FILE-006: ${name}: every payload decrypts to its original (16-byte nonces)`, async () => {
      const fx = loadFixture(name);
      expect(fx.expect.files.length).toBeGreaterThan(0);
      for (const e of fx.expect.files) {
        const blob = fx.data.files.find((f: { fileId: string }) => f.fileId === e.fileId);
        const body = blobBytes(blob.ciphertext);
        const params = fixtureParams(e);
        expect(params.nonce.length).toBe(16);
        expect(sha256Hex(decryptFile(body, params))).toBe(e.plaintextSha256);
        const streamed = await collect(decryptFileStream(chunked(body, [1000, 4097]), params));
        expect(sha256Hex(streamed)).toBe(e.plaintextSha256);
      }
    });
  }

  it('E2EE-FILE-801: E2EE-FILE-802: a fixture payload decrypts file-to-file; a flipped byte leaves no output', async () => {
    const fx = loadFixture('testdata-v12.json');
    const e = fx.expect.files[0];
    const blob = fx.data.files.find((f: { fileId: string }) => f.fileId === e.fileId);
    const params = fixtureParams(e);
    const input = fresh('in');
    writeFileSync(input, blobBytes(blob.ciphertext));
    const out = fresh('out');
    await decryptFileToPath(input, out, params);
    expect(sha256Hex(readFileSync(out))).toBe(e.plaintextSha256);
    const bad = blobBytes(blob.ciphertext);
    bad[100]! ^= 0x80;
    writeFileSync(input, bad);
    const out2 = fresh('out');
    await expect(decryptFileToPath(input, out2, params)).rejects.toThrow(code('AEAD_TAG_MISMATCH'));
    expect(existsSync(out2)).toBe(false);
  });
});

describe('files/decrypt', () => {
  const key16 = fc.uint8Array({ minLength: 16, maxLength: 16 });

  it('E2EE-FILE-800: E2EE-FILE-802: E2EE-FILE-008: every flipped byte of a body is rejected: no file written, the stream throws at its end', async () => {
    const plaintext = new Uint8Array(777).map((_, i) => i & 0xff);
    const { body, key, nonce, tag } = encryptFile(plaintext);
    const input = fresh('body');
    for (let i = 0; i < body.length; i++) {
      const bad = body.slice();
      bad[i]! ^= 1 << (i % 8);
      // Without the recorded tag the GCM check must catch it; with it, E2EE-FILE-006 or GCM.
      expect(() => decryptFile(bad, { key, nonce })).toThrow(code('AEAD_TAG_MISMATCH'));
      expect(() => decryptFile(bad, { key, nonce, tag })).toThrow(code('AEAD_TAG_MISMATCH'));
      if (i % 37 === 0 || i >= body.length - 16) {
        writeFileSync(input, bad);
        const out = fresh('out');
        await expect(decryptFileToPath(input, out, { key, nonce })).rejects.toThrow(
          code('AEAD_TAG_MISMATCH'),
        );
        expect(existsSync(out)).toBe(false);
        await expect(collect(decryptFileStream([bad], { key, nonce }))).rejects.toThrow(
          code('AEAD_TAG_MISMATCH'),
        );
      }
    }
    // No temporary files are left behind.
    expect(readdirSync(dir()).filter((f) => f.includes('sealfold-partial'))).toEqual([]);
  });

  it('E2EE-FILE-008: streamed decryption equals whole-buffer decryption for any chunking', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 2000 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        async (plaintext, cuts) => {
          const { body, key, nonce, tag } = encryptFile(plaintext);
          const out = await collect(decryptFileStream(chunked(body, cuts), { key, nonce, tag }));
          expect(equalBytes(out, plaintext)).toBe(true);
          const fromAsync = decryptFileStream(asyncSource(chunked(body, cuts)), { key, nonce });
          expect(equalBytes(await collect(fromAsync), plaintext)).toBe(true);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('E2EE-FILE-005: a body shorter than the tag is CIPHERTEXT_MALFORMED in every form', async () => {
    const key = new Uint8Array(16);
    const nonce = new Uint8Array(12);
    for (let len = 0; len < 16; len++) {
      const body = new Uint8Array(len);
      expect(() => decryptFile(body, { key, nonce })).toThrow(code('CIPHERTEXT_MALFORMED'));
      await expect(collect(decryptFileStream(chunked(body, [3]), { key, nonce }))).rejects.toThrow(
        code('CIPHERTEXT_MALFORMED'),
      );
      const input = fresh('short');
      writeFileSync(input, body);
      const out = fresh('out');
      await expect(decryptFileToPath(input, out, { key, nonce })).rejects.toThrow(
        code('CIPHERTEXT_MALFORMED'),
      );
      expect(existsSync(out)).toBe(false);
    }
    // A truncated real body (tag cut off) decrypts to nothing.
    const { body, key: k, nonce: n2 } = encryptFile(new Uint8Array(100));
    expect(() => decryptFile(body.subarray(0, 100), { key: k, nonce: n2 })).toThrow(
      code('AEAD_TAG_MISMATCH'),
    );
  });

  it('E2EE-FILE-003: nonces of 12 and 16 bytes decrypt; other lengths are CIPHERTEXT_MALFORMED', () => {
    fc.assert(
      fc.property(
        key16,
        fc.constantFrom(12, 16),
        fc.uint8Array({ maxLength: 200 }),
        (key, len, plaintext) => {
          const nonce = new Uint8Array(len).fill(len);
          const body = gcm(key, nonce).encrypt(plaintext);
          expect(equalBytes(decryptFile(body, { key, nonce }), plaintext)).toBe(true);
        },
      ),
      { numRuns: 50 },
    );
    const key = new Uint8Array(16).fill(1);
    for (const len of [0, 1, 8, 11, 13, 15, 17, 32]) {
      expect(() => decryptFile(new Uint8Array(32), { key, nonce: new Uint8Array(len) })).toThrow(
        code('CIPHERTEXT_MALFORMED'),
      );
    }
  });

  it('E2EE-FILE-006: a recorded tag that differs from the body tail is AEAD_TAG_MISMATCH; a wrong-length one is CIPHERTEXT_MALFORMED', async () => {
    const { body, key, nonce, tag } = encryptFile(new TextEncoder().encode('payload'));
    const other = tag.slice();
    other[15]! ^= 1;
    expect(() => decryptFile(body, { key, nonce, tag: other })).toThrow(code('AEAD_TAG_MISMATCH'));
    await expect(collect(decryptFileStream([body], { key, nonce, tag: other }))).rejects.toThrow(
      code('AEAD_TAG_MISMATCH'),
    );
    expect(() => decryptFile(body, { key, nonce, tag: tag.subarray(0, 12) })).toThrow(
      code('CIPHERTEXT_MALFORMED'),
    );
    // Swapping in another file's body (valid under its own key) is caught too.
    const b2 = encryptFile(new TextEncoder().encode('payload'));
    expect(() => decryptFile(b2.body, { key, nonce, tag })).toThrow(code('AEAD_TAG_MISMATCH'));
  });

  it('E2EE-FILE-801: E2EE-FILE-802: file-to-file round trip; a missing input is NOT_FOUND and creates nothing', async () => {
    const plain = fresh('plain');
    const plaintext = new Uint8Array(3 * 1024 * 1024 + 5).map((_, i) => (i * 7) & 0xff);
    writeFileSync(plain, plaintext);
    const enc = fresh('enc');
    const r = await encryptFileToPath(plain, enc, {});
    expect(r.size).toBe(plaintext.length + 16);
    const out = fresh('dec');
    const d = await decryptFileToPath(enc, out, r);
    expect(d.size).toBe(plaintext.length);
    expect(equalBytes(readFileSync(out), plaintext)).toBe(true);
    const out2 = fresh('dec');
    await expect(decryptFileToPath(fresh('missing'), out2, r)).rejects.toThrow(code('NOT_FOUND'));
    expect(existsSync(out2)).toBe(false);
  });

  it('wrong-typed parameters are TypeErrors; a wrong key length is a RangeError', () => {
    const body = new Uint8Array(32);
    for (const bad of [null, [1], 'k', new ArrayBuffer(16)]) {
      expect(() => decryptFile(body, { key: bad as never, nonce: new Uint8Array(12) })).toThrow(
        TypeError,
      );
      expect(() =>
        decryptFile(bad as never, { key: new Uint8Array(16), nonce: new Uint8Array(12) }),
      ).toThrow(TypeError);
    }
    expect(() => decryptFile(body, { key: new Uint8Array(32), nonce: new Uint8Array(12) })).toThrow(
      RangeError,
    );
  });
});
