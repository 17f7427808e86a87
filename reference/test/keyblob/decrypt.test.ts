import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  decryptPrivateKey,
  deriveBlobKey,
  encryptPrivateKey,
  kdfName,
  KEY_BLOB_WRITE_PATTERN,
  parseKeyBlob,
  READ_KDFS,
  WRITE_KDF,
  type KdfVariant,
} from '../../src/keyblob/index.js';
import { generateMnemonic, mnemonicPassword } from '../../src/mnemonic/index.js';
import { aesGcmDecrypt, aesGcmEncrypt } from '../../src/_internal/aesgcm.js';
import { equalBytes, sha256Hex, toBase64, utf8 } from '../../src/_internal/bytes.js';
import { codeAsync } from '../_support/codes.js';
import { describeFixtures, loadFixture } from '../_support/fixtures.js';
import { nextTestKeyOfSize } from '../_support/test-keys.js';

/** Cheap stand-ins for the three variants, so that properties do not pay 600000 iterations. */
const FAST: Record<string, KdfVariant> = {
  current: { prf: 'sha256', iterations: 3 },
  strong: { prf: 'sha1', iterations: 3 },
  legacy: { prf: 'sha1', iterations: 2 },
};
const FAST_READ = [FAST.legacy!, FAST.current!, FAST.strong!];
const MNEMONIC =
  'zebra quantum walnut oyster umbrella vintage yellow jaguar kangaroo lobster nephew pyramid';
const OK_CODES = ['KEY_BLOB_MALFORMED', 'AEAD_TAG_MISMATCH', 'CIPHERTEXT_MALFORMED'];

const spkiSha256 = (pkcs8: Uint8Array) =>
  sha256Hex(
    new Uint8Array(
      createPublicKey(
        createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' }),
      ).export({ format: 'der', type: 'spki' }),
    ),
  );

/** Builds a blob by hand from a PEM text, so that tests control every layer. */
async function blobOfPlaintext(
  plaintext: Uint8Array,
  kdf: KdfVariant,
  opts: { ivLength?: number; separator?: string } = {},
): Promise<string> {
  const salt = new Uint8Array(40).map((_, i) => i * 7);
  const iv = new Uint8Array(opts.ivLength ?? 12).map((_, i) => i * 3 + 1);
  const key = await deriveBlobKey(mnemonicPassword(MNEMONIC), salt, kdf);
  const sep = opts.separator ?? '|';
  return [toBase64(aesGcmEncrypt(key, iv, plaintext)), toBase64(iv), toBase64(salt)].join(sep);
}

let keys: Uint8Array[] = [];
beforeAll(() => {
  // Small keys of two sizes from the test-key pool (the blob does not depend on key size).
  keys = [1024, 1024, 1536].map(
    (bits) => new Uint8Array(nextTestKeyOfSize(bits).export({ type: 'pkcs8', format: 'der' })),
  );
});

