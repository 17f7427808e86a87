/**
 * `metadata-legacy` (primitives): reading 1.0/1.1/1.2 documents (spec/09-legacy.md): version
 * spellings, the key choice (highest index; 1.2's single key and its checksum), the doubly
 * base64-encoded wrapped key, `|` and `fA==` separators, entry checks, and legacy filedrop
 * entries (E2EE-META-150..166).
 *
 * @module
 */
import { createHash } from 'node:crypto';
import {
  decryptLegacyFiledropEntry,
  decryptLegacyMetadata,
  parseMetadataDocument,
} from '../../../reference/src/metadata/index.js';
import { privateKeyFromPem } from '../../../reference/src/keys/index.js';
import type { Rng } from '../../../reference/src/_internal/bytes.js';
import { VectorFileBuilder, type Expect } from '../envelope.js';
import type { GenContext } from '../context.js';
import { b64, hex } from '../repr.js';
import { seal } from '../metadata-docs.js';
import { oaepWrapSeeded } from '../oaep.js';
import { world } from '../world.js';
import { generateMnemonic } from '../../../reference/src/mnemonic/index.js';
import { verdict, type VectorType } from '../vector-type.js';

const TYPE = 'metadata-legacy';
const FOLDER = 'httpd/unix-directory';
type Obj = Record<string, unknown>;

const ascii = (s: string) => new TextEncoder().encode(s);

/** The legacy wrapped-key plaintext: base64(base64(K)) (E2EE-META-154). */
const doubleB64 = (k: Uint8Array) => ascii(b64(ascii(b64(k))));

/** A sealed entry: base64(ct‖tag) SEP base64(iv), plaintext base64(JSON). */
function sealEntry(rng: Rng, key: Uint8Array, obj: Obj | string, sep = '|', ivBytes = 16): string {
  const iv = rng(ivBytes);
  const text = typeof obj === 'string' ? obj : b64(ascii(JSON.stringify(obj)));
  return `${b64(seal(key, iv, ascii(text)))}${sep}${b64(iv)}`;
}

