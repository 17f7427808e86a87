/**
 * `key-wrap` (primitives): RSA-OAEP unwrapping of a metadata key, as a member reads its
 * `encryptedMetadataKey` (E2EE-META-035, -046; legacy E2EE-META-154): OAEP with SHA-256 and
 * MGF1-SHA-256, empty label. The MGF1-SHA-1 variant (a desktop JVM's default for
 * "OAEPWithSHA-256AndMGF1Padding") and OAEP-SHA-1 do not unwrap under the profile.
 *
 * @module
 */
import { rsaOaepUnwrap } from '../../../reference/src/_internal/rsa-oaep.js';
import { privateKeyFromPem } from '../../../reference/src/keys/index.js';
import { VectorFileBuilder } from '../envelope.js';
import type { GenContext } from '../context.js';
import { flip, hex, unhex } from '../repr.js';
import { oaepWrapSeeded, PROFILE_OAEP } from '../oaep.js';
import { verdict, type VectorType } from '../vector-type.js';

const TYPE = 'key-wrap';
const REQ = ['E2EE-META-035', 'E2EE-META-046'];

export const keyWrap: VectorType = {
  type: TYPE,
  family: 'primitives',
  inFields: ['wrappedHex'],
  outFields: ['keyHex'],
  async generate(ctx: GenContext) {
    const rng = ctx.rng(TYPE);
    const b = new VectorFileBuilder(
      TYPE,
      ctx.source,
      [
        "RSA-OAEP unwrap of a wrapped key with the group's private key (params.privateKeyPemWire):",
        'OAEP-SHA-256, MGF1-SHA-256, empty label. Any failure is KEY_UNWRAP_FAILED.',
      ],
      {
        Mgf1Sha1: {
          bugType: 'CAN_OF_WORMS',
          description:
            "OAEP-SHA-256 with MGF1-SHA-1 (Java's default MGF1 for OAEPWithSHA-256AndMGF1Padding on a desktop JVM): incompatible with the profile.",
          requirements: ['E2EE-META-035', 'E2EE-META-046'],
        },
        OaepSha1: {
          bugType: 'CAN_OF_WORMS',
          description: 'OAEP-SHA-1 with MGF1-SHA-1 (the JCE default "RSA/ECB/OAEPPadding").',
          requirements: ['E2EE-META-035', 'E2EE-META-046'],
        },
        ModifiedCiphertext: {
          bugType: 'AUTH_BYPASS',
          description: 'The wrapped key was modified or truncated.',
          requirements: ['E2EE-META-046'],
        },
        WrongRecipient: {
          bugType: 'BASIC',
          description: "Wrapped for another member's key.",
          requirements: ['E2EE-META-046'],
        },
      },
    );
    for (const name of ['alice', 'rsa3072', 'rsa4096']) {
      const k = ctx.key(name);
      b.group({ privateKeyPemWire: k.pem, oaepHash: 'SHA-256', mgf1Hash: 'SHA-256', label: '' });
      for (let i = 0; i < 6; i++) {
        const key = rng(16);
        b.add({
          slug: `${name}-16-byte-key-${i}`,
          comment: 'a 16-byte metadata key wrapped under the profile',
          requirements: REQ,
          in: { wrappedHex: hex(oaepWrapSeeded(k.spki, key, rng)) },
          expect: { result: 'valid', keyHex: hex(key) },
        });
      }
      for (const n of [0, 1, 32, name === 'alice' ? 190 : 64]) {
        const key = rng(n);
        b.add({
          slug: `${name}-${n}-byte-message`,
          comment: `a ${n}-byte message (the primitive does not fix the length; the metadata layer does)`,
          requirements: ['E2EE-META-035'],
          in: { wrappedHex: hex(oaepWrapSeeded(k.spki, key, rng)) },
          expect: { result: 'valid', keyHex: hex(key) },
        });
      }
      const key = rng(16);
      const good = oaepWrapSeeded(k.spki, key, rng);
      const bad: [string, string, Uint8Array][] = [
        [
          'mgf1-sha1',
          'Mgf1Sha1',
          oaepWrapSeeded(k.spki, key, rng, { hash: 'sha256', mgf1: 'sha1' }),
        ],
        ['oaep-sha1', 'OaepSha1', oaepWrapSeeded(k.spki, key, rng, { hash: 'sha1', mgf1: 'sha1' })],
        [
          'sha1-label-mgf1-sha256',
          'OaepSha1',
          oaepWrapSeeded(k.spki, key, rng, { hash: 'sha1', mgf1: 'sha256' }),
        ],
        ['flipped-first-byte', 'ModifiedCiphertext', flip(good, 0)],
        ['flipped-last-byte', 'ModifiedCiphertext', flip(good, good.length - 1)],
        ['flipped-middle-byte', 'ModifiedCiphertext', flip(good, good.length >> 1)],
        ['truncated', 'ModifiedCiphertext', good.subarray(0, good.length - 1)],
        ['leading-zero-added', 'ModifiedCiphertext', new Uint8Array([0, ...good])],
        ['empty', 'ModifiedCiphertext', new Uint8Array(0)],
        [
          'wrapped-for-bob',
          'WrongRecipient',
          oaepWrapSeeded(ctx.key('bob').spki, key, rng, PROFILE_OAEP),
        ],
      ];
      for (const [slug, flag, wrapped] of bad) {
        b.add({
          slug: `${name}-${slug}`,
          comment: `does not unwrap: ${slug}`,
          flags: [flag],
          requirements: ['E2EE-META-046'],
          in: { wrappedHex: hex(wrapped) },
          expect: { result: 'invalid', error: 'KEY_UNWRAP_FAILED' },
        });
      }
    }
    return b.file;
  },
  async run(test, group) {
    const pkcs8 = privateKeyFromPem(group.params.privateKeyPemWire as string);
    return verdict(() => ({
      keyHex: hex(rsaOaepUnwrap(pkcs8, unhex((test.in as { wrappedHex: string }).wrappedHex))),
    }));
  },
};