describe('encryptPrivateKey / decryptPrivateKey', () => {
  it('E2EE-REC-020 E2EE-REC-024: round-trips any key under any mnemonic spelling and variant', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 24, maxLength: 24 }),
        fc.nat(2),
        fc.constantFrom('current', 'strong', 'legacy'),
        fc.boolean(),
        async (seed, k, variant, shout) => {
          const words = generateMnemonic(() => seed.slice());
          const blob = await encryptPrivateKey(keys[k]!, words, { kdf: FAST[variant] });
          // Writer output always matches what app v2.x accepts.
          expect(blob).toMatch(new RegExp(KEY_BLOB_WRITE_PATTERN));
          const parts = parseKeyBlob(blob);
          expect([parts.separator, parts.iv.length, parts.salt.length]).toEqual(['|', 12, 40]);
          const typed = shout ? `\t${words.join('   ').toUpperCase()}\n` : words.join(' ');
          const out = await decryptPrivateKey(blob, typed, { kdfs: FAST_READ });
          expect(equalBytes(out.pkcs8, keys[k]!)).toBe(true);
          expect(out.kdf).toEqual(FAST[variant]);
          expect(out.pem).toMatch(
            /^-----BEGIN PRIVATE KEY-----\n(?:[A-Za-z0-9+/=]{1,64}\n)+-----END PRIVATE KEY-----\n$/,
          );
        },
      ),
      { numRuns: 40 },
    );
  });

  it('E2EE-REC-021: every blob has a fresh IV and salt (same key, same mnemonic)', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const { iv, salt } = parseKeyBlob(
        await encryptPrivateKey(keys[0]!, MNEMONIC, { kdf: FAST.current }),
      );
      seen.add(toBase64(iv)).add(toBase64(salt));
    }
    expect(seen.size).toBe(40);
  });

  it('E2EE-REC-024: the GCM plaintext is base64 of the PEM text (the undocumented layer)', async () => {
    const blob = await encryptPrivateKey(keys[0]!, MNEMONIC, { kdf: FAST.current });
    const { sealed, iv, salt } = parseKeyBlob(blob);
    const key = await deriveBlobKey(mnemonicPassword(MNEMONIC), salt, FAST.current!);
    const plaintext = Buffer.from(aesGcmDecrypt(key, iv, sealed)).toString('latin1');
    expect(plaintext).toMatch(/^LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0t/);
    const pem = Buffer.from(plaintext, 'base64').toString('utf8');
    expect(pem).toBe(
      createPrivateKey({ key: Buffer.from(keys[0]!), format: 'der', type: 'pkcs8' }).export({
        type: 'pkcs8',
        format: 'pem',
      }),
    );
  });

  it('E2EE-REC-024: reads Android-style PEM (65-character lines, no final newline), 16-byte IVs and "fA=="', async () => {
    const b64 = toBase64(keys[1]!);
    const androidPem = `-----BEGIN PRIVATE KEY-----\n${b64.replace(/(.{65})/g, '$1\n')}\n-----END PRIVATE KEY-----`;
    const plaintext = utf8(toBase64(utf8(androidPem)));
    for (const opts of [
      {},
      { ivLength: 16 },
      { separator: 'fA==' },
      { ivLength: 16, separator: 'fA==' },
    ]) {
      const out = await decryptPrivateKey(
        await blobOfPlaintext(plaintext, FAST.legacy!, opts),
        MNEMONIC,
        {
          kdfs: FAST_READ,
        },
      );
      expect(equalBytes(out.pkcs8, keys[1]!)).toBe(true);
      expect(out.pem).toBe(androidPem);
    }
  });

  it('E2EE-REC-024: an authenticated plaintext that is not base64 of a PEM private key is KEY_BLOB_MALFORMED', async () => {
    const pem = (label: string, body: Uint8Array) =>
      `-----BEGIN ${label}-----\n${toBase64(body)}\n-----END ${label}-----\n`;
    const cases: [Uint8Array, string][] = [
      [utf8(''), 'KEY_BLOB_MALFORMED'],
      [utf8('-----BEGIN PRIVATE KEY-----'), 'KEY_BLOB_MALFORMED'], // PEM without the base64 layer
      [utf8(toBase64(utf8(pem('PRIVATE KEY', keys[0]!))) + '\n'), 'KEY_BLOB_MALFORMED'],
      [utf8(toBase64(utf8(pem('RSA PRIVATE KEY', keys[0]!)))), 'KEY_BLOB_MALFORMED'],
      [utf8(toBase64(utf8(pem('PUBLIC KEY', keys[0]!)))), 'KEY_BLOB_MALFORMED'],
      [utf8(toBase64(new Uint8Array([0xff, 0xfe, 0x2d]))), 'KEY_BLOB_MALFORMED'], // not UTF-8
      [new Uint8Array([0xc3, 0x28]), 'KEY_BLOB_MALFORMED'],
      [keys[0]!, 'KEY_BLOB_MALFORMED'], // raw DER (the 2019 prototype's plaintext)
      [
        utf8(toBase64(utf8(pem('PRIVATE KEY', new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x00]))))),
        'KEY_MALFORMED',
      ],
    ];
    for (const [plaintext, code] of cases) {
      // (The empty plaintext gives a 16-byte sealed part, rejected before decryption.)
      const blob = await blobOfPlaintext(plaintext, FAST.current!);
      expect(await codeAsync(() => decryptPrivateKey(blob, MNEMONIC, { kdfs: FAST_READ }))).toBe(
        code,
      );
    }
  });

  it('E2EE-REC-011: a wrong mnemonic is AEAD_TAG_MISMATCH with a fixed message after trying every variant', async () => {
    const blob = await encryptPrivateKey(keys[0]!, MNEMONIC, { kdf: FAST.strong });
    const wrong = MNEMONIC.replace('zebra', 'zoo');
    const err = await decryptPrivateKey(blob, wrong, { kdfs: FAST_READ }).catch((e) => e);
    expect(err.code).toBe('AEAD_TAG_MISMATCH');
    const err2 = await decryptPrivateKey(blob, generateMnemonic(), { kdfs: FAST_READ }).catch(
      (e) => e,
    );
    expect(err2.message).toBe(err.message);
    for (const w of MNEMONIC.split(' ')) expect(err.message).not.toContain(w);
    // The right variant missing from the list fails the same way.
    expect(
      await codeAsync(() =>
        decryptPrivateKey(blob, MNEMONIC, { kdfs: [FAST.current!, FAST.legacy!] }),
      ),
    ).toBe('AEAD_TAG_MISMATCH');
  });

  it('E2EE-REC-004: a malformed mnemonic is MNEMONIC_INVALID, checked after the blob syntax and before any KDF', async () => {
    const blob = await encryptPrivateKey(keys[0]!, MNEMONIC, { kdf: FAST.current });
    expect(await codeAsync(() => decryptPrivateKey(blob, 'zebra quantum'))).toBe(
      'MNEMONIC_INVALID',
    );
    expect(await codeAsync(() => encryptPrivateKey(keys[0]!, 'zebra quantum'))).toBe(
      'MNEMONIC_INVALID',
    );
    // Encoding of the blob comes first.
    expect(await codeAsync(() => decryptPrivateKey(`${blob}|`, 'zebra quantum'))).toBe(
      'KEY_BLOB_MALFORMED',
    );
  });

  it('E2EE-REC-023 E2EE-REC-025: any corruption of any part gives a typed error and no output', async () => {
    const blob = await encryptPrivateKey(keys[2]!, MNEMONIC, { kdf: FAST.current });
    const [ct, iv, salt] = blob.split('|') as [string, string, string];
    const other = (await encryptPrivateKey(keys[0]!, MNEMONIC, { kdf: FAST.current })).split('|');
    const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const edit = fc.record({
      part: fc.nat(2),
      at: fc.nat(),
      op: fc.constantFrom('flip', 'replace', 'insert', 'delete', 'truncate', 'bits', 'tail'),
      ch: fc.constantFrom(...`${B64}=|-_ \n.`),
    });
    const mutate = (parts: string[], e: { part: number; at: number; op: string; ch: string }) => {
      const p = parts.slice();
      const i = e.part % p.length;
      const s = p[i]!;
      const k = e.at % Math.max(1, s.length);
      if (e.op === 'flip')
        p[i] = s.slice(0, k) + B64[(B64.indexOf(s[k]!) + 1) % 64] + s.slice(k + 1);
      if (e.op === 'replace') p[i] = s.slice(0, k) + e.ch + s.slice(k + 1);
      if (e.op === 'insert') p[i] = s.slice(0, k) + e.ch + s.slice(k);
      if (e.op === 'delete') p[i] = s.slice(0, k) + s.slice(k + 1);
      if (e.op === 'truncate') p[i] = s.slice(0, k);
      if (e.op === 'bits' || e.op === 'tail') {
        // Flip one bit of the decoded bytes and re-encode canonically (reaches the GCM check);
        // `tail` hits the last 16 bytes: the tag in part 0, the end of the iv or salt otherwise.
        const b = Buffer.from(s, 'base64');
        const j = e.op === 'tail' ? b.length - 1 - (e.at % Math.min(16, b.length)) : k % b.length;
        b[j]! ^= 1 << (e.at % 8);
        p[i] = b.toString('base64');
      }
      return p;
    };
    const joiners = fc.constantFrom('|', 'fA==', '||', '', '|fA==', ' | ');
    const shuffles = fc.constantFrom(
      [ct, iv, salt],
      [ct, salt, iv],
      [iv, ct, salt],
      [other[0]!, iv, salt],
      [ct, other[1]!, salt],
      [ct, iv, other[2]!],
      [ct, iv],
      [ct, iv, salt, salt],
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(edit, { minLength: 1, maxLength: 3 }),
        shuffles,
        joiners,
        async (edits, base, sep) => {
          const parts = edits.reduce<string[]>((p, e) => mutate(p, e), [...base]);
          const text = parts.join(sep);
          let out: Awaited<ReturnType<typeof decryptPrivateKey>> | undefined;
          let code: string | undefined;
          try {
            out = await decryptPrivateKey(text, MNEMONIC, { kdfs: FAST_READ });
          } catch (e) {
            code = (e as { code?: string }).code ?? `UNTYPED ${String(e)}`;
          }
          if (out) {
            // Only an equivalent encoding of the same blob may open (e.g. "|" ↔ "fA==").
            expect(equalBytes(out.pkcs8, keys[2]!)).toBe(true);
            const p = parseKeyBlob(text);
            expect(toBase64(p.sealed) + toBase64(p.iv) + toBase64(p.salt)).toBe(ct + iv + salt);
          } else {
            expect(OK_CODES).toContain(code);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describeFixtures('private-key blob fixtures: decryption with the real parameters', () => {
  const users: { file: string; user: any; exp: any; kdf: KdfVariant; cert: string }[] = [];
  for (const file of [
    'web-alice-bob.json',
    'testdata-v10.json',
    'testdata-v11.json',
    'testdata-v12.json',
  ]) {
    const d = loadFixture(file);
    for (const user of d.data.users) {
      const exp = d.expect.users ? d.expect.users[user.userId].privateKey : d.expect.privateKey;
      const kdf = {
        prf: exp.kdf.prf === 'HMAC-SHA256' ? 'sha256' : 'sha1',
        iterations: exp.kdf.iterations,
      } as KdfVariant;
      users.push({ file, user, exp, kdf, cert: user.certificatePem });
    }
  }

  it.each(users.map((u) => [`${u.file} ${u.user.userId}`, u] as const))(
    'E2EE-REC-011 E2EE-REC-024: %s opens with exactly its stated variant and gives the expected key',
    async (_name, { user, exp, kdf, cert }) => {
      // Default: all variants tried; the fixture's one wins.
      const out = await decryptPrivateKey(user.encryptedPrivateKey, user.mnemonic);
      expect(kdfName(out.kdf)).toBe(kdfName(kdf));
      expect(out.pem).toBe(exp.decryptedPem);
      expect(sha256Hex(out.pem)).toBe(exp.decryptedPemSha256);
      expect(sha256Hex(out.pkcs8)).toBe(exp.pkcs8DerSha256);
      expect(spkiSha256(out.pkcs8)).toBe(exp.publicKeySpkiDerSha256);
      // The key matches the user's certificate (independent check with node's X509Certificate).
      const certSpki = new X509Certificate(cert).publicKey.export({ type: 'spki', format: 'der' });
      expect(sha256Hex(new Uint8Array(certSpki))).toBe(exp.publicKeySpkiDerSha256);
      // Each variant alone: only the stated one opens it.
      for (const v of READ_KDFS) {
        const code = await codeAsync(() =>
          decryptPrivateKey(user.encryptedPrivateKey, user.mnemonic, { kdfs: [v] }),
        );
        expect([kdfName(v), code]).toEqual([
          kdfName(v),
          kdfName(v) === kdfName(kdf) ? 'OK' : 'AEAD_TAG_MISMATCH',
        ]);
      }
      // The GCM plaintext layer, decoded by hand.
      const { sealed, iv, salt } = parseKeyBlob(user.encryptedPrivateKey);
      const key = await deriveBlobKey(exp.passwordUsed, salt, kdf);
      expect(sha256Hex(aesGcmDecrypt(key, iv, sealed))).toBe(exp.gcmPlaintextSha256);
    },
  );

  it('E2EE-REC-011: the RFC\'s "1000 iterations" does not open the legacy blobs; 1024 does', async () => {
    const d = loadFixture('testdata-v12.json');
    const u = d.data.users[0];
    const with1000 = { prf: 'sha1', iterations: 1000 } as const;
    expect(
      await codeAsync(() =>
        decryptPrivateKey(u.encryptedPrivateKey, u.mnemonic, { kdfs: [with1000] }),
      ),
    ).toBe('AEAD_TAG_MISMATCH');
    expect(
      (
        await decryptPrivateKey(u.encryptedPrivateKey, u.mnemonic, {
          kdfs: [{ prf: 'sha1', iterations: 1024 }],
        })
      ).kdf.iterations,
    ).toBe(1024);
  });

  it('E2EE-REC-010 E2EE-REC-012 E2EE-REC-020: re-encrypting a fixture key (real parameters) gives a v2.x-uploadable blob that opens with current', async () => {
    const d = loadFixture('testdata-v10.json');
    const u = d.data.users[0];
    const { pkcs8 } = await decryptPrivateKey(u.encryptedPrivateKey, u.mnemonic);
    const blob = await encryptPrivateKey(pkcs8, u.mnemonic);
    expect(blob).toMatch(new RegExp(KEY_BLOB_WRITE_PATTERN));
    const out = await decryptPrivateKey(blob, u.mnemonic);
    expect(out.kdf).toEqual(WRITE_KDF);
    expect(equalBytes(out.pkcs8, pkcs8)).toBe(true);
    // Another user's mnemonic does not open it.
    const web = loadFixture('web-alice-bob.json');
    expect(await codeAsync(() => decryptPrivateKey(blob, web.data.users[0].mnemonic))).toBe(
      'AEAD_TAG_MISMATCH',
    );
  });
});
