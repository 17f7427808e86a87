/**
 * `filedrop-entry` (primitives): a member opening one 2.x filedrop entry (spec/08-sharing.md §5):
 * only the wrapped key for its own user id, the recorded tag equal to the ciphertext's last 16
 * bytes, the GCM tag, then the same checks as an inner file entry (E2EE-SHARE-032, -033).
 *
 * @module
 */
import { gzipSync } from 'node:zlib';
import { openFiledropEntry } from '../../../reference/src/sharing/index.js';
import { privateKeyFromPem } from '../../../reference/src/keys/index.js';
import type { Rng } from '../../../reference/src/_internal/bytes.js';
import { VectorFileBuilder, type Expect } from '../envelope.js';
import type { GenContext } from '../context.js';
import { b64, hex } from '../repr.js';
import { seal } from '../metadata-docs.js';
import { oaepWrapSeeded } from '../oaep.js';
import { world, type Actor } from '../world.js';
import { verdict, type VectorType } from '../vector-type.js';

const TYPE = 'filedrop-entry';
type Obj = Record<string, unknown>;

interface EntrySpec {
  readonly file?: Obj;
  readonly plaintext?: Uint8Array;
  readonly recipients?: Actor[];
  readonly wrapKey?: Uint8Array;
  readonly suffix?: boolean;
  readonly edit?: (e: Obj) => void;
}

function entry(rng: Rng, recipients: Actor[], s: EntrySpec): { wire: string; file: Obj } {
  const fdKey = rng(16);
  const nonce = rng(12);
  const file = s.file ?? {
    authenticationTag: b64(rng(16)),
    filename: 'dropped.pdf',
    key: b64(rng(16)),
    mimetype: 'application/pdf',
    nonce: b64(rng(12)),
  };
  const sealed = seal(
    fdKey,
    nonce,
    s.plaintext ?? new Uint8Array(gzipSync(Buffer.from(JSON.stringify(file)))),
  );
  const e: Obj = {
    authenticationTag: b64(sealed.subarray(sealed.length - 16)),
    ciphertext: b64(sealed) + (s.suffix ? `|${b64(nonce)}` : ''),
    nonce: b64(nonce),
    users: (s.recipients ?? recipients).map((a) => ({
      encryptedFiledropKey: b64(oaepWrapSeeded(a.key.spki, s.wrapKey ?? fdKey, rng)),
      userId: a.userId,
    })),
  };
  s.edit?.(e);
  return { wire: JSON.stringify(e), file };
}

