/**
 * Metadata 2.x: encrypt/decrypt round trips for root folders with 1–3 members and for
 * sub-folders, every real-client form of the outer document (12/16-byte nonce, `|nonce` suffix,
 * version spellings, `users: []`), and properties over random inner documents.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/_internal/bytes.js';
import {
  decryptMetadata,
  encryptMetadata,
  innerToJson,
  newInner,
  newMetadataKey,
  nextInner,
  parseMetadataDocument,
  type InnerMetadata,
} from '../../src/metadata/index.js';
import { canonicalMetadataJson, signMetadata } from '../../src/signature/index.js';
import { openFolder } from '../../src/folders/index.js';
import {
  arbInner,
  makeMembers,
  sampleInnerJson,
  seal,
  type Identity,
  type ServerKey,
} from './_support.js';

let server: ServerKey;
let members: Identity[];

beforeAll(async () => {
  ({ server, members } = await makeMembers(4));
});

const wire = (i: InnerMetadata) => JSON.parse(JSON.stringify(innerToJson(i)));

describe('metadata 2.x round trip', () => {
  for (const n of [1, 2, 3]) {
    it(`E2EE-META-035 E2EE-META-813 E2EE-META-043: ${n} member(s) each decrypt what was written`, () => {
      const key = newMetadataKey();
      const inner = nextInner(newInner(key), { folders: { abcd: 'Docs' } });
      const { text, document } = encryptMetadata({
        inner,
        metadataKey: key,
        users: members.slice(0, n).map((m) => ({ userId: m.userId, certificate: m.certPem })),
      });
      expect(document.users.map((u) => u.userId)).toEqual(members.slice(0, n).map((m) => m.userId));
      for (const m of members.slice(0, n)) {
        const d = decryptMetadata({
          document: text,
          userId: m.userId,
          privateKey: m.pkcs8,
          serverPublicKey: server.spkiDer,
        });
        expect(d.metadataKey).toEqual(key);
        expect(wire(d.inner)).toEqual(wire(inner));
        expect(d.version).toBe('2.0');
      }
    });
  }

  it('E2EE-META-031: the writer form is sorted compact JSON, version 2.0, 12-byte nonce, no suffix', () => {
    const key = newMetadataKey();
    const { text, document } = encryptMetadata({
      inner: newInner(key),
      metadataKey: key,
      users: [{ userId: members[0]!.userId, certificate: members[0]!.certPem }],
    });
    const json = JSON.parse(text);
    expect(Object.keys(json)).toEqual(['metadata', 'users', 'version']);
    expect(Object.keys(json.metadata)).toEqual(['authenticationTag', 'ciphertext', 'nonce']);
    expect(Object.keys(json.users[0])).toEqual(['certificate', 'encryptedMetadataKey', 'userId']);
    expect(text).toBe(JSON.stringify(json));
    expect(json.version).toBe('2.0');
    expect(json.metadata.ciphertext).not.toContain('|');
    expect(document.nonce.length).toBe(12);
    expect(document.nonceSuffix).toBe(false);
  });

  it('E2EE-META-031: a public-share member makes the document 2.1', () => {
    const key = newMetadataKey();
    const { document } = encryptMetadata({
      inner: newInner(key),
      metadataKey: key,
      users: [members[0]!, members[3]!].map((m) => ({ userId: m.userId, certificate: m.certPem })),
    });
    expect(document.version).toBe('2.1');
    const d = decryptMetadata({
      document: document,
      userId: 's:linkshare1',
      privateKey: members[3]!.pkcs8,
    });
    expect(d.version).toBe('2.1');
  });

  it('E2EE-META-032: every write draws a fresh nonce', () => {
    const key = newMetadataKey();
    const inner = newInner(key);
    const users = [{ userId: members[0]!.userId, certificate: members[0]!.certPem }];
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) {
      seen.add(
        Buffer.from(encryptMetadata({ inner, metadataKey: key, users }).document.nonce).toString(
          'hex',
        ),
      );
    }
    expect(seen.size).toBe(20);
  });

  it('E2EE-META-038 E2EE-META-042: a sub-folder document has no users and opens with the root key', () => {
    const rootKey = newMetadataKey();
    const { text, document } = encryptMetadata({ inner: newInner(), metadataKey: rootKey });
    expect(JSON.parse(text)).not.toHaveProperty('users');
    expect(document.usersPresent).toBe(false);
    const d = decryptMetadata({ document: text, userId: 'bob', rootMetadataKey: rootKey });
    expect(d.inner.keyChecksums).toEqual([]);
  });

  describe('real-client forms (named tolerances)', () => {
    const key = new Uint8Array(16).map((_, i) => 100 + i);
    const cases = [
      {
        name: 'web: 12-byte nonce, no suffix, "2.0"',
        nonceLength: 12,
        suffix: false,
        version: '2.0',
      },
      {
        name: 'desktop/iOS/Android: 16-byte nonce with |nonce suffix',
        nonceLength: 16,
        suffix: true,
        version: '2.0',
      },
      {
        name: '16-byte nonce without suffix, version "2"',
        nonceLength: 16,
        suffix: false,
        version: '2',
      },
      {
        name: '12-byte nonce with suffix, version number 2',
        nonceLength: 12,
        suffix: true,
        version: 2,
      },
      { name: 'desktop on a 2.1 server: "2.1"', nonceLength: 16, suffix: true, version: '2.1' },
      { name: 'version number 2.1', nonceLength: 12, suffix: false, version: 2.1 },
    ] as const;
    for (const c of cases) {
      it(`E2EE-META-003 E2EE-META-006 E2EE-META-008: ${c.name}`, () => {
        const text = seal({
          inner: sampleInnerJson(key),
          key,
          members: members.slice(0, 2),
          nonceLength: c.nonceLength,
          suffix: c.suffix,
          version: c.version,
        });
        const doc = parseMetadataDocument(text);
        expect(doc.family).toBe(2);
        const d = decryptMetadata({ document: text, userId: 'bob', privateKey: members[1]!.pkcs8 });
        expect(d.version).toBe(String(c.version).startsWith('2.1') ? '2.1' : '2.0');
        expect(d.inner.files['8c1a3b7f0e2d4c6a9b5e7f1d3c5a7e9b']!.filename).toBe('report.pdf');
        expect(d.inner.files['8c1a3b7f0e2d4c6a9b5e7f1d3c5a7e9b']!.nonce.length).toBe(16);
      });
    }

    it('E2EE-META-003 E2EE-META-109: the numeric version 2.1 passes the whole pipeline: parse, sign, verify, decrypt', async () => {
      const text = seal({
        inner: { ...sampleInnerJson(key), folders: {} },
        key,
        members: members.slice(0, 2),
        nonceLength: 16,
        suffix: true,
        version: 2.1,
      });
      expect(text).toContain('"version":2.1');
      expect(parseMetadataDocument(text).version).toBe('2.1');
      // The signed text keeps the number as written.
      expect(canonicalMetadataJson(text)).toContain('"version":2.1');
      const signature = await signMetadata({
        outer: text,
        signerCertificate: members[0]!.certPem,
        signerPrivateKey: members[0]!.pkcs8,
      });
      const folder = await openFolder({
        rootId: 'root',
        root: { document: text, signature },
        userId: 'bob',
        privateKey: members[1]!.pkcs8,
        serverPublicKey: server.spkiDer,
      });
      expect(folder.members.map((m) => m.userId)).toEqual(['alice', 'bob']);
      expect(folder.docs.root!.files['8c1a3b7f0e2d4c6a9b5e7f1d3c5a7e9b']!.filename).toBe(
        'report.pdf',
      );
      // The same number written as 2.10 is not the canonical text: refused before anything.
      const spelled = text.replace('"version":2.1', '"version":2.10');
      await expect(
        openFolder({
          rootId: 'root',
          root: { document: spelled, signature },
          userId: 'bob',
          privateKey: members[1]!.pkcs8,
        }),
      ).rejects.toMatchObject({ code: 'METADATA_MALFORMED' });
    });

    it('E2EE-META-009: sub-folder with "users": [] (Android, iOS) and without users (desktop, web)', () => {
      const inner = { ...sampleInnerJson(key), keyChecksums: [] };
      for (const usersEmpty of [true, false]) {
        const text = seal({ inner, key, usersEmpty });
        expect(JSON.parse(text).users === undefined).toBe(!usersEmpty);
        const d = decryptMetadata({ document: text, userId: 'carol', rootMetadataKey: key });
        expect(d.inner.folders).toEqual({ '1f2e3d4c5b6a79881f2e3d4c5b6a7988': 'Photos' });
      }
    });

    it('E2EE-META-013: unknown members are ignored at every level', () => {
      const inner = { ...sampleInnerJson(key), futureField: { a: 1 } };
      const text = seal({
        inner,
        key,
        members: members.slice(0, 1),
        extra: { somethingNew: [1, 2] },
      });
      const json = JSON.parse(text);
      json.metadata.hint = 'x';
      json.users[0].displayName = 'Alice';
      const d = decryptMetadata({
        document: JSON.stringify(json),
        userId: 'alice',
        privateKey: members[0]!.pkcs8,
      });
      expect(d.inner.counter).toBe(3);
      expect(d.document.json).toHaveProperty('somethingNew');
    });

    it('E2EE-META-015 E2EE-META-022: non-hex ids and upper-case checksums are read', () => {
      const inner = sampleInnerJson(key) as Record<string, any>;
      inner.folders = { ia7OEEEyXMoRa1QWQk8r: 'Old Android' };
      inner.keyChecksums = [sha256Hex(key).toUpperCase()];
      const text = seal({ inner, key, members: members.slice(0, 1) });
      const d = decryptMetadata({ document: text, userId: 'alice', privateKey: members[0]!.pkcs8 });
      expect(d.inner.folders).toEqual({ ia7OEEEyXMoRa1QWQk8r: 'Old Android' });
      expect(d.inner.keyChecksums).toEqual([sha256Hex(key)]);
    });

    it('E2EE-META-026: a sub-folder ignores its own keyChecksums', () => {
      const inner = { ...sampleInnerJson(key), keyChecksums: ['ab'.repeat(32)] };
      const d = decryptMetadata({
        document: seal({ inner, key }),
        userId: 'a',
        rootMetadataKey: key,
      });
      expect(d.inner.keyChecksums).toEqual(['ab'.repeat(32)]);
    });
  });

  it('E2EE-META-030 E2EE-META-020: random inner documents round trip through encrypt and decrypt', () => {
    const key = newMetadataKey();
    const sum = sha256Hex(key);
    const users = [{ userId: members[0]!.userId, certificate: members[0]!.certPem }];
    fc.assert(
      fc.property(arbInner([sum]), (inner) => {
        const { text } = encryptMetadata({ inner, metadataKey: key, users });
        const d = decryptMetadata({
          document: text,
          userId: 'alice',
          privateKey: members[0]!.pkcs8,
        });
        expect(wire(d.inner)).toEqual(wire(inner));
      }),
      { numRuns: 40 },
    );
  });

  it('E2EE-META-030: random sub-folder documents round trip with the root key', () => {
    const key = newMetadataKey();
    fc.assert(
      fc.property(arbInner(), (inner0) => {
        const inner = { ...inner0, keyChecksums: [] };
        const { text } = encryptMetadata({ inner, metadataKey: key });
        const d = decryptMetadata({ document: text, userId: 'x', rootMetadataKey: key });
        expect(wire(d.inner)).toEqual(wire(inner));
      }),
      { numRuns: 100 },
    );
  });
});
