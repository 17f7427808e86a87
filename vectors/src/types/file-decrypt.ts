/**
 * `file-decrypt` (primitives): decrypting a file body `ciphertext ‖ tag` with the key, nonce and
 * recorded tag of its metadata entry (spec/07-files.md §3): AES-128-GCM, 12- and 16-byte nonces,
 * the tag in the body and in metadata, truncated and flipped bodies, wrong parameter lengths.
 *
 * @module
 */
import { createCipheriv } from 'node:crypto';
import { decryptFile } from '../../../reference/src/files/index.js';
import { VectorFileBuilder } from '../envelope.js';
import type { GenContext } from '../context.js';
import { digestOf, flip, hex, unhex } from '../repr.js';
import { blobOf, readBlob, type BlobRef } from '../blobs.js';
import { verdict, type VectorType } from '../vector-type.js';

const TYPE = 'file-decrypt';

/** Bodies above this size are written as content-addressed blobs, not inline hex. */
export const INLINE_LIMIT = 8192;

function seal(key: Uint8Array, nonce: Uint8Array, pt: Uint8Array): Uint8Array {
  const c = createCipheriv('aes-128-gcm', key, nonce);
  const ct = Buffer.concat([c.update(pt), c.final()]);
  return new Uint8Array(Buffer.concat([ct, c.getAuthTag()]));
}

/** A body field: inline hex, or a blob under vectors/primitives/blobs/ (collected by the writer). */
export function bodyField(
  body: Uint8Array,
  blobs: Map<string, Uint8Array>,
): { hex: string } | BlobRef {
  if (body.length <= INLINE_LIMIT) return { hex: hex(body) };
  return blobOf(body, blobs);
}

/** Reads a body field back (blob paths are relative to the family folder). */
export function readBody(field: unknown, familyDir: string): Uint8Array {
  const f = field as { hex?: string } & Record<string, unknown>;
  if (typeof f.hex === 'string') return unhex(f.hex);
  return readBlob(f, familyDir);
}

const R = {
  fresh: 'E2EE-FILE-001',
  nonceWrite: 'E2EE-FILE-002',
  nonceRead: 'E2EE-FILE-003',
  aead: 'E2EE-FILE-803',
  short: 'E2EE-FILE-005',
  tag: 'E2EE-FILE-006',
} as const;

/** Blobs produced by the last generate() (the writer stores them next to the file). */
export const fileBlobs = new Map<string, Uint8Array>();

