import { beforeAll, describe, expect, it } from 'vitest';
import { gunzipSync, gzipSync } from 'node:zlib';
import { aesGcmDecrypt, aesGcmEncrypt } from '../../src/_internal/aesgcm.js';
import { fromBase64, toBase64 } from '../../src/_internal/bytes.js';
import { rsaOaepUnwrap } from '../../src/_internal/rsa-oaep.js';
import { decryptFile } from '../../src/files/index.js';
import { addFile, createFolder, openFolder, type FolderState } from '../../src/folders/index.js';
import { parseMetadataDocumentV2 } from '../../src/metadata/index.js';
import {
  addMember,
  createFiledropEntry,
  mergeFiledrop,
  openFiledropEntry,
} from '../../src/sharing/index.js';
import { MemoryPinStore } from '../../src/certs/index.js';
import { makeIdentity, makeServerKey } from '../_support/identities.js';
import { ctxOf, makeWorld, ServerStore, type World } from './_world.js';

const ROOT = 'fedcba9876543210fedcba9876543210';
const code = (c: string) => expect.objectContaining({ code: c });
let world: World;
let state: FolderState;
let server: ServerStore;
beforeAll(async () => {
  world = await makeWorld(['alice', 'bob', 'mallory']);
  server = new ServerStore();
  const a = ctxOf(world.users.alice!);
  let c = await createFolder(a, ROOT);
  server.record(c);
  c = await addMember(
    c.state,
    a,
    { userId: 'bob', certificate: world.users.bob!.certPem },
    {
      serverPublicKey: world.server.spkiDer,
      pins: new MemoryPinStore(),
    },
  );
  server.record(c);
  state = c.state;
});

const drop = (filename = 'upload.txt', content = new TextEncoder().encode('dropped')) =>
  createFiledropEntry({
    content,
    filename,
    mimetype: 'text/plain',
    recipients: state.members,
    serverPublicKey: world.server.spkiDer,
  });

