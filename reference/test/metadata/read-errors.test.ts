/**
 * Metadata 2.x reading and writing: one unit test per documented rejection, in the order of
 * spec/05-metadata.md §3–§6.
 */
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { fromBase64, sha256Hex, toBase64 } from '../../src/_internal/bytes.js';
import { rsaOaepWrap } from '../../src/_internal/rsa-oaep.js';
import { parseCertificate } from '../../src/certs/index.js';
import {
  decryptMetadata,
  encryptMetadata,
  newInner,
  newMetadataKey,
  nextInner,
  parseMetadataDocument,
  validateFiledropEntryShape,
} from '../../src/metadata/index.js';
import { makeIdentity, makeServerKey } from '../_support/identities.js';
import { makeMembers, sampleInnerJson, seal, type Identity, type ServerKey } from './_support.js';

let server: ServerKey;
let alice: Identity;
let bob: Identity;
let otherServerAlice: Identity;
let secondAlice: Identity;
const key = new Uint8Array(16).map((_, i) => 7 * i + 1);

beforeAll(async () => {
  const m = await makeMembers(2);
  server = m.server;
  [alice, bob] = m.members as [Identity, Identity];
  otherServerAlice = await makeIdentity('alice', makeServerKey());
  secondAlice = await makeIdentity('alice', server);
});

const code = (code: string) => expect.objectContaining({ code });
const good = () => seal({ inner: sampleInnerJson(key), key, members: [alice, bob] });
const edit = (text: string, f: (j: any) => void) => {
  const j = JSON.parse(text);
  f(j);
  return JSON.stringify(j);
};
const readAs = (text: string, who = alice, extra: object = {}) =>
  decryptMetadata({ document: text, userId: who.userId, privateKey: who.pkcs8, ...extra });

