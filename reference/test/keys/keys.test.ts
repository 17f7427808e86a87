import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/_internal/bytes.js';
import {
  assertUserKey,
  keysMatch,
  privateKeyFromPem,
  privateKeyToPem,
  publicKeyFromPem,
  publicKeyOf,
  publicKeyToPem,
  type UserKeyPair,
} from '../../src/keys/index.js';
import { pemEncode } from '../../src/pem/index.js';
import { fakeRsaSpki } from '../certs/_ca.js';
import { code } from '../_support/codes.js';
import { describeFixtures, loadFixture } from '../_support/fixtures.js';
import { userKeyPairs } from '../_support/setup.js';

let a: UserKeyPair;
let b: UserKeyPair;
beforeAll(async () => {
  [a, b] = await userKeyPairs(2);
});

describe('generateUserKeyPair', () => {
  it('E2EE-KEY-001: generates RSA-2048 with e = 65537', () => {
    expect(assertUserKey(a.pkcs8)).toEqual({
      kind: 'private',
      modulusBits: 2048,
      publicExponent: 65537,
    });
    expect(assertUserKey(a.spki)).toEqual({
      kind: 'public',
      modulusBits: 2048,
      publicExponent: 65537,
    });
    expect(keysMatch(a.pkcs8, a.spki)).toBe(true);
    expect(a.spki).not.toEqual(b.spki);
  });
});

describe('encodings', () => {
  it('E2EE-KEY-002: PKCS#8 and SPKI round trip through PRIVATE KEY / PUBLIC KEY PEM', () => {
    const pem = privateKeyToPem(a.pkcs8);
    expect(pem.startsWith('-----BEGIN PRIVATE KEY-----\n')).toBe(true);
    expect(privateKeyFromPem(pem)).toEqual(a.pkcs8);
    const pub = publicKeyToPem(a.spki);
    expect(pub.startsWith('-----BEGIN PUBLIC KEY-----\n')).toBe(true);
    expect(publicKeyFromPem(pub)).toEqual(a.spki);
  });

  it('E2EE-KEY-002: a PKCS#1 "RSA PRIVATE KEY" block or a swapped label is PEM_MALFORMED', () => {
    expect(code(() => privateKeyFromPem(pemEncode('RSA PRIVATE KEY', a.pkcs8)))).toBe(
      'PEM_MALFORMED',
    );
    expect(code(() => privateKeyFromPem(publicKeyToPem(a.spki)))).toBe('PEM_MALFORMED');
    expect(code(() => publicKeyFromPem(privateKeyToPem(a.pkcs8)))).toBe('PEM_MALFORMED');
  });

  it('E2EE-KEY-013: a SPKI body under a PRIVATE KEY label (and vice versa) is KEY_MALFORMED', () => {
    expect(code(() => privateKeyFromPem(pemEncode('PRIVATE KEY', a.spki)))).toBe('KEY_MALFORMED');
    expect(code(() => publicKeyFromPem(pemEncode('PUBLIC KEY', a.pkcs8)))).toBe('KEY_MALFORMED');
  });

  it('E2EE-KEY-003: publicKeyOf gives the canonical SPKI (rsaEncryption with NULL parameters)', () => {
    const spki = publicKeyOf(a.pkcs8);
    expect(spki).toEqual(a.spki);
    const seq = asn1js.fromBER(new Uint8Array(spki)).result as asn1js.Sequence;
    const alg = seq.valueBlock.value[0] as asn1js.Sequence;
    expect((alg.valueBlock.value[0] as asn1js.ObjectIdentifier).valueBlock.toString()).toBe(
      '1.2.840.113549.1.1.1',
    );
    expect(alg.valueBlock.value[1]).toBeInstanceOf(asn1js.Null);
  });

  it('E2EE-KEY-013: trailing bytes, truncation and garbage are KEY_MALFORMED', () => {
    const withTrailer = new Uint8Array([...a.pkcs8, 0]);
    expect(code(() => publicKeyOf(withTrailer))).toBe('KEY_MALFORMED');
    expect(code(() => assertUserKey(new Uint8Array([...a.spki, 0, 0])))).toBe('KEY_MALFORMED');
    expect(code(() => publicKeyOf(a.pkcs8.subarray(0, a.pkcs8.length - 1)))).toBe('KEY_MALFORMED');
    expect(code(() => assertUserKey(new Uint8Array(0)))).toBe('KEY_MALFORMED');
    expect(code(() => keysMatch(a.pkcs8, new Uint8Array([0x30, 0x00])))).toBe('KEY_MALFORMED');
    expect(code(() => privateKeyToPem(a.spki))).toBe('KEY_MALFORMED');
    expect(code(() => publicKeyToPem(a.pkcs8))).toBe('KEY_MALFORMED');
  });

  it('E2EE-SEC-003: errors about a private key never echo its content', () => {
    const marker = 'MARKERSECRETKEYMATERIAL';
    const pem = privateKeyToPem(a.pkcs8);
    const b64 = Buffer.from(a.pkcs8).toString('base64');
    const variants = [
      pem.replace(/\n(.{10})/, `\n${marker}`),
      `-----BEGIN PRIVATE KEY-----\n${Buffer.from(marker.repeat(8)).toString('base64')}\n-----END PRIVATE KEY-----\n`,
      // Truncated DER (the last body line removed): KEY_MALFORMED, and no key bytes in the text.
      pem.replace(/\n[^\n]*\n-----END/, '\n-----END'),
    ];
    for (const v of variants) {
      let message = '';
      try {
        privateKeyFromPem(v);
      } catch (e) {
        message = `${(e as Error).message} ${String((e as Error).cause ?? '')}`;
      }
      expect(message).not.toBe('');
      expect(message).not.toContain(marker);
      expect(message).not.toContain(b64.slice(64, 96));
    }
  });

  it('rejects non-bytes with TypeError', () => {
    for (const bad of [null, 'x', [1], new ArrayBuffer(4), new DataView(new ArrayBuffer(4))]) {
      expect(() => publicKeyOf(bad as any)).toThrow(TypeError);
      expect(() => assertUserKey(bad as any)).toThrow(TypeError);
    }
  });

  it('E2EE-SEC-001: random corruption of PKCS#8 / SPKI bytes gives a typed error or a key (property)', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.nat(), fc.integer({ min: 1, max: 255 }), (priv, pos, x) => {
        const src = priv ? a.pkcs8 : a.spki;
        const bad = new Uint8Array(src);
        bad[pos % bad.length]! ^= x;
        const c = code(() => {
          assertUserKey(bad);
          keysMatch(priv ? bad : a.pkcs8, priv ? a.spki : bad);
        });
        expect(['OK', 'KEY_MALFORMED', 'KEY_UNSUPPORTED']).toContain(c);
      }),
      { numRuns: 120 },
    );
  });
});