export const filedropEntry: VectorType = {
  type: TYPE,
  family: 'primitives',
  inFields: ['entryWire', 'userId'],
  outFields: ['filename', 'mimetype', 'keyHex', 'nonceHex', 'tagHex'],
  async generate(ctx: GenContext) {
    const rng = ctx.rng(TYPE);
    const w = await world(ctx);
    const { alice, bob, mallory } = w;
    const b = new VectorFileBuilder(
      TYPE,
      ctx.source,
      [
        'Open entryWire (one value of a 2.x document\'s top-level "filedrop") as userId with',
        'params.privateKeysPemWire[userId]. Valid outputs: the decrypted file entry (name, type, file key, nonce, tag).',
      ],
      {
        NonceSuffix: {
          bugType: 'TOLERANCE',
          description: 'A |nonce suffix after the ciphertext (tolerance filedrop-nonce-suffix).',
          requirements: ['E2EE-SHARE-032'],
        },
        OwnKeyOnly: {
          bugType: 'CONFUSED_DEPUTY',
          description: 'Only the key wrapped for this user id is used.',
          requirements: ['E2EE-SHARE-032'],
        },
        Tampered: {
          bugType: 'AUTH_BYPASS',
          description: 'The recorded tag or the ciphertext does not verify.',
          requirements: ['E2EE-SHARE-032'],
        },
        EntryChecks: {
          bugType: 'MALFORMED_INPUT',
          description: 'The decrypted entry fails the inner file-entry checks.',
          requirements: ['E2EE-SHARE-033'],
        },
      },
    );
    b.group({ privateKeysPemWire: { alice: alice.key.pem, bob: bob.key.pem } });
    const ok = (file: Obj): Expect => ({
      result: 'valid',
      filename: file.filename,
      mimetype: file.mimetype,
      keyHex: hex(Buffer.from(file.key as string, 'base64')),
      nonceHex: hex(Buffer.from(file.nonce as string, 'base64')),
      tagHex: hex(Buffer.from(file.authenticationTag as string, 'base64')),
    });
    const members = [alice, bob];
    const add = (
      slug: string,
      comment: string,
      flags: string[],
      reqs: string[],
      s: EntrySpec,
      expect: (file: Obj) => Expect,
      userId = 'alice',
    ) => {
      const e = entry(rng, members, s);
      b.add({
        slug,
        comment,
        flags,
        requirements: reqs,
        in: { entryWire: e.wire, userId },
        expect: expect(e.file),
      });
    };
    const bad = (error: Extract<Expect, { result: 'invalid' }>['error']) => (): Expect => ({
      result: 'invalid',
      error,
    });
    add(
      'web-form',
      'an entry for two members, read by alice',
      [],
      ['E2EE-SHARE-032', 'E2EE-SHARE-033'],
      {},
      ok,
    );
    add('read-by-bob', 'the same kind of entry read by bob', [], ['E2EE-SHARE-032'], {}, ok, 'bob');
    add(
      'nonce-suffix',
      'ciphertext with |nonce',
      ['NonceSuffix'],
      ['E2EE-SHARE-032'],
      { suffix: true },
      ok,
    );
    add(
      'file-nonce-16',
      'the dropped file has a 16-byte nonce',
      [],
      ['E2EE-SHARE-033'],
      {
        file: {
          authenticationTag: b64(rng(16)),
          filename: 'scan.jpg',
          key: b64(rng(16)),
          mimetype: 'image/jpeg',
          nonce: b64(rng(16)),
        },
      },
      ok,
    );
    add(
      'no-key-for-user',
      'wrapped only for bob',
      ['OwnKeyOnly'],
      ['E2EE-SHARE-032'],
      { recipients: [bob] },
      bad('METADATA_KEY_MISSING'),
    );
    add(
      'key-under-other-user',
      "alice's entry holds the key wrapped for mallory",
      ['OwnKeyOnly'],
      ['E2EE-SHARE-032'],
      {
        edit: (e) => {
          const u = e.users as Obj[];
          u[0]!.encryptedFiledropKey = b64(oaepWrapSeeded(mallory.key.spki, rng(16), rng));
        },
      },
      bad('KEY_UNWRAP_FAILED'),
    );
    add(
      'tag-not-last-16',
      "authenticationTag differs from the ciphertext's last 16 bytes",
      ['Tampered'],
      ['E2EE-SHARE-032'],
      { edit: (e) => (e.authenticationTag = b64(rng(16))) },
      bad('AEAD_TAG_MISMATCH'),
    );
    add(
      'ciphertext-flipped',
      'one bit of the ciphertext flipped',
      ['Tampered'],
      ['E2EE-SHARE-032'],
      {
        edit: (e) => {
          const c = Buffer.from(e.ciphertext as string, 'base64');
          c[0]! ^= 1;
          e.ciphertext = c.toString('base64');
        },
      },
      bad('AEAD_TAG_MISMATCH'),
    );
    add(
      'key-32-bytes',
      'the filedrop key is 32 bytes',
      ['Tampered'],
      ['E2EE-SHARE-032'],
      { wrapKey: rng(32) },
      bad('METADATA_MALFORMED'),
    );
    add(
      'not-gzip',
      'the plaintext is JSON without gzip',
      ['EntryChecks'],
      ['E2EE-SHARE-033'],
      { plaintext: Buffer.from('{"filename":"a"}') },
      bad('METADATA_MALFORMED'),
    );
    const fileWith = (over: Obj) => ({
      file: {
        authenticationTag: b64(rng(16)),
        filename: 'x.bin',
        key: b64(rng(16)),
        mimetype: 'application/octet-stream',
        nonce: b64(rng(12)),
        ...over,
      },
    });
    add(
      'file-key-degenerate',
      "the dropped file's key is 16 zero bytes",
      ['EntryChecks'],
      ['E2EE-SHARE-033'],
      fileWith({ key: b64(new Uint8Array(16)) }),
      bad('METADATA_MALFORMED'),
    );
    add(
      'file-name-dotdot',
      'file name ".."',
      ['EntryChecks'],
      ['E2EE-SHARE-033'],
      fileWith({ filename: '..' }),
      bad('METADATA_MALFORMED'),
    );
    add(
      'file-name-slash',
      'file name with "/"',
      ['EntryChecks'],
      ['E2EE-SHARE-033'],
      fileWith({ filename: 'a/b' }),
      bad('METADATA_MALFORMED'),
    );
    add(
      'file-tag-12',
      "the dropped file's tag is 12 bytes",
      ['EntryChecks'],
      ['E2EE-SHARE-033'],
      fileWith({ authenticationTag: b64(rng(12)) }),
      bad('METADATA_MALFORMED'),
    );
    add(
      'file-key-missing',
      'the dropped file has no key',
      ['EntryChecks'],
      ['E2EE-SHARE-033'],
      fileWith({ key: undefined }),
      bad('METADATA_MALFORMED'),
    );
    add(
      'entry-nonce-missing',
      'the entry has no nonce',
      ['EntryChecks'],
      ['E2EE-SHARE-033'],
      { edit: (e) => delete e.nonce },
      bad('METADATA_MALFORMED'),
    );
    return b.file;
  },
  async run(test, group) {
    const i = test.in as { entryWire: string; userId: string };
    const pems = group.params.privateKeysPemWire as Record<string, string>;
    return verdict(() => {
      const f = openFiledropEntry(JSON.parse(i.entryWire), {
        userId: i.userId,
        privateKey: privateKeyFromPem(pems[i.userId]!),
      });
      return {
        filename: f.filename,
        mimetype: f.mimetype,
        keyHex: hex(f.key),
        nonceHex: hex(f.nonce),
        tagHex: hex(f.authenticationTag),
      };
    });
  },
};
