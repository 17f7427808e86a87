import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { gcm } from '@noble/ciphers/aes.js';
import { createPublicKey } from 'node:crypto';
import { abytes, fromBase64, toBase64, equalBytes } from '../../src/_internal/bytes.js';
import { aesGcmDecrypt, aesGcmEncrypt, GCM_UPDATE_SLICE } from '../../src/_internal/aesgcm.js';
import { rsaOaepUnwrap, rsaOaepWrap } from '../../src/_internal/rsa-oaep.js';
import { nextTestKey } from '../_support/test-keys.js';

describe('bytes', () => {
  it('base64 round-trips and rejects non-canonical or malformed text', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        expect(equalBytes(fromBase64(toBase64(b), 'x'), b)).toBe(true);
      }),
    );
    for (const bad of ['A', 'AB=', 'AB==\n', ' AAAA', 'A-B_', 'AB=A', 'QQ', 'QR==']) {
      expect(() => fromBase64(bad, 'x')).toThrow(
        expect.objectContaining({ code: 'INPUT_MALFORMED' }),
      );
    }
  });

  it('abytes names the parameter', () => {
    expect(() => abytes(null, 'iv')).toThrow(TypeError);
    expect(() => abytes(new ArrayBuffer(2), 'iv')).toThrow(/"iv"/);
    expect(() => abytes(new Uint8Array(3), 'iv', 12, 16)).toThrow(RangeError);
  });
});

describe('AES-GCM', () => {
  const key16 = fc.uint8Array({ minLength: 16, maxLength: 16 });
  const iv = fc.oneof(
    fc.uint8Array({ minLength: 12, maxLength: 12 }),
    fc.uint8Array({ minLength: 16, maxLength: 16 }),
  );

  it('E2EE-SEC-803: agrees with @noble/ciphers and rejects any flipped byte without output', () => {
    fc.assert(
      fc.property(key16, iv, fc.uint8Array({ maxLength: 300 }), fc.nat(), (k, n, p, at) => {
        const sealed = aesGcmEncrypt(k, n, p);
        expect(equalBytes(sealed, gcm(k, n).encrypt(p))).toBe(true);
        expect(equalBytes(aesGcmDecrypt(k, n, sealed), p)).toBe(true);
        const bad = sealed.slice();
        bad[at % bad.length]! ^= 1;
        expect(() => aesGcmDecrypt(k, n, bad)).toThrow(
          expect.objectContaining({ code: 'AEAD_TAG_MISMATCH' }),
        );
      }),
      { numRuns: 200 },
    );
  });

  it('E2EE-SEC-803: agrees with @noble/ciphers on bodies around the update-slice boundaries; a flip in any slice gives no output', () => {
    const S = GCM_UPDATE_SLICE;
    const k = new Uint8Array(32).map((_, i) => i * 7);
    const n = new Uint8Array(16).map((_, i) => 255 - i);
    for (const size of [0, 1, S - 1, S, S + 1, 2 * S + 17]) {
      const p = new Uint8Array(size).map((_, i) => (i * 31 + 5) & 0xff);
      const sealed = aesGcmEncrypt(k, n, p);
      expect(sealed.length).toBe(size + 16);
      expect(equalBytes(sealed, gcm(k, n).encrypt(p))).toBe(true);
      expect(equalBytes(aesGcmDecrypt(k, n, sealed), p)).toBe(true);
      for (const at of [0, S - 1, S, size - 1, size, size + 15]) {
        if (at < 0 || at >= sealed.length) continue;
        const bad = sealed.slice();
        bad[at]! ^= 0x80;
        expect(() => aesGcmDecrypt(k, n, bad)).toThrow(
          expect.objectContaining({ code: 'AEAD_TAG_MISMATCH' }),
        );
      }
    }
  });

  it('rejects short ciphertexts and odd IV lengths with typed codes', () => {
    const k = new Uint8Array(16);
    expect(() => aesGcmDecrypt(k, new Uint8Array(12), new Uint8Array(15))).toThrow(
      expect.objectContaining({ code: 'CIPHERTEXT_MALFORMED' }),
    );
    expect(() => aesGcmDecrypt(k, new Uint8Array(8), new Uint8Array(16))).toThrow(
      expect.objectContaining({ code: 'CIPHERTEXT_MALFORMED' }),
    );
  });
});

describe('RSA-OAEP', () => {
  it('wraps with node:crypto and unwraps with WebCrypto (SHA-256/MGF1-SHA-256), and back', async () => {
    const privateKey = nextTestKey();
    const publicKey = createPublicKey(privateKey);
    const spki = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }));
    const pkcs8 = new Uint8Array(privateKey.export({ format: 'der', type: 'pkcs8' }));
    const subtle = globalThis.crypto.subtle;
    const alg = { name: 'RSA-OAEP', hash: 'SHA-256' };
    const wPriv = await subtle.importKey('pkcs8', pkcs8, alg, false, ['decrypt']);
    const wPub = await subtle.importKey('spki', spki, alg, false, ['encrypt']);
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 16, maxLength: 32 }), async (k) => {
        const a = rsaOaepWrap(spki, k);
        expect(
          equalBytes(new Uint8Array(await subtle.decrypt(alg, wPriv, new Uint8Array(a))), k),
        ).toBe(true);
        const b = new Uint8Array(await subtle.encrypt(alg, wPub, new Uint8Array(k)));
        expect(equalBytes(rsaOaepUnwrap(pkcs8, b), k)).toBe(true);
      }),
      { numRuns: 20 },
    );
    const bad = rsaOaepWrap(spki, new Uint8Array(16));
    bad[5]! ^= 1;
    expect(() => rsaOaepUnwrap(pkcs8, bad)).toThrow(
      expect.objectContaining({ code: 'KEY_UNWRAP_FAILED' }),
    );
  });
});