describe('parsing the outer document', () => {
  it('E2EE-META-001: not JSON, or not an object', () => {
    for (const t of ['', '{', 'null', '[]', '"x"', '42'])
      expect(() => parseMetadataDocument(t)).toThrow(code('METADATA_MALFORMED'));
  });

  it(
    'a 2.x document is read by the rules of its signed text',
    {
      meta: {
        requirements: [
          'E2EE-META-003',
          'E2EE-META-100',
          'E2EE-META-102',
          'E2EE-META-103',
          'E2EE-META-109',
        ],
      },
    },
    () => {
      const t = good();
      expect(t).toContain('"version":"2.0"');
      expect(t).toContain('"userId":"alice"');
      const bad = [
        t.replace('{', '{"version":"2.0",'), // a duplicate key
        t.replace('"version":"2.0"', '"version":2.0'),
        t.replace('"version":"2.0"', '"version":2.10'),
        t.replace('"version":"2.0"', '"version":2.1e0'),
        t.replace('"userId":"alice"', '"userId":"alice\ud800"'),
      ];
      for (const b of bad)
        expect(() => parseMetadataDocument(b), b).toThrow(code('METADATA_MALFORMED'));
      expect(parseMetadataDocument(t.replace('"version":"2.0"', '"version":2.1')).version).toBe(
        '2.1',
      );
      // Inside the unsigned filedrop only RFC 8259 syntax counts (E2EE-META-014, E2EE-META-105).
      const drop = '"filedrop":{"x":{"n":2.0,"n":1e400,"s":"\udc00"}}';
      expect(parseMetadataDocument(t.replace(/}$/, `,${drop}}`)).family).toBe(2);
    },
  );

  it('E2EE-META-013: the inner document is authenticated, not signed: RFC 8259 syntax is enough there', () => {
    const json = JSON.stringify(sampleInnerJson(key)).replace(
      '"counter":3',
      '"counter":3.0,"x":1,"x":2',
    );
    expect(json).toContain('"x":1,"x":2');
    const t = seal({ inner: new Uint8Array(gzipSync(json)), key, members: [alice, bob] });
    expect(readAs(t).inner.counter).toBe(3);
  });

  it('E2EE-META-002: no version at either level', () => {
    const t = edit(good(), (j) => delete j.version);
    expect(() => parseMetadataDocument(t)).toThrow(code('METADATA_MALFORMED'));
  });

  it('E2EE-META-003: other top-level versions are METADATA_VERSION_UNSUPPORTED', () => {
    for (const v of ['2.2', '3', 3, '1.2', 1, '2.0 ', 'v2', 2.0001, null, true]) {
      const t = edit(good(), (j) => (j.version = v));
      expect(() => parseMetadataDocument(t)).toThrow(code('METADATA_VERSION_UNSUPPORTED'));
    }
  });

  it('E2EE-META-808: E2EE-META-809: missing, null, empty or mistyped crypto fields are rejected before use, never defaulted', () => {
    const fields: [string, (j: any) => any][] = [
      ['metadata', (j) => j],
      ['ciphertext', (j) => j.metadata],
      ['nonce', (j) => j.metadata],
      ['authenticationTag', (j) => j.metadata],
      ['userId', (j) => j.users[0]],
      ['certificate', (j) => j.users[0]],
      ['encryptedMetadataKey', (j) => j.users[0]],
    ];
    for (const [name, parent] of fields) {
      for (const value of [undefined, null, '', 0, {}, [], true]) {
        const t = edit(good(), (j) => {
          if (value === undefined) delete parent(j)[name];
          else parent(j)[name] = value;
        });
        expect(() => readAs(t), `${name}=${JSON.stringify(value)}`).toThrow(
          expect.objectContaining({
            code: expect.stringMatching(/^(METADATA_MALFORMED|PEM_MALFORMED)$/),
          }),
        );
      }
    }
  });

  it('E2EE-META-005: non-canonical base64 is rejected', () => {
    const t = edit(good(), (j) => {
      // 12-byte nonce: 16 chars, no padding; change the last char's low bits is still canonical,
      // so use a padded field: the tag, whose last char before '==' must have 4 zero bits.
      const tag: string = j.metadata.authenticationTag;
      const last = tag[21]!;
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
      j.metadata.authenticationTag = tag.slice(0, 21) + alphabet[alphabet.indexOf(last) ^ 1] + '==';
    });
    expect(() => parseMetadataDocument(t)).toThrow(code('METADATA_MALFORMED'));
    const ws = edit(good(), (j) => (j.metadata.nonce = ' ' + j.metadata.nonce));
    expect(() => parseMetadataDocument(ws)).toThrow(code('METADATA_MALFORMED'));
  });

  it('E2EE-META-006: a suffix that differs from the nonce, or two suffixes', () => {
    const t = seal({ inner: sampleInnerJson(key), key, members: [alice], suffix: true });
    const other = edit(t, (j) => {
      const [ct, iv] = j.metadata.ciphertext.split('|');
      const b = fromBase64(iv, 'iv');
      b[0] ^= 1;
      j.metadata.ciphertext = `${ct}|${toBase64(b)}`;
    });
    expect(() => parseMetadataDocument(other)).toThrow(code('METADATA_MALFORMED'));
    const two = edit(t, (j) => (j.metadata.ciphertext += '|' + j.metadata.nonce));
    expect(() => parseMetadataDocument(two)).toThrow(code('METADATA_MALFORMED'));
  });

  it('E2EE-META-007: a tag copy that differs, or a ciphertext of 16 bytes or less', () => {
    const t = edit(good(), (j) => {
      const tag = fromBase64(j.metadata.authenticationTag, 't');
      tag[15] ^= 0x80;
      j.metadata.authenticationTag = toBase64(tag);
    });
    expect(() => parseMetadataDocument(t)).toThrow(code('METADATA_MALFORMED'));
    const short = edit(good(), (j) => {
      j.metadata.ciphertext = j.metadata.authenticationTag;
    });
    expect(() => parseMetadataDocument(short)).toThrow(code('METADATA_MALFORMED'));
  });

  it('E2EE-META-008: nonces of other lengths and tags that are not 16 bytes', () => {
    for (const n of [0, 8, 11, 13, 15, 17, 32]) {
      const t = edit(good(), (j) => (j.metadata.nonce = toBase64(new Uint8Array(n).fill(9))));
      expect(() => parseMetadataDocument(t), `nonce ${n}`).toThrow(code('METADATA_MALFORMED'));
    }
    const t = edit(
      good(),
      (j) => (j.metadata.authenticationTag = toBase64(new Uint8Array(12).fill(1))),
    );
    expect(() => parseMetadataDocument(t)).toThrow(code('METADATA_MALFORMED'));
  });

  it('E2EE-META-010: a user id listed twice', () => {
    const t = edit(good(), (j) => j.users.push({ ...j.users[0] }));
    expect(() => parseMetadataDocument(t)).toThrow(code('METADATA_MALFORMED'));
  });

  it('E2EE-META-011: a certificate that is not PEM or not X.509, a wrapped key of the wrong length', () => {
    expect(() =>
      parseMetadataDocument(edit(good(), (j) => (j.users[1].certificate = 'hello'))),
    ).toThrow(code('PEM_MALFORMED'));
    const notX509 = `-----BEGIN CERTIFICATE-----\n${toBase64(new Uint8Array(64).fill(3))}\n-----END CERTIFICATE-----\n`;
    expect(() =>
      parseMetadataDocument(edit(good(), (j) => (j.users[1].certificate = notX509))),
    ).toThrow(code('CERT_MALFORMED'));
    for (const n of [255, 257, 128, 512]) {
      const t = edit(
        good(),
        (j) => (j.users[1].encryptedMetadataKey = toBase64(new Uint8Array(n).fill(5))),
      );
      expect(() => parseMetadataDocument(t), `${n}`).toThrow(code('METADATA_MALFORMED'));
    }
  });

  it('E2EE-META-012: 1.x members inside a 2.x `metadata` object', () => {
    for (const [k, v] of [
      ['metadataKey', 'AAAA'],
      ['metadataKeys', { 0: 'AAAA' }],
      ['version', 1.2],
    ] as const) {
      const t = edit(good(), (j) => (j.metadata[k] = v));
      expect(() => parseMetadataDocument(t), k).toThrow(code('METADATA_MALFORMED'));
    }
  });

  it('E2EE-META-014: `filedrop` must be an object; its entries are not judged by the parser', () => {
    for (const v of [[], 'x', 1, null]) {
      const t = edit(good(), (j) => (j.filedrop = v));
      expect(() => parseMetadataDocument(t)).toThrow(code('METADATA_MALFORMED'));
    }
    const t = edit(good(), (j) => (j.filedrop = { abc: { ciphertext: 7 } }));
    expect(readAs(t).inner.counter).toBe(3);
    expect(() => validateFiledropEntryShape({ ciphertext: 7 }, 'abc')).toThrow(
      code('METADATA_MALFORMED'),
    );
    expect(() =>
      validateFiledropEntryShape({
        ciphertext: toBase64(new Uint8Array(40).fill(1)),
        nonce: toBase64(new Uint8Array(12).fill(2)),
        authenticationTag: toBase64(new Uint8Array(16).fill(3)),
        users: [{ userId: 'alice', encryptedFiledropKey: toBase64(new Uint8Array(256).fill(4)) }],
      }),
    ).not.toThrow();
  });
});