describe('sharing/filedrop', () => {
  it('E2EE-SHARE-806: E2EE-SHARE-807: E2EE-SHARE-808: an entry has a fresh file key, a fresh 16-byte filedrop key and 12-byte nonce, wrapped for every member', () => {
    const a = drop();
    const b = drop();
    expect(a.entry.users.map((u) => u.userId)).toEqual(['alice', 'bob']);
    expect(fromBase64(a.entry.nonce, 'n')).toHaveLength(12);
    expect(a.entry.nonce).not.toBe(b.entry.nonce);
    const keys = a.entry.users.map((u) =>
      rsaOaepUnwrap(world.users[u.userId]!.pkcs8, fromBase64(u.encryptedFiledropKey, 'k')),
    );
    expect(keys[0]).toHaveLength(16);
    expect(keys[0]).toEqual(keys[1]);
    const sealed = fromBase64(a.entry.ciphertext, 'c');
    expect(toBase64(sealed.subarray(sealed.length - 16))).toBe(a.entry.authenticationTag);
    const inner = JSON.parse(
      gunzipSync(aesGcmDecrypt(keys[0]!, fromBase64(a.entry.nonce, 'n'), sealed)).toString('utf8'),
    );
    expect(Object.keys(inner).sort()).toEqual([
      'authenticationTag',
      'filename',
      'key',
      'mimetype',
      'nonce',
    ]);
    const fb = openFiledropEntry(b.entry, { userId: 'bob', privateKey: world.users.bob!.pkcs8 });
    expect(toBase64(fb.key)).not.toBe(inner.key);
    expect(
      new TextDecoder().decode(
        decryptFile(a.body, {
          key: fromBase64(inner.key, 'k'),
          nonce: fromBase64(inner.nonce, 'n'),
        }),
      ),
    ).toBe('dropped');
  });

  it('E2EE-SHARE-032: only the own wrapped key is used; tampering is AEAD_TAG_MISMATCH; desktop |nonce suffix tolerated', () => {
    const { entry } = drop();
    const mallory = world.users.mallory!;
    expect(() =>
      openFiledropEntry(entry, { userId: 'mallory', privateKey: mallory.pkcs8 }),
    ).toThrow(code('METADATA_KEY_MISSING'));
    // mallory renamed into bob's slot: the unwrap with mallory's key fails.
    const relabelled = {
      ...entry,
      users: entry.users.map((u) => (u.userId === 'bob' ? { ...u, userId: 'mallory' } : u)),
    };
    expect(() =>
      openFiledropEntry(relabelled, { userId: 'mallory', privateKey: mallory.pkcs8 }),
    ).toThrow(code('KEY_UNWRAP_FAILED'));
    const sealed = fromBase64(entry.ciphertext, 'c');
    for (const at of [0, 5, sealed.length - 17, sealed.length - 1]) {
      const bad = sealed.slice();
      bad[at]! ^= 1;
      expect(() =>
        openFiledropEntry(
          { ...entry, ciphertext: toBase64(bad) },
          { userId: 'bob', privateKey: world.users.bob!.pkcs8 },
        ),
      ).toThrow(code('AEAD_TAG_MISMATCH'));
    }
    const suffixed = { ...entry, ciphertext: `${entry.ciphertext}|${entry.nonce}` };
    expect(
      openFiledropEntry(suffixed, { userId: 'bob', privateKey: world.users.bob!.pkcs8 }).filename,
    ).toBe('upload.txt');
    expect(() =>
      openFiledropEntry(
        { ...entry, users: [] },
        { userId: 'bob', privateKey: world.users.bob!.pkcs8 },
      ),
    ).toThrow(code('METADATA_MALFORMED'));
  });

  it('E2EE-SHARE-033: a decrypted entry with an unsafe name or a degenerate key is METADATA_MALFORMED', () => {
    const { entry } = drop();
    const key = rsaOaepUnwrap(
      world.users.bob!.pkcs8,
      fromBase64(entry.users[1]!.encryptedFiledropKey, 'k'),
    );
    const nonce = fromBase64(entry.nonce, 'n');
    const reseal = (json: unknown) => {
      const sealed = aesGcmEncrypt(key, nonce, new Uint8Array(gzipSync(JSON.stringify(json))));
      return {
        ...entry,
        ciphertext: toBase64(sealed),
        authenticationTag: toBase64(sealed.subarray(sealed.length - 16)),
      };
    };
    const good = {
      authenticationTag: toBase64(new Uint8Array(16).fill(3)),
      filename: 'x',
      key: toBase64(new Uint8Array(16).fill(7).map((v, i) => v + i)),
      mimetype: 'a/b',
      nonce: toBase64(new Uint8Array(12).map((_, i) => i)),
    };
    expect(
      openFiledropEntry(reseal(good), { userId: 'bob', privateKey: world.users.bob!.pkcs8 })
        .filename,
    ).toBe('x');
    for (const bad of [
      { ...good, filename: '../x' },
      { ...good, key: toBase64(new Uint8Array(16)) },
      { ...good, key: 'AAAA' },
      { filename: 'x' },
    ]) {
      expect(() =>
        openFiledropEntry(reseal(bad), { userId: 'bob', privateKey: world.users.bob!.pkcs8 }),
      ).toThrow(code('METADATA_MALFORMED'));
    }
  });

  it('E2EE-SHARE-034: E2EE-SHARE-035: merge moves valid entries into files as a signed update (counter + 1, filedrop emptied) and drops the others', async () => {
    const good = drop('report.pdf');
    const dup = drop('report.pdf');
    const forMallory = createFiledropEntry({
      content: new Uint8Array(3),
      filename: 'm',
      recipients: [{ userId: 'mallory', certificate: world.users.mallory!.certPem }],
    });
    const foreignServer = await makeIdentity('bob', makeServerKey());
    expect(() =>
      createFiledropEntry({
        content: new Uint8Array(1),
        filename: 'z',
        recipients: [{ userId: 'bob', certificate: foreignServer.certPem }],
        serverPublicKey: world.server.spkiDer,
      }),
    ).toThrow(code('CERT_UNTRUSTED'));
    const existing = Object.keys(state.docs[ROOT]!.files);
    const withFile = await addFile(state, ctxOf(world.users.alice!), {
      folderId: ROOT,
      filename: 'own',
      content: new Uint8Array(2),
    });
    const r = await mergeFiledrop(withFile.state, ctxOf(world.users.bob!), {
      [good.fileId]: good.entry,
      [dup.fileId]: dup.entry,
      [forMallory.fileId]: forMallory.entry,
      [withFile.fileId]: good.entry,
      junk: { nonsense: true },
    });
    expect(existing).toEqual([]);
    expect(r.merged.sort()).toEqual([good.fileId, dup.fileId].sort());
    expect(Object.fromEntries(r.rejected.map((x) => [x.id, x.code]))).toEqual({
      [forMallory.fileId]: 'METADATA_KEY_MISSING',
      [withFile.fileId]: 'ALREADY_EXISTS',
      junk: 'METADATA_MALFORMED',
    });
    const names = Object.values(r.state.docs[ROOT]!.files)
      .map((f) => f.filename)
      .sort();
    expect(names).toEqual(['own', 'report.pdf', 'report.pdf (2)']);
    expect(r.metadata).toHaveLength(1);
    expect(r.metadata[0]!.counter).toBe(withFile.state.docs[ROOT]!.counter + 1);
    expect(parseMetadataDocumentV2(r.metadata[0]!.document).filedrop).toBeUndefined();
    expect(r.state.filedrop).toEqual({});
    server.record(r);
    const opened = await openFolder({
      rootId: ROOT,
      root: server.docs.get(ROOT)!,
      userId: 'alice',
      privateKey: world.users.alice!.pkcs8,
      serverPublicKey: world.server.spkiDer,
    });
    const f = opened.docs[ROOT]!.files[good.fileId]!;
    expect(
      new TextDecoder().decode(
        decryptFile(good.body, { key: f.key, nonce: f.nonce, tag: f.authenticationTag }),
      ),
    ).toBe('dropped');
  });

  it('E2EE-SHARE-034: an entry whose id is __proto__ is merged as an ordinary entry, not lost', async () => {
    const d = drop('proto.txt');
    // JSON.parse makes "__proto__" an own key, as a fetched document would.
    const filedrop = JSON.parse(`{"__proto__": ${JSON.stringify(d.entry)}}`) as Record<
      string,
      unknown
    >;
    const r = await mergeFiledrop(state, ctxOf(world.users.bob!), filedrop);
    expect(r.merged).toEqual(['__proto__']);
    expect(Object.hasOwn(r.state.docs[ROOT]!.files, '__proto__')).toBe(true);
    const opened = await openFolder({
      rootId: ROOT,
      root: { document: r.metadata[0]!.document, signature: r.metadata[0]!.signature },
      userId: 'alice',
      privateKey: world.users.alice!.pkcs8,
      serverPublicKey: world.server.spkiDer,
    });
    expect(Object.hasOwn(opened.docs[ROOT]!.files, '__proto__')).toBe(true);
    expect(opened.docs[ROOT]!.files['__proto__']!.filename).toBe('proto.txt');
  });
});