describe('the key policy (E2EE-KEY-004)', () => {
  it('E2EE-KEY-004: accepts RSA with 2048 to 4096 modulus bits and e = 65537', () => {
    for (const bits of [2048, 3072, 4096])
      expect(assertUserKey(fakeRsaSpki(bits)).modulusBits).toBe(bits);
  });
  it('E2EE-KEY-004: rejects shorter or longer moduli with KEY_UNSUPPORTED', () => {
    for (const bits of [512, 1024, 2047, 4097, 8192]) {
      expect(code(() => assertUserKey(fakeRsaSpki(bits)))).toBe('KEY_UNSUPPORTED');
    }
  });
  it('E2EE-KEY-004: rejects other public exponents with KEY_UNSUPPORTED', () => {
    for (const e of [3, 17, 65539])
      expect(code(() => assertUserKey(fakeRsaSpki(2048, e)))).toBe('KEY_UNSUPPORTED');
  });
  it('E2EE-KEY-004: rejects EC, Ed25519 and RSASSA-PSS keys with KEY_UNSUPPORTED', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const ed = generateKeyPairSync('ed25519');
    for (const k of [ec, ed]) {
      expect(
        code(() =>
          assertUserKey(new Uint8Array(k.publicKey.export({ type: 'spki', format: 'der' }))),
        ),
      ).toBe('KEY_UNSUPPORTED');
      expect(
        code(() =>
          assertUserKey(new Uint8Array(k.privateKey.export({ type: 'pkcs8', format: 'der' }))),
        ),
      ).toBe('KEY_UNSUPPORTED');
    }
    // A pooled RSA key relabelled id-RSASSA-PSS (no parameters, as Node writes an unrestricted
    // RSASSA-PSS key): the same numbers, refused for the algorithm alone.
    const pssInfo = pkijs.PublicKeyInfo.fromBER(new Uint8Array(a.spki));
    pssInfo.algorithm = new pkijs.AlgorithmIdentifier({ algorithmId: '1.2.840.113549.1.1.10' });
    const pssSpki = new Uint8Array(pssInfo.toSchema().toBER());
    expect(
      createPublicKey({ key: Buffer.from(pssSpki), format: 'der', type: 'spki' }),
    ).toMatchObject({ asymmetricKeyType: 'rsa-pss' });
    expect(code(() => assertUserKey(pssSpki))).toBe('KEY_UNSUPPORTED');
    const ecSpki = new Uint8Array(ec.publicKey.export({ type: 'spki', format: 'der' }));
    expect(code(() => keysMatch(a.pkcs8, ecSpki))).toBe('KEY_UNSUPPORTED');
  });
});