describe('the inner document', () => {
  const withInner = (f: (j: any) => void, sub = false) => {
    const inner = sampleInnerJson(key);
    f(inner);
    return sub ? seal({ inner, key }) : seal({ inner, key, members: [alice] });
  };
  const fileId = '8c1a3b7f0e2d4c6a9b5e7f1d3c5a7e9b';

  it('E2EE-META-020: schema violations of the inner document', () => {
    const bad: ((j: any) => void)[] = [
      (j) => (j.counter = -1),
      (j) => (j.counter = 1.5),
      (j) => (j.counter = '5'),
      (j) => (j.counter = 2 ** 53),
      (j) => delete j.counter,
      (j) => delete j.files,
      (j) => (j.folders = []),
      (j) => delete j.files[fileId].key,
      (j) => (j.files[fileId].key = toBase64(new Uint8Array(15).fill(4))),
      (j) => (j.files[fileId].nonce = toBase64(new Uint8Array(8).fill(4))),
      (j) => (j.files[fileId].authenticationTag = null),
      (j) => (j.files[fileId].filename = ''),
      (j) => (j.files[fileId].mimetype = 3),
      (j) => (j.folders.x = ''),
      (j) => (j.keyChecksums = ['abc']),
      (j) => (j.keyChecksums = 'x'),
      (j) => (j.deleted = 'no'),
    ];
    for (const [i, f] of bad.entries()) {
      expect(() => readAs(withInner(f)), `case ${i}`).toThrow(code('METADATA_MALFORMED'));
    }
  });

  it('E2EE-META-811: E2EE-META-812: bad gzip, bad UTF-8, bad JSON, a non-object, and a gzip bomb, after authentication', () => {
    const bodies = [
      new TextEncoder().encode(JSON.stringify(sampleInnerJson(key))), // not gzipped
      new Uint8Array(gzipSync(Buffer.from([0xff, 0xfe, 0x7b]))),
      new Uint8Array(gzipSync(Buffer.from('{"counter": 1,'))),
      new Uint8Array(gzipSync(Buffer.from('[1,2]'))),
      new Uint8Array(gzipSync(Buffer.alloc(65 * 1024 * 1024, 0x20))),
    ];
    for (const [i, inner] of bodies.entries()) {
      expect(() => readAs(seal({ inner, key, members: [alice] })), `case ${i}`).toThrow(
        code('METADATA_MALFORMED'),
      );
    }
  });

  it('E2EE-META-023: one id as file and folder', () => {
    expect(() => readAs(withInner((j) => (j.folders[fileId] = 'Twin')))).toThrow(
      code('METADATA_MALFORMED'),
    );
  });

  it('E2EE-META-024: unsafe ids and names', () => {
    for (const n of ['..', '.', 'a/b', '../../etc/passwd', 'a\\b', 'nul\0']) {
      expect(() => readAs(withInner((j) => (j.files[fileId].filename = n))), `file ${n}`).toThrow(
        code('METADATA_MALFORMED'),
      );
      expect(() => readAs(withInner((j) => (j.folders.abc = n))), `folder ${n}`).toThrow(
        code('METADATA_MALFORMED'),
      );
      expect(() => readAs(withInner((j) => (j.folders[n] = 'x'))), `id ${n}`).toThrow(
        code('METADATA_MALFORMED'),
      );
    }
    expect(() => readAs(withInner((j) => (j.folders['a'.repeat(256)] = 'x')))).toThrow(
      code('METADATA_MALFORMED'),
    );
  });

  it('E2EE-META-025: degenerate file keys and nonces', () => {
    for (const f of [
      (j: any) => (j.files[fileId].key = toBase64(new Uint8Array(16))),
      (j: any) => (j.files[fileId].key = toBase64(new Uint8Array(16).fill(0xff))),
      (j: any) => (j.files[fileId].nonce = toBase64(new Uint8Array(12))),
    ]) {
      expect(() => readAs(withInner(f))).toThrow(code('METADATA_MALFORMED'));
    }
  });
});

