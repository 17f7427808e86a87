/**
 * `pem-key` (primitives): reading keys from PEM (E2EE-KEY-002, -010..-013), the key policy
 * (E2EE-KEY-004), deriving the public key (E2EE-KEY-003) and the key-pair test (E2EE-KEY-005).
 *
 * @module
 */
import { pemDecode } from '../../../reference/src/pem/index.js';
import {
  assertUserKey,
  keysMatch,
  privateKeyFromPem,
  publicKeyFromPem,
  publicKeyOf,
} from '../../../reference/src/keys/index.js';
import { VectorFileBuilder } from '../envelope.js';
import type { GenContext } from '../context.js';
import { hex, sha256hex, unhex } from '../repr.js';
import { rejectedPems, strictPem, tolerantPems } from '../pem-variants.js';
import { longFormOuterLength, spkiWithoutNullParams, withTrailing } from '../der-edits.js';
import { verdict, type VectorType } from '../vector-type.js';

const TYPE = 'pem-key';
const PRIV = 'PRIVATE KEY';
const PUB = 'PUBLIC KEY';

export const pemKey: VectorType = {
  type: TYPE,
  family: 'primitives',
  inFields: ['label', 'pemWire', 'privateKeyPemWire', 'publicKeyHex'],
  outFields: ['derSha256', 'kind', 'modulusBits', 'publicKeyHex', 'match'],
  async generate(ctx: GenContext) {
    const b = new VectorFileBuilder(
      TYPE,
      ctx.source,
      [
        'Reading an RSA key from PEM text: decode the block with the expected label (reader tolerances of',
        'E2EE-KEY-011 accepted, everything else PEM_MALFORMED), parse exactly one DER structure (KEY_MALFORMED),',
        'then apply the key policy (KEY_UNSUPPORTED). Valid outputs: SHA-256 of the DER, kind, modulus bits.',
      ],
      {
        PemTolerance: {
          bugType: 'TOLERANCE',
          description: 'A PEM spelling a real client writes; readers must accept it.',
          requirements: ['E2EE-KEY-011'],
        },
        PemDeviation: {
          bugType: 'MALFORMED_INPUT',
          description: 'A PEM deviation outside the named tolerances.',
          requirements: ['E2EE-KEY-012'],
        },
        Pkcs1Form: {
          bugType: 'MALFORMED_INPUT',
          description: 'The PKCS#1 label (RSA PRIVATE KEY / RSA PUBLIC KEY) is not accepted.',
          requirements: ['E2EE-KEY-002'],
        },
        DerDeviation: {
          bugType: 'MALFORMED_INPUT',
          description:
            'Not exactly one DER structure (BER length, trailing bytes, truncation, other kind).',
          requirements: ['E2EE-KEY-013'],
        },
        KeyPolicy: {
          bugType: 'POLICY',
          description: 'A key outside RSA 2048..4096 bits with e = 65537 (rsaEncryption).',
          requirements: ['E2EE-KEY-004'],
        },
        NoNullParams: {
          bugType: 'TOLERANCE',
          description:
            'An SPKI without the NULL parameters is the same key (numbers compared, not encodings).',
          requirements: ['E2EE-KEY-005'],
        },
      },
    );
    const alice = ctx.key('alice');
    b.group({ operation: 'read-key', expectedLabel: PRIV });
    const pkcs8Tol = tolerantPems(PRIV, alice.pkcs8);
    for (const [slug, pem] of pkcs8Tol) {
      b.add({
        slug: `private-${slug}`,
        comment: `PKCS#8 private key, PEM ${slug}`,
        flags: slug === 'strict' ? [] : ['PemTolerance'],
        requirements: slug === 'strict' ? ['E2EE-KEY-002', 'E2EE-KEY-010'] : ['E2EE-KEY-011'],
        in: { label: PRIV, pemWire: pem },
        expect: {
          result: 'valid',
          derSha256: sha256hex(alice.pkcs8),
          kind: 'private',
          modulusBits: 2048,
        },
      });
    }
    const accepted = new Set(pkcs8Tol.map(([, p]) => p));
    for (const [slug, pem] of rejectedPems(PRIV, alice.pkcs8, 'RSA PRIVATE KEY')) {
      if (accepted.has(pem)) continue;
      b.add({
        slug: `private-reject-${slug}`,
        comment: `rejected PEM: ${slug}`,
        flags: [slug === 'other-label' ? 'Pkcs1Form' : 'PemDeviation'],
        requirements: slug === 'other-label' ? ['E2EE-KEY-002', 'E2EE-KEY-012'] : ['E2EE-KEY-012'],
        in: { label: PRIV, pemWire: pem },
        expect: { result: 'invalid', error: 'PEM_MALFORMED' },
      });
    }
    const derRejects: [string, Uint8Array][] = [
      ['ber-long-form-length', longFormOuterLength(alice.pkcs8)],
      ['trailing-zero-byte', withTrailing(alice.pkcs8)],
      ['truncated', alice.pkcs8.subarray(0, alice.pkcs8.length - 1)],
      ['truncated-half', alice.pkcs8.subarray(0, alice.pkcs8.length >> 1)],
      ['spki-under-private-label', alice.spki],
      ['not-asn1', new TextEncoder().encode('not a key at all')],
    ];
    for (const [slug, der] of derRejects) {
      b.add({
        slug: `private-der-${slug}`,
        comment: `PEM fine, DER not one PKCS#8 PrivateKeyInfo: ${slug}`,
        flags: ['DerDeviation'],
        requirements: ['E2EE-KEY-013'],
        in: { label: PRIV, pemWire: strictPem(PRIV, der) },
        expect: { result: 'invalid', error: 'KEY_MALFORMED' },
      });
    }
    const policy: [string, string][] = [
      ['rsa-1024', 'rsa1024'],
      ['rsa-2048-e3', 'rsa2048-e3'],
      ['ec-p256', 'ec-p256'],
      ['rsassa-pss', 'rsa-pss'],
    ];
    for (const [slug, name] of policy) {
      b.add({
        slug: `private-policy-${slug}`,
        comment: `well-formed PKCS#8 outside the key policy: ${slug}`,
        flags: ['KeyPolicy'],
        requirements: ['E2EE-KEY-004'],
        in: { label: PRIV, pemWire: ctx.key(name).pem },
        expect: { result: 'invalid', error: 'KEY_UNSUPPORTED' },
      });
    }
    for (const [slug, name, bits] of [
      ['rsa-3072', 'rsa3072', 3072],
      ['rsa-4096', 'rsa4096', 4096],
    ] as const) {
      b.add({
        slug: `private-policy-${slug}`,
        comment: `${bits}-bit RSA key: inside the policy`,
        requirements: ['E2EE-KEY-004'],
        in: { label: PRIV, pemWire: ctx.key(name).pem },
        expect: {
          result: 'valid',
          derSha256: sha256hex(ctx.key(name).pkcs8),
          kind: 'private',
          modulusBits: bits,
        },
      });
    }

    b.group({ operation: 'read-key', expectedLabel: PUB });
    for (const [slug, pem] of tolerantPems(PUB, alice.spki)) {
      b.add({
        slug: `public-${slug}`,
        comment: `SPKI public key, PEM ${slug}`,
        flags: slug === 'strict' ? [] : ['PemTolerance'],
        requirements: slug === 'strict' ? ['E2EE-KEY-002', 'E2EE-KEY-010'] : ['E2EE-KEY-011'],
        in: { label: PUB, pemWire: pem },
        expect: {
          result: 'valid',
          derSha256: sha256hex(alice.spki),
          kind: 'public',
          modulusBits: 2048,
        },
      });
    }
    for (const [slug, pem] of rejectedPems(PUB, alice.spki, 'RSA PUBLIC KEY').slice(0, 8)) {
      b.add({
        slug: `public-reject-${slug}`,
        comment: `rejected PEM: ${slug}`,
        flags: [slug === 'other-label' ? 'Pkcs1Form' : 'PemDeviation'],
        requirements: slug === 'other-label' ? ['E2EE-KEY-002', 'E2EE-KEY-012'] : ['E2EE-KEY-012'],
        in: { label: PUB, pemWire: pem },
        expect: { result: 'invalid', error: 'PEM_MALFORMED' },
      });
    }
    for (const [slug, der] of [
      ['trailing-zero-byte', withTrailing(alice.spki)],
      ['truncated', alice.spki.subarray(0, alice.spki.length - 3)],
      ['pkcs8-under-public-label', alice.pkcs8],
    ] as const) {
      b.add({
        slug: `public-der-${slug}`,
        comment: `PEM fine, DER not one SubjectPublicKeyInfo: ${slug}`,
        flags: ['DerDeviation'],
        requirements: ['E2EE-KEY-013'],
        in: { label: PUB, pemWire: strictPem(PUB, der) },
        expect: { result: 'invalid', error: 'KEY_MALFORMED' },
      });
    }
    for (const [slug, name] of policy) {
      const k = ctx.key(name);
      if (k.spki.length === 0) continue;
      b.add({
        slug: `public-policy-${slug}`,
        comment: `well-formed SPKI outside the key policy: ${slug}`,
        flags: ['KeyPolicy'],
        requirements: ['E2EE-KEY-004'],
        in: { label: PUB, pemWire: strictPem(PUB, k.spki) },
        expect: { result: 'invalid', error: 'KEY_UNSUPPORTED' },
      });
    }

    b.group({ operation: 'public-key-of' });
    for (const name of ['alice', 'bob', 'rsa3072', 'rsa4096']) {
      const k = ctx.key(name);
      b.add({
        slug: `derive-public-${name}`,
        comment: 'the SPKI (rsaEncryption, NULL parameters) derived from a PKCS#8 private key',
        requirements: ['E2EE-KEY-003'],
        in: { privateKeyPemWire: k.pem },
        expect: { result: 'valid', publicKeyHex: hex(k.spki) },
      });
    }

    b.group({ operation: 'keys-match' });
    const pairs: [string, string, Uint8Array, boolean, string[]][] = [
      ['same-pair', 'alice', alice.spki, true, []],
      [
        'same-pair-spki-without-null',
        'alice',
        spkiWithoutNullParams(alice.spki),
        true,
        ['NoNullParams'],
      ],
      ['other-key', 'alice', ctx.key('bob').spki, false, []],
      ['other-key-3072', 'alice', ctx.key('rsa3072').spki, false, []],
    ];
    for (const [slug, name, spki, match, flags] of pairs) {
      b.add({
        slug: `match-${slug}`,
        comment: `key-pair test: ${slug}`,
        flags,
        requirements: ['E2EE-KEY-005'],
        in: { privateKeyPemWire: ctx.key(name).pem, publicKeyHex: hex(spki) },
        expect: { result: 'valid', match },
      });
    }
    return b.file;
  },
  async run(test, group) {
    const i = test.in as {
      label?: string;
      pemWire?: string;
      privateKeyPemWire?: string;
      publicKeyHex?: string;
    };
    return verdict(() => {
      if (group.params.operation === 'read-key') {
        // The label says which structure is expected; the key of the other kind is KEY_MALFORMED.
        const der = i.label === PRIV ? privateKeyFromPem(i.pemWire!) : publicKeyFromPem(i.pemWire!);
        const info = assertUserKey(der);
        return { derSha256: sha256hex(der), kind: info.kind, modulusBits: info.modulusBits };
      }
      const pkcs8 = pemDecode(i.privateKeyPemWire!, PRIV);
      if (group.params.operation === 'public-key-of')
        return { publicKeyHex: hex(publicKeyOf(pkcs8)) };
      return { match: keysMatch(pkcs8, unhex(i.publicKeyHex!)) };
    });
  },
};