export const metadataLegacy: VectorType = {
  type: TYPE,
  family: 'primitives',
  inFields: ['documentWire', 'mnemonicWire', 'entryWire'],
  outFields: ['version', 'metadataKeyHex', 'checksumVerified', 'entries', 'entry'],
  async generate(ctx: GenContext) {
    const rng = ctx.rng(TYPE);
    const w = await world(ctx);
    const { alice, bob } = w;
    const b = new VectorFileBuilder(
      TYPE,
      ctx.source,
      [
        'Read a legacy document (documentWire) with params.privateKeyPemWire, and with mnemonicWire when given',
        '(1.2 checksum). Valid outputs: the normalised version, the metadata key used, whether the checksum was',
        'verified, and each entry as {filename, mimetype, keyHex}. Group "filedrop": open one 1.2 filedrop entry.',
      ],
      {
        VersionSpelling: {
          bugType: 'TOLERANCE',
          description: 'Legacy versions as numbers or strings.',
          requirements: ['E2EE-META-150'],
        },
        LegacySeparator: {
          bugType: 'LEGACY',
          description: 'The fA== separator of desktop clients before about 2020.',
          requirements: ['E2EE-META-152'],
        },
        HighestIndex: {
          bugType: 'LEGACY',
          description: '1.0/1.1: the metadataKeys entry with the highest index is used.',
          requirements: ['E2EE-META-153'],
        },
        Checksum: {
          bugType: 'AUTH_BYPASS',
          description: '1.2 checksum over mnemonic, sorted file ids and the wrapped key text.',
          requirements: ['E2EE-META-160', 'E2EE-META-161'],
        },
        NoMnemonic: {
          bugType: 'LEGACY',
          description:
            'Without the mnemonic the 1.2 checksum cannot be checked (E2EE-META-162, MAY).',
          requirements: ['E2EE-META-160'],
        },
        Schema: {
          bugType: 'MALFORMED_INPUT',
          description: 'The legacy schema (key members per version).',
          requirements: ['E2EE-META-151'],
        },
        KeyEncoding: {
          bugType: 'MALFORMED_INPUT',
          description: 'The wrapped key is not base64(base64(16 bytes)) or does not unwrap.',
          requirements: ['E2EE-META-154'],
        },
        Entry: {
          bugType: 'MALFORMED_INPUT',
          description: 'An entry fails authentication, decoding or the field checks.',
          requirements: ['E2EE-META-155', 'E2EE-META-156', 'E2EE-META-157'],
        },
        Filedrop: {
          bugType: 'MALFORMED_INPUT',
          description: 'A legacy filedrop entry missing fields, with wrong lengths, or a folder.',
          requirements: ['E2EE-META-165', 'E2EE-META-166'],
        },
      },
    );
    b.group({ privateKeyPemWire: alice.key.pem, userId: 'alice' });
    const mnemonic = generateMnemonic(rng).join(' ');

    interface Spec {
      version?: unknown;
      /** 1.0/1.1 metadataKeys by index: the document key, another valid key, or random bytes. */
      keys?: ('key' | 'other' | 'garbage')[];
      entries?: number;
      folder?: boolean;
      sep?: string;
      entryIv?: number;
      checksum?: 'good' | 'bad' | 'none' | 'upper';
      editEntry?: (e: Obj, key: Uint8Array) => void;
      editMeta?: (m: Obj) => void;
      wrapPlain?: (k: Uint8Array) => Uint8Array;
      wrapFor?: Uint8Array;
    }
    const build = (s: Spec): { doc: string; key: Uint8Array; entries: Record<string, Obj> } => {
      const v = s.version ?? 1.2;
      const is12 = ['1.2', 1.2].includes(v as never);
      const key = rng(16);
      const wrap = (k: Uint8Array) =>
        b64(oaepWrapSeeded(s.wrapFor ?? alice.key.spki, (s.wrapPlain ?? doubleB64)(k), rng));
      const files: Record<string, Obj> = {};
      const entries: Record<string, Obj> = {};
      for (let i = 0; i < (s.entries ?? 2); i++) {
        const id = hex(rng(16));
        const isFolder = s.folder === true && i === 0;
        const fileKey = rng(16);
        const plain = {
          filename: isFolder ? `dir${i}` : `file${i}.txt`,
          key: b64(fileKey),
          mimetype: isFolder ? FOLDER : 'text/plain',
          version: 1,
        };
        const e: Obj = {
          authenticationTag: isFolder ? '' : b64(rng(16)),
          encrypted: sealEntry(rng, key, plain, s.sep, s.entryIv ?? 16),
          initializationVector: b64(rng(16)),
          ...(is12 ? {} : { metadataKey: 0 }),
        };
        s.editEntry?.(e, key);
        files[id] = e;
        entries[id] = { filename: plain.filename, mimetype: plain.mimetype, keyHex: hex(fileKey) };
      }
      const meta: Obj = { version: v };
      if (is12) {
        meta.metadataKey = wrap(key);
        const words = mnemonic.replace(/\s+/g, '').toLowerCase();
        const sum = createHash('sha256')
          .update(words + Object.keys(files).sort().join('') + (meta.metadataKey as string))
          .digest('hex');
        if (s.checksum !== 'none')
          meta.checksum =
            s.checksum === 'bad'
              ? createHash('sha256').update(sum).digest('hex')
              : s.checksum === 'upper'
                ? sum.toUpperCase()
                : sum;
      } else {
        const keys = s.keys ?? ['key'];
        meta.metadataKeys = Object.fromEntries(
          keys.map((k, i) => [
            String(i),
            k === 'garbage' ? b64(rng(256)) : wrap(k === 'key' ? key : rng(16)),
          ]),
        );
      }
      s.editMeta?.(meta);
      return { doc: JSON.stringify({ files, metadata: meta }), key, entries };
    };
    const ok =
      (version: string, checksumVerified: boolean) =>
      (r: ReturnType<typeof build>): Expect => ({
        result: 'valid',
        version,
        metadataKeyHex: hex(r.key),
        checksumVerified,
        entries: r.entries,
      });
    const bad = (error: Extract<Expect, { result: 'invalid' }>['error']) => (): Expect => ({
      result: 'invalid',
      error,
    });
    const add = (
      slug: string,
      comment: string,
      flags: string[],
      reqs: string[],
      s: Spec,
      expect: (r: ReturnType<typeof build>) => Expect,
      withMnemonic = true,
    ) => {
      const r = build(s);
      b.add({
        slug,
        comment,
        flags,
        requirements: reqs,
        in: { documentWire: r.doc, ...(withMnemonic ? { mnemonicWire: mnemonic } : {}) },
        expect: expect(r),
      });
    };
    add(
      'v1.2-checksum',
      '1.2 with its checksum, read with the mnemonic',
      ['Checksum'],
      ['E2EE-META-160', 'E2EE-META-161', 'E2EE-META-155'],
      {},
      ok('1.2', true),
    );
    add(
      'v1.2-checksum-uppercase',
      'the checksum in upper case',
      ['Checksum'],
      ['E2EE-META-160'],
      { checksum: 'upper' },
      ok('1.2', true),
    );
    add(
      'v1.2-no-mnemonic',
      'read without the mnemonic: checksum not verified',
      ['NoMnemonic'],
      ['E2EE-META-155'],
      {},
      ok('1.2', false),
      false,
    );
    add(
      'v1.2-string-version',
      'version "1.2"',
      ['VersionSpelling'],
      ['E2EE-META-150'],
      { version: '1.2' },
      ok('1.2', true),
    );
    add(
      'v1.2-folder-entry',
      'a folder entry: empty tag allowed',
      [],
      ['E2EE-META-157'],
      { folder: true },
      ok('1.2', true),
    );
    add(
      'v1.2-fA-separator',
      'entries sealed with the fA== separator',
      ['LegacySeparator'],
      ['E2EE-META-152'],
      { sep: 'fA==' },
      ok('1.2', true),
    );
    add(
      'v1.2-entry-iv-12',
      'entries sealed with 12-byte IVs',
      [],
      ['E2EE-META-152'],
      { entryIv: 12 },
      ok('1.2', true),
    );
    for (const [slug, v, norm] of [
      ['1', 1, '1.0'],
      ['string-1', '1', '1.0'],
      ['string-1.0', '1.0', '1.0'],
      ['1.1', 1.1, '1.1'],
      ['string-1.1', '1.1', '1.1'],
    ] as const) {
      add(
        `v${slug}`,
        `version ${JSON.stringify(v)}`,
        ['VersionSpelling'],
        ['E2EE-META-150', 'E2EE-META-153'],
        { version: v },
        ok(norm, false),
      );
    }
    add(
      'v1.0-highest-index',
      'index 0 is garbage, index 1 (the highest) opens the entries',
      ['HighestIndex'],
      ['E2EE-META-153'],
      { version: 1, keys: ['garbage', 'key'] },
      ok('1.0', false),
    );
    add(
      'v1.0-highest-index-wrong-key',
      'index 0 opens the entries, index 1 (the highest, which is used) does not',
      ['HighestIndex'],
      ['E2EE-META-153'],
      { version: 1, keys: ['key', 'other'] },
      bad('AEAD_TAG_MISMATCH'),
    );
    add(
      'v1.2-checksum-mismatch',
      'a checksum that does not match',
      ['Checksum'],
      ['E2EE-META-161'],
      { checksum: 'bad' },
      bad('CHECKSUM_MISMATCH'),
    );
    add(
      'v1.2-checksum-missing',
      'no checksum, read with the mnemonic',
      ['Checksum'],
      ['E2EE-META-161'],
      { checksum: 'none' },
      bad('CHECKSUM_MISMATCH'),
    );
    add(
      'version-1.3',
      'version 1.3',
      ['Schema'],
      ['E2EE-META-150'],
      { version: 1.3 },
      bad('METADATA_VERSION_UNSUPPORTED'),
    );
    add(
      'v1.0-empty-metadataKeys',
      'version 1 with an empty metadataKeys',
      ['Schema'],
      ['E2EE-META-151'],
      { version: 1, keys: [] },
      bad('METADATA_MALFORMED'),
    );
    add(
      'v1.0-with-metadataKey',
      'version 1 with a 1.2 metadataKey',
      ['Schema'],
      ['E2EE-META-151'],
      {
        version: 1,
        editMeta: (m) =>
          (m.metadataKey = m.metadataKeys && Object.values(m.metadataKeys as Obj)[0]),
      },
      bad('METADATA_MALFORMED'),
    );
    add(
      'v1.2-with-metadataKeys',
      '1.2 with a metadataKeys map',
      ['Schema'],
      ['E2EE-META-151'],
      { editMeta: (m) => (m.metadataKeys = { '0': m.metadataKey }) },
      bad('METADATA_MALFORMED'),
    );
    add(
      'key-single-base64',
      'the wrapped plaintext is base64(K), not base64(base64(K))',
      ['KeyEncoding'],
      ['E2EE-META-154'],
      { wrapPlain: (k) => ascii(b64(k)) },
      bad('METADATA_MALFORMED'),
    );
    add(
      'key-raw',
      'the wrapped plaintext is K itself',
      ['KeyEncoding'],
      ['E2EE-META-154'],
      { wrapPlain: (k) => k },
      bad('METADATA_MALFORMED'),
    );
    add(
      'key-degenerate',
      'the unwrapped key is 16 zero bytes',
      ['KeyEncoding'],
      ['E2EE-META-154'],
      { wrapPlain: () => doubleB64(new Uint8Array(16)) },
      bad('METADATA_MALFORMED'),
    );
    add(
      'key-wrapped-for-bob',
      'the key is wrapped for bob',
      ['KeyEncoding'],
      ['E2EE-META-154'],
      { wrapFor: bob.key.spki },
      bad('KEY_UNWRAP_FAILED'),
    );
    add(
      'entry-tampered',
      "an entry's ciphertext flipped",
      ['Entry'],
      ['E2EE-META-155'],
      {
        editEntry: (e) => {
          const [c, iv] = (e.encrypted as string).split('|') as [string, string];
          const x = Buffer.from(c, 'base64');
          x[0]! ^= 1;
          e.encrypted = `${x.toString('base64')}|${iv}`;
        },
      },
      bad('AEAD_TAG_MISMATCH'),
    );
    add(
      'entry-not-base64-json',
      'an entry whose plaintext is raw JSON, not base64',
      ['Entry'],
      ['E2EE-META-155'],
      {
        editEntry: (e, key) =>
          (e.encrypted = sealEntry(
            rng,
            key,
            JSON.stringify({ filename: 'a', key: b64(rng(16)), mimetype: 'text/plain' }),
          )),
      },
      bad('METADATA_MALFORMED'),
    );
    add(
      'entry-filename-dotdot',
      'filename ".."',
      ['Entry'],
      ['E2EE-META-156'],
      {
        editEntry: (e, key) =>
          (e.encrypted = sealEntry(rng, key, {
            filename: '..',
            key: b64(rng(16)),
            mimetype: 'text/plain',
          })),
      },
      bad('METADATA_MALFORMED'),
    );
    add(
      'entry-key-15-bytes',
      'a 15-byte file key',
      ['Entry'],
      ['E2EE-META-156'],
      {
        editEntry: (e, key) =>
          (e.encrypted = sealEntry(rng, key, {
            filename: 'a',
            key: b64(rng(15)),
            mimetype: 'text/plain',
          })),
      },
      bad('METADATA_MALFORMED'),
    );
    add(
      'entry-mimetype-missing',
      'no mimetype',
      ['Entry'],
      ['E2EE-META-156'],
      {
        editEntry: (e, key) =>
          (e.encrypted = sealEntry(rng, key, { filename: 'a', key: b64(rng(16)) })),
      },
      bad('METADATA_MALFORMED'),
    );
    add(
      'entry-file-tag-12',
      'a file entry with a 12-byte payload tag',
      ['Entry'],
      ['E2EE-META-157'],
      { editEntry: (e) => (e.authenticationTag = b64(rng(12))) },
      bad('METADATA_MALFORMED'),
    );
    add(
      'entry-iv-8',
      'an 8-byte payload IV',
      ['Entry'],
      ['E2EE-META-157'],
      { editEntry: (e) => (e.initializationVector = b64(rng(8))) },
      bad('METADATA_MALFORMED'),
    );
    add(
      'entry-two-separators',
      'an encrypted field with two "|"',
      ['Entry'],
      ['E2EE-META-152'],
      { editEntry: (e) => (e.encrypted = `${e.encrypted as string}|${b64(rng(12))}`) },
      bad('METADATA_MALFORMED'),
    );
    add(
      'entry-no-separator',
      'an encrypted field with neither "|" nor fA==',
      ['Entry'],
      ['E2EE-META-152'],
      { editEntry: (e) => (e.encrypted = (e.encrypted as string).split('|')[0]!) },
      bad('METADATA_MALFORMED'),
    );

    b.group({ privateKeyPemWire: alice.key.pem, userId: 'alice', operation: 'filedrop-entry' });
    const dropEntry = (
      over: Obj = {},
      plain: Obj = {
        filename: 'upload.bin',
        key: b64(rng(16)),
        mimetype: 'application/octet-stream',
      },
    ) => {
      const k = rng(16);
      return {
        authenticationTag: b64(rng(16)),
        encrypted: sealEntry(rng, k, plain),
        encryptedKey: b64(oaepWrapSeeded(alice.key.spki, doubleB64(k), rng)),
        initializationVector: b64(rng(16)),
        ...over,
      };
    };
    {
      const plain = {
        filename: 'upload.bin',
        key: b64(rng(16)),
        mimetype: 'application/octet-stream',
      };
      const e = dropEntry({}, plain);
      b.add({
        slug: 'filedrop-entry',
        comment: 'a 1.2 filedrop entry',
        requirements: ['E2EE-META-165'],
        in: { entryWire: JSON.stringify(e) },
        expect: {
          result: 'valid',
          entry: {
            filename: plain.filename,
            mimetype: plain.mimetype,
            keyHex: hex(Buffer.from(plain.key, 'base64')),
          },
        },
      });
    }
    const drops: [string, string, Obj, 'METADATA_MALFORMED' | 'KEY_UNWRAP_FAILED', string][] = [
      [
        'filedrop-missing-encryptedKey',
        'an empty encryptedKey',
        dropEntry({ encryptedKey: '' }),
        'METADATA_MALFORMED',
        'E2EE-META-165',
      ],
      [
        'filedrop-empty-tag',
        'an empty authenticationTag',
        dropEntry({ authenticationTag: '' }),
        'METADATA_MALFORMED',
        'E2EE-META-165',
      ],
      [
        'filedrop-tag-12',
        'a 12-byte tag',
        dropEntry({ authenticationTag: b64(rng(12)) }),
        'METADATA_MALFORMED',
        'E2EE-META-165',
      ],
      [
        'filedrop-iv-8',
        'an 8-byte IV',
        dropEntry({ initializationVector: b64(rng(8)) }),
        'METADATA_MALFORMED',
        'E2EE-META-165',
      ],
      [
        'filedrop-folder',
        'an entry that decrypts to a folder',
        dropEntry({}, { filename: 'dir', key: b64(rng(16)), mimetype: FOLDER }),
        'METADATA_MALFORMED',
        'E2EE-META-166',
      ],
      [
        'filedrop-key-for-bob',
        'the entry key wrapped for bob',
        dropEntry({ encryptedKey: b64(oaepWrapSeeded(bob.key.spki, doubleB64(rng(16)), rng)) }),
        'KEY_UNWRAP_FAILED',
        'E2EE-META-154',
      ],
    ];
    for (const [slug, comment, e, error, req] of drops) {
      b.add({
        slug,
        comment,
        flags: ['Filedrop'],
        requirements: [req],
        in: { entryWire: JSON.stringify(e) },
        expect: { result: 'invalid', error },
      });
    }
    return b.file;
  },
  async run(test, group) {
    const i = test.in as { documentWire?: string; mnemonicWire?: string; entryWire?: string };
    const privateKey = privateKeyFromPem(group.params.privateKeyPemWire as string);
    return verdict(() => {
      if (group.params.operation === 'filedrop-entry') {
        const e = decryptLegacyFiledropEntry(JSON.parse(i.entryWire!), privateKey);
        return { entry: { filename: e.filename, mimetype: e.mimetype, keyHex: hex(e.key) } };
      }
      const doc = parseMetadataDocument(i.documentWire!);
      if (doc.family !== 1) throw new Error('not a legacy document');
      const v = decryptLegacyMetadata({
        document: doc,
        privateKey,
        ...(i.mnemonicWire ? { mnemonic: i.mnemonicWire } : {}),
      });
      const entries = Object.fromEntries(
        Object.entries(v.entries).map(([id, e]) => [
          id,
          { filename: e.filename, mimetype: e.mimetype, keyHex: hex(e.key) },
        ]),
      );
      return {
        version: v.version,
        metadataKeyHex: hex(v.metadataKey),
        checksumVerified: v.checksumVerified,
        entries,
      };
    });
  },
};