describe('reading', () => {
  it('E2EE-META-040: a parse fault is reported before a missing key, a missing key before trust', () => {
    const t = edit(good(), (j) => {
      j.metadata.authenticationTag = toBase64(new Uint8Array(16).fill(1));
    });
    expect(() => readAs(t, { ...alice, userId: 'nobody' })).toThrow(code('METADATA_MALFORMED'));
    const untrusted = seal({ inner: sampleInnerJson(key), key, members: [otherServerAlice, bob] });
    expect(() =>
      decryptMetadata({
        document: untrusted,
        userId: 'carol',
        privateKey: alice.pkcs8,
        serverPublicKey: server.spkiDer,
      }),
    ).toThrow(code('METADATA_KEY_MISSING'));
    expect(() =>
      decryptMetadata({
        document: untrusted,
        userId: 'bob',
        privateKey: bob.pkcs8,
        serverPublicKey: server.spkiDer,
      }),
    ).toThrow(code('CERT_UNTRUSTED'));
  });

  it('E2EE-META-814: no entry for this user, or no users at all, is METADATA_KEY_MISSING', () => {
    expect(() => readAs(good(), { ...alice, userId: 'carol' })).toThrow(
      code('METADATA_KEY_MISSING'),
    );
    for (const usersEmpty of [true, false]) {
      const t = seal({ inner: sampleInnerJson(key), key, usersEmpty });
      expect(() => readAs(t)).toThrow(code('METADATA_KEY_MISSING'));
    }
  });

  it('E2EE-META-042: a sub-folder document that lists users', () => {
    expect(() =>
      decryptMetadata({ document: good(), userId: 'alice', rootMetadataKey: key }),
    ).toThrow(code('METADATA_MALFORMED'));
  });

  it('E2EE-META-043: member certificates not issued by the pinned server key, or for another user', () => {
    const untrusted = seal({ inner: sampleInnerJson(key), key, members: [otherServerAlice, bob] });
    expect(() => readAs(untrusted, bob)).not.toThrow(); // without the server key: the caller's job
    expect(() => readAs(untrusted, bob, { serverPublicKey: server.spkiDer })).toThrow(
      code('CERT_UNTRUSTED'),
    );
    const swapped = edit(good(), (j) => (j.users[1].certificate = j.users[0].certificate));
    expect(() => readAs(swapped, alice, { serverPublicKey: server.spkiDer })).toThrow(
      code('CERT_USER_MISMATCH'),
    );
  });

  it('E2EE-META-045: this user listed with a certificate for another key', () => {
    const t = edit(good(), (j) => (j.users[0].certificate = secondAlice.certPem));
    expect(() => readAs(t, alice, { serverPublicKey: server.spkiDer })).toThrow(
      code('KEY_MISMATCH'),
    );
  });

  it('E2EE-META-045: the own-key check holds without a server key too (it is no option)', () => {
    const t = edit(good(), (j) => (j.users[0].certificate = secondAlice.certPem));
    expect(() => readAs(t, alice)).toThrow(code('KEY_MISMATCH'));
    // Another member's foreign certificate is the trust check's concern, not this one's.
    const other = edit(good(), (j) => (j.users[1].certificate = secondAlice.certPem));
    expect(() => readAs(other, alice)).not.toThrow();
  });

  it('E2EE-META-046: unwrap failure, and unwrapped keys of the wrong length or degenerate', () => {
    const t = edit(
      good(),
      (j) => (j.users[0].encryptedMetadataKey = j.users[1].encryptedMetadataKey),
    );
    expect(() => readAs(t)).toThrow(code('KEY_UNWRAP_FAILED'));
    let err: unknown;
    try {
      readAs(t);
    } catch (e) {
      err = e;
    }
    expect((err as Error).message).toBe(
      'authentication failed: the wrapped key cannot be unwrapped with this key',
    );
    const spki = parseCertificate(alice.certPem).spki;
    for (const k of [
      new Uint8Array(15).fill(1),
      new Uint8Array(32).fill(2).map((x, i) => x + i),
      new Uint8Array(16),
    ]) {
      const w = edit(
        good(),
        (j) => (j.users[0].encryptedMetadataKey = toBase64(rsaOaepWrap(spki, k))),
      );
      expect(() => readAs(w), `${k.length}`).toThrow(code('METADATA_MALFORMED'));
    }
  });

  it('E2EE-META-815: a modified ciphertext or nonce is AEAD_TAG_MISMATCH', () => {
    const t = edit(good(), (j) => {
      const ct = fromBase64(j.metadata.ciphertext, 'c');
      ct[0] ^= 1;
      j.metadata.ciphertext = toBase64(ct);
    });
    expect(() => readAs(t)).toThrow(code('AEAD_TAG_MISMATCH'));
    const n = edit(good(), (j) => {
      const b = fromBase64(j.metadata.nonce, 'n');
      b[0] ^= 1;
      j.metadata.nonce = toBase64(b);
    });
    expect(() => readAs(n)).toThrow(code('AEAD_TAG_MISMATCH'));
    expect(() =>
      decryptMetadata({
        document: seal({ inner: sampleInnerJson(key), key }),
        userId: 'a',
        rootMetadataKey: key.map((x) => x ^ 1),
      }),
    ).toThrow(code('AEAD_TAG_MISMATCH'));
  });

  it('E2EE-META-048: a root key that keyChecksums does not list', () => {
    const inner = {
      ...sampleInnerJson(key),
      keyChecksums: [sha256Hex(new Uint8Array(16).fill(9))],
    };
    expect(() => readAs(seal({ inner, key, members: [alice] }))).toThrow(
      code('METADATA_KEY_UNKNOWN'),
    );
    const none = { ...sampleInnerJson(key) } as Record<string, unknown>;
    delete none.keyChecksums;
    expect(() => readAs(seal({ inner: none, key, members: [alice] }))).toThrow(
      code('METADATA_KEY_UNKNOWN'),
    );
  });
});