describe('keysMatch', () => {
  it('E2EE-KEY-005: true for the two halves of one pair, false across pairs', () => {
    expect(keysMatch(a.pkcs8, a.spki)).toBe(true);
    expect(keysMatch(b.pkcs8, b.spki)).toBe(true);
    expect(keysMatch(a.pkcs8, b.spki)).toBe(false);
    expect(keysMatch(b.pkcs8, a.spki)).toBe(false);
  });
  it('E2EE-KEY-005: compares modulus and exponent, not encodings (SPKI without NULL parameters)', () => {
    // Re-encode a.spki with the AlgorithmIdentifier parameters omitted (a valid BER/DER variant).
    const seq = asn1js.fromBER(new Uint8Array(a.spki)).result as asn1js.Sequence;
    const bitString = seq.valueBlock.value[1]!;
    const variant = new asn1js.Sequence({
      value: [
        new asn1js.Sequence({
          value: [new asn1js.ObjectIdentifier({ value: '1.2.840.113549.1.1.1' })],
        }),
        bitString,
      ],
    });
    const der = new Uint8Array(variant.toBER());
    expect(der).not.toEqual(a.spki);
    expect(assertUserKey(der).modulusBits).toBe(2048);
    expect(keysMatch(a.pkcs8, der)).toBe(true);
    expect(keysMatch(b.pkcs8, der)).toBe(false);
  });
});

describeFixtures('fixture keys', () => {
  interface Case {
    name: string;
    pem: string;
    pkcs8Sha256: string;
    spkiSha256: string;
  }
  const cases: Case[] = [];
  const web = loadFixture('web-alice-bob.json');
  for (const u of web.data.users) {
    const e = web.expect.users[u.userId].privateKey;
    cases.push({
      name: `web ${u.userId}`,
      pem: u.privateKeyPkcs8Pem,
      pkcs8Sha256: e.pkcs8DerSha256,
      spkiSha256: e.publicKeySpkiDerSha256,
    });
  }
  const desktop = loadFixture('desktop-v12-filedrop.json');
  cases.push({
    name: 'desktop newstandard',
    pem: desktop.data.privateKeyPem,
    pkcs8Sha256: desktop.expect.keyPair.privateKeyPkcs8DerSha256,
    spkiSha256: desktop.expect.keyPair.publicKeySpkiDerSha256,
  });
  for (const v of ['10', '11', '12']) {
    const e = loadFixture(`testdata-v${v}.json`).expect.privateKey;
    cases.push({
      name: `testdata v${v} admin`,
      pem: e.decryptedPem,
      pkcs8Sha256: e.pkcs8DerSha256,
      spkiSha256: e.publicKeySpkiDerSha256,
    });
  }

  for (const c of cases) {
    it(`E2EE-KEY-003: ${c.name}: PKCS#8 and derived SPKI hashes match the fixture; the key satisfies E2EE-KEY-004`, () => {
      const pkcs8 = privateKeyFromPem(c.pem);
      expect(sha256Hex(pkcs8)).toBe(c.pkcs8Sha256);
      const spki = publicKeyOf(pkcs8);
      expect(sha256Hex(spki)).toBe(c.spkiSha256);
      expect(assertUserKey(pkcs8)).toEqual({
        kind: 'private',
        modulusBits: 2048,
        publicExponent: 65537,
      });
      expect(keysMatch(pkcs8, spki)).toBe(true);
    });
  }

  it('E2EE-KEY-005: the desktop public key PEM matches its private key; the web server key matches none', () => {
    const pkcs8 = privateKeyFromPem(desktop.data.privateKeyPem);
    expect(keysMatch(pkcs8, publicKeyFromPem(desktop.data.publicKeyPem))).toBe(true);
    const server = publicKeyFromPem(web.data.serverPublicKeyPem);
    expect(sha256Hex(server)).toBe(web.expect.serverPublicKey.spkiDerSha256);
    expect(assertUserKey(server).modulusBits).toBe(2048);
    expect(keysMatch(pkcs8, server)).toBe(false);
  });
});