export const fileDecrypt: VectorType = {
  type: TYPE,
  blobs: fileBlobs,
  family: 'primitives',
  inFields: ['keyHex', 'nonceHex', 'tagHex', 'body'],
  outFields: ['plaintext'],
  async generate(ctx: GenContext) {
    fileBlobs.clear();
    const b = new VectorFileBuilder(
      TYPE,
      ctx.source,
      [
        'Decryption of a file body (ciphertext ‖ 16-byte tag) with AES-128-GCM under the key and nonce of',
        "its metadata entry. tagHex is the entry's authenticationTag (absent: the reader has none to compare).",
      ],
      {
        Nonce16: {
          bugType: 'TOLERANCE',
          description: 'A 16-byte nonce (desktop, iOS, Android); readers must accept it.',
          requirements: [R.nonceRead],
        },
        NoRecordedTag: {
          bugType: 'BASIC',
          description: 'No authenticationTag recorded: only the GCM tag decides.',
          requirements: [R.aead],
        },
        Truncated: {
          bugType: 'MALFORMED_INPUT',
          description: 'A body shorter than the 16-byte tag is malformed, not a tag failure.',
          requirements: [R.short],
        },
        ModifiedCiphertext: {
          bugType: 'AUTH_BYPASS',
          description: 'One bit of the body changed; the tag must not verify.',
          requirements: [R.aead, R.tag],
        },
        RecordedTagMismatch: {
          bugType: 'AUTH_BYPASS',
          description:
            "The recorded tag differs from the body's trailing 16 bytes (swapped or old body).",
          requirements: [R.tag],
        },
        BadNonceLength: {
          bugType: 'MALFORMED_INPUT',
          description: 'A nonce that is neither 12 nor 16 bytes.',
          requirements: [R.nonceRead],
        },
        BadTagLength: {
          bugType: 'MALFORMED_INPUT',
          description: 'A recorded tag that is not 16 bytes (e.g. truncated to 12).',
          requirements: [R.tag],
        },
        WrongKey: {
          bugType: 'AUTH_BYPASS',
          description: 'The body was encrypted under another key.',
          requirements: [R.aead],
        },
      },
    );
    const rng = ctx.rng(TYPE);
    const lengths = [
      0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 255, 256, 1000, 4095, 4096, 4097, 70000,
      200_000,
    ];
    for (const nonceLength of [12, 16] as const) {
      b.group({
        aead: 'AES-128-GCM',
        keyBytes: 16,
        nonceBytes: nonceLength,
        tagBytes: 16,
        tagLocation: 'body+metadata',
      });
      for (const n of nonceLength === 12 ? lengths : lengths.filter((l) => l < 5000)) {
        const key = rng(16);
        const nonce = rng(nonceLength);
        const pt = rng(n);
        const body = seal(key, nonce, pt);
        b.add({
          slug: `nonce${nonceLength}-len${n}`,
          comment: `${n}-byte plaintext, ${nonceLength}-byte nonce`,
          flags: nonceLength === 16 ? ['Nonce16'] : [],
          requirements:
            nonceLength === 12 ? [R.aead, R.nonceWrite, R.tag] : [R.aead, R.nonceRead, R.tag],
          in: {
            keyHex: hex(key),
            nonceHex: hex(nonce),
            tagHex: hex(body.subarray(body.length - 16)),
            body: bodyField(body, fileBlobs),
          },
          expect: { result: 'valid', plaintext: digestOf(pt) },
        });
      }
    }
    b.group({
      aead: 'AES-128-GCM',
      keyBytes: 16,
      nonceBytes: 12,
      tagBytes: 16,
      tagLocation: 'body',
    });
    for (const n of [0, 1, 16, 100, 1024]) {
      const key = rng(16);
      const nonce = rng(12);
      const pt = rng(n);
      b.add({
        slug: `no-recorded-tag-len${n}`,
        comment: `${n}-byte plaintext, no tag in metadata`,
        flags: ['NoRecordedTag'],
        requirements: [R.aead],
        in: {
          keyHex: hex(key),
          nonceHex: hex(nonce),
          body: bodyField(seal(key, nonce, pt), fileBlobs),
        },
        expect: { result: 'valid', plaintext: digestOf(pt) },
      });
    }

    b.group({
      aead: 'AES-128-GCM',
      keyBytes: 16,
      nonceBytes: 12,
      tagBytes: 16,
      tagLocation: 'body+metadata',
    });
    const key = rng(16);
    const nonce = rng(12);
    const pt = rng(48);
    const body = seal(key, nonce, pt);
    const tag = body.subarray(body.length - 16);
    const base = { keyHex: hex(key), nonceHex: hex(nonce), tagHex: hex(tag) };
    for (const n of [0, 1, 8, 15]) {
      for (const recorded of [true, false]) {
        b.add({
          slug: `truncated-to-${n}${recorded ? '' : '-no-recorded-tag'}`,
          comment: `body truncated to ${n} bytes`,
          flags: ['Truncated'],
          requirements: [R.short],
          in: {
            ...base,
            ...(recorded ? {} : { tagHex: undefined }),
            body: { hex: hex(body.subarray(0, n)) },
          },
          expect: { result: 'invalid', error: 'CIPHERTEXT_MALFORMED' },
        });
      }
    }
    for (const n of [16, 17, 32, 63]) {
      b.add({
        slug: `truncated-to-${n}`,
        comment: `body truncated to ${n} bytes: its trailing 16 bytes are no longer the recorded tag`,
        flags: ['Truncated', 'RecordedTagMismatch'],
        requirements: [R.tag],
        in: { ...base, body: { hex: hex(body.subarray(0, n)) } },
        expect: { result: 'invalid', error: 'AEAD_TAG_MISMATCH' },
      });
      b.add({
        slug: `truncated-to-${n}-no-recorded-tag`,
        comment: `body truncated to ${n} bytes, no recorded tag: the GCM tag fails`,
        flags: ['Truncated', 'NoRecordedTag'],
        requirements: [R.aead],
        in: {
          keyHex: base.keyHex,
          nonceHex: base.nonceHex,
          body: { hex: hex(body.subarray(0, n)) },
        },
        expect: { result: 'invalid', error: 'AEAD_TAG_MISMATCH' },
      });
    }
    for (let i = 0; i < body.length; i += 4) {
      for (const recorded of [true, false]) {
        const inTag = i >= body.length - 16;
        b.add({
          slug: `flipped-byte-${i}${recorded ? '' : '-no-recorded-tag'}`,
          comment: `bit 0 of body byte ${i} (${inTag ? 'tag' : 'ciphertext'}) flipped`,
          flags: recorded && inTag ? ['RecordedTagMismatch'] : ['ModifiedCiphertext'],
          requirements: recorded && inTag ? [R.tag] : [R.aead],
          in: {
            ...(recorded ? base : { keyHex: base.keyHex, nonceHex: base.nonceHex }),
            body: { hex: hex(flip(body, i)) },
          },
          expect: { result: 'invalid', error: 'AEAD_TAG_MISMATCH' },
        });
      }
    }
    for (const i of [0, 7, 15]) {
      b.add({
        slug: `recorded-tag-flipped-${i}`,
        comment: `recorded tag differs in byte ${i}; body intact`,
        flags: ['RecordedTagMismatch'],
        requirements: [R.tag],
        in: { ...base, tagHex: hex(flip(tag, i)), body: { hex: hex(body) } },
        expect: { result: 'invalid', error: 'AEAD_TAG_MISMATCH' },
      });
    }
    for (const n of [0, 1, 8, 11, 13, 15, 17, 24, 32]) {
      b.add({
        slug: `nonce-length-${n}`,
        comment: `${n}-byte nonce`,
        flags: ['BadNonceLength'],
        requirements: [R.nonceRead],
        in: { ...base, nonceHex: hex(rng(n)), body: { hex: hex(body) } },
        expect: { result: 'invalid', error: 'CIPHERTEXT_MALFORMED' },
      });
    }
    for (const n of [0, 4, 8, 12, 15, 17, 32]) {
      b.add({
        slug: `recorded-tag-length-${n}`,
        comment: `recorded tag of ${n} bytes`,
        flags: ['BadTagLength'],
        requirements: [R.tag],
        in: {
          ...base,
          tagHex: hex(new Uint8Array(Buffer.concat([tag, tag])).subarray(0, n)),
          body: { hex: hex(body) },
        },
        expect: { result: 'invalid', error: 'CIPHERTEXT_MALFORMED' },
      });
    }
    for (const which of ['other-key', 'key-bit-flipped']) {
      b.add({
        slug: `wrong-key-${which}`,
        comment: which === 'other-key' ? 'an unrelated key' : 'the key with one bit flipped',
        flags: ['WrongKey'],
        requirements: [R.aead],
        in: {
          ...base,
          keyHex: hex(which === 'other-key' ? rng(16) : flip(key, 5)),
          body: { hex: hex(body) },
        },
        expect: { result: 'invalid', error: 'AEAD_TAG_MISMATCH' },
      });
    }
    b.add({
      slug: 'wrong-nonce',
      comment: 'the body was encrypted under another nonce',
      flags: ['WrongKey'],
      requirements: [R.aead],
      in: { ...base, nonceHex: hex(flip(nonce, 0)), body: { hex: hex(body) } },
      expect: { result: 'invalid', error: 'AEAD_TAG_MISMATCH' },
    });
    return JSON.parse(JSON.stringify(b.file)) as typeof b.file;
  },
  async run(test, _group, familyDir) {
    const i = test.in as { keyHex: string; nonceHex: string; tagHex?: string; body: unknown };
    return verdict(() => {
      const pt = decryptFile(readBody(i.body, familyDir), {
        key: unhex(i.keyHex),
        nonce: unhex(i.nonceHex),
        tag: i.tagHex === undefined ? undefined : unhex(i.tagHex),
      });
      return { plaintext: digestOf(pt) };
    });
  },
};