describe('writing', () => {
  const users = () => [{ userId: 'alice', certificate: alice.certPem }];

  it('E2EE-META-027: a sub-folder document with key checksums is refused', () => {
    expect(() => encryptMetadata({ inner: newInner(key), metadataKey: key })).toThrow(
      code('INPUT_MALFORMED'),
    );
  });

  it('E2EE-META-030: an inner document a reader would reject is refused', () => {
    const inner = nextInner(newInner(key), { folders: { '..': 'x' } });
    expect(() => encryptMetadata({ inner, metadataKey: key, users: users() })).toThrow(
      code('METADATA_MALFORMED'),
    );
    const badKey = {
      ...newInner(key),
      files: {
        abc: {
          filename: 'a',
          mimetype: '',
          key: new Uint8Array(15),
          nonce: new Uint8Array(12).fill(1),
          authenticationTag: new Uint8Array(16),
        },
      },
    };
    expect(() => encryptMetadata({ inner: badKey, metadataKey: key, users: users() })).toThrow(
      code('METADATA_MALFORMED'),
    );
  });

  it('E2EE-META-033: degenerate metadata keys are refused; new keys are 16 random bytes', () => {
    expect(() =>
      encryptMetadata({
        inner: newInner(new Uint8Array(16)),
        metadataKey: new Uint8Array(16),
        users: users(),
      }),
    ).toThrow(code('INPUT_MALFORMED'));
    expect(() => newMetadataKey(() => new Uint8Array(16))).toThrow(RangeError);
    const keys = new Set(Array.from({ length: 50 }, () => toBase64(newMetadataKey())));
    expect(keys.size).toBe(50);
  });

  it('E2EE-META-034: a root document whose keyChecksums lacks its key is refused', () => {
    expect(() => encryptMetadata({ inner: newInner(), metadataKey: key, users: users() })).toThrow(
      code('METADATA_KEY_UNKNOWN'),
    );
  });

  it('E2EE-META-035: a certificate naming another user is refused', () => {
    expect(() =>
      encryptMetadata({
        inner: newInner(key),
        metadataKey: key,
        users: [{ userId: 'bob', certificate: alice.certPem }],
      }),
    ).toThrow(code('CERT_USER_MISMATCH'));
    expect(() =>
      encryptMetadata({ inner: newInner(key), metadataKey: key, users: [...users(), ...users()] }),
    ).toThrow(code('INPUT_MALFORMED'));
    expect(() => encryptMetadata({ inner: newInner(key), metadataKey: key, users: [] })).toThrow(
      code('INPUT_MALFORMED'),
    );
  });

  it('E2EE-META-036 E2EE-META-037: counter + 1, checksums kept in order and appended on rotation', () => {
    const k1 = newMetadataKey();
    const k2 = newMetadataKey();
    const first = newInner(k1);
    expect(first.counter).toBe(1);
    const second = nextInner(first, { newMetadataKey: k2 });
    expect(second.counter).toBe(2);
    expect(second.keyChecksums).toEqual([sha256Hex(k1), sha256Hex(k2)]);
    const third = nextInner(second, { folders: { a: 'A' } });
    expect(third.counter).toBe(3);
    expect(third.keyChecksums).toEqual(second.keyChecksums);
    expect(third.folders).toEqual({ a: 'A' });
  });
});
