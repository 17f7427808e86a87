/**
 * Legacy metadata against real client data: the server data directories of testdata 1.0/1.1/1.2
 * (every entry checked against `expect`), the Android 1.2 checksum vector, and the desktop 1.2
 * document with its legacy filedrop entry.
 */
import { createPrivateKey } from 'node:crypto';
import { expect, it } from 'vitest';
import { fromBase64, sha256Hex, toBase64 } from '../../src/_internal/bytes.js';
import {
  decryptLegacyFiledropEntry,
  decryptLegacyMetadata,
  legacyChecksum,
  parseMetadataDocument,
  type LegacyMetadataDocument,
} from '../../src/metadata/index.js';
import { describeFixtures, loadFixture } from '../_support/fixtures.js';

const pkcs8 = (pem: string) =>
  new Uint8Array(createPrivateKey(pem).export({ type: 'pkcs8', format: 'der' }));

function legacy(text: string): LegacyMetadataDocument {
  const doc = parseMetadataDocument(text);
  if (doc.family !== 1) throw new Error('expected a legacy document');
  return doc;
}

describeFixtures('testdata 1.0 / 1.1 / 1.2 (real server data)', () => {
  for (const v of ['10', '11', '12'] as const) {
    const fx = loadFixture(`testdata-v${v}.json`);
    const privateKey = pkcs8(fx.expect.privateKey.decryptedPem);
    const mnemonic: string = fx.data.users[0].mnemonic;
    fx.data.metadata.forEach((m: any, i: number) => {
      const e = fx.expect.metadata[i];
      it(
        `${v} ${m.folderCleartextPath}`,
        {
          meta: {
            requirements: [
              'E2EE-META-150',
              'E2EE-META-151',
              'E2EE-META-152',
              'E2EE-META-153',
              'E2EE-META-154',
              'E2EE-META-155',
              'E2EE-META-156',
              'E2EE-META-157',
            ],
          },
        },
        () => {
          expect(e.path).toBe(m.path);
          const doc = legacy(m.document);
          expect(doc.version).toBe(v === '12' ? '1.2' : '1.0');
          const view = decryptLegacyMetadata({
            document: doc,
            privateKey,
            ...(v === '12' ? { mnemonic } : {}),
          });
          expect(toBase64(view.metadataKey)).toBe(e.metadataKeyBase64);
          expect(sha256Hex(view.metadataKey)).toBe(e.metadataKeySha256);
          expect(view.metadataKeyIndex).toBe(
            v === '12' ? undefined : Number(e.metadataKeyIndexUsed),
          );
          expect(view.checksumVerified).toBe(v === '12');
          expect(Object.keys(view.entries).sort()).toEqual(Object.keys(e.entries).sort());
          for (const [id, x] of Object.entries<any>(e.entries)) {
            const got = view.entries[id]!;
            expect(got.filename).toBe(x.filename);
            expect(got.mimetype).toBe(x.mimetype);
            expect(toBase64(got.key)).toBe(x.fileKeyBase64);
            expect(got.isFolder).toBe(x.isFolder);
            expect(doc.files[id]!.encrypted.separator).toBe(x.encryptedFieldSeparator);
            expect(doc.files[id]!.encrypted.iv.length).toBe(x.metadataIvLength);
            expect(got.initializationVector.length).toBe(16);
            expect(got.authenticationTag.length).toBe(x.isFolder ? 0 : 16);
          }
        },
      );
    });

    it(`E2EE-META-170: ${v} payload IV and tag of every listed file match expect.files`, () => {
      const byId = new Map<string, any>();
      for (const m of fx.data.metadata) {
        const view = decryptLegacyMetadata({ document: legacy(m.document), privateKey });
        for (const [id, en] of Object.entries(view.entries)) byId.set(id, en);
      }
      expect(fx.expect.files.length).toBeGreaterThan(0);
      for (const f of fx.expect.files) {
        const en = byId.get(f.fileId);
        expect(en.filename).toBe(f.filename);
        expect(toBase64(en.key)).toBe(f.fileKeyBase64);
        expect(toBase64(en.initializationVector)).toBe(f.ivBase64);
        expect(toBase64(en.authenticationTag)).toBe(f.authenticationTagBase64);
      }
    });
  }

  it('E2EE-META-160 E2EE-META-161: the 1.2 checksums verify, and a wrong mnemonic is CHECKSUM_MISMATCH', () => {
    const fx = loadFixture('testdata-v12.json');
    const privateKey = pkcs8(fx.expect.privateKey.decryptedPem);
    for (const [i, m] of fx.data.metadata.entries()) {
      const doc = legacy(m.document);
      expect(doc.checksum).toBe(fx.expect.metadata[i].checksum.stored);
      expect(
        legacyChecksum(fx.data.users[0].mnemonic, Object.keys(doc.files), doc.metadataKey!.text),
      ).toBe(fx.expect.metadata[i].checksum.computed);
      expect(() =>
        decryptLegacyMetadata({
          document: doc,
          privateKey,
          mnemonic: fx.data.users[0].mnemonic + ' x',
        }),
      ).toThrow(expect.objectContaining({ code: 'CHECKSUM_MISMATCH' }));
    }
  });

  it('E2EE-META-161: a 1.2 document without checksum is CHECKSUM_MISMATCH when the mnemonic is known', () => {
    const fx = loadFixture('testdata-v12.json');
    const json = JSON.parse(fx.data.metadata[0].document);
    delete json.metadata.checksum;
    const doc = legacy(JSON.stringify(json));
    const privateKey = pkcs8(fx.expect.privateKey.decryptedPem);
    expect(() =>
      decryptLegacyMetadata({ document: doc, privateKey, mnemonic: fx.data.users[0].mnemonic }),
    ).toThrow(expect.objectContaining({ code: 'CHECKSUM_MISMATCH' }));
    // E2EE-META-162: without the mnemonic it is read, marked unverified.
    expect(decryptLegacyMetadata({ document: doc, privateKey }).checksumVerified).toBe(false);
  });
});

describeFixtures('Android 1.2 checksum vector', () => {
  const fx = loadFixture('android-v12-checksum.json');
  it('E2EE-META-160: the checksum and both negative variants', () => {
    const { mnemonic, fileIds, metadataKey } = fx.data;
    expect(legacyChecksum(mnemonic, fileIds, metadataKey)).toBe(fx.expect.checksum);
    for (const neg of fx.expect.negative) {
      const got = legacyChecksum(neg.mnemonic, neg.fileIds, metadataKey);
      expect(got).toBe(neg.checksum);
      expect(got).not.toBe(fx.expect.checksum);
    }
  });
});

describeFixtures('desktop 1.2 document with a legacy filedrop entry', () => {
  const fx = loadFixture('desktop-v12-filedrop.json');
  const privateKey = pkcs8(fx.data.privateKeyPem);

  it('E2EE-META-150 E2EE-META-154 E2EE-META-155: the files decrypt to the expected JSON', () => {
    const doc = legacy(fx.data.metadataDocument);
    expect(doc.version).toBe('1.2');
    expect(doc.checksum).toBe(fx.expect.checksum.stored);
    const view = decryptLegacyMetadata({ document: doc, privateKey });
    expect(toBase64(view.metadataKey)).toBe(fx.expect.metadataKey.metadataKeyBase64);
    expect(view.checksumVerified).toBe(false);
    for (const [id, x] of Object.entries<any>(fx.expect.files)) {
      const got = view.entries[id]!;
      expect(JSON.parse(x.decryptedJson)).toEqual({
        filename: got.filename,
        key: toBase64(got.key),
        mimetype: got.mimetype,
      });
    }
  });

  it('E2EE-META-165 E2EE-META-166: the legacy filedrop entry decrypts to the expected JSON', () => {
    const doc = legacy(fx.data.metadataDocument);
    for (const [id, x] of Object.entries<any>(fx.expect.filedrop)) {
      const got = decryptLegacyFiledropEntry(doc.filedrop![id], privateKey, id);
      expect(got.filename).toBe(x.filename);
      expect(got.mimetype).toBe(x.mimetype);
      expect(toBase64(got.key)).toBe(x.fileKeyBase64);
      expect(JSON.parse(x.decryptedJson)).toMatchObject({
        key: x.fileKeyBase64,
        filename: x.filename,
      });
    }
  });

  it('E2EE-META-165: an entry without encryptedKey, or with a flipped byte, is rejected', () => {
    const doc = legacy(fx.data.metadataDocument);
    const [id, entry] = Object.entries<any>(doc.filedrop!)[0]!;
    const noKey = { ...entry };
    delete noKey.encryptedKey;
    expect(() => decryptLegacyFiledropEntry(noKey, privateKey, id)).toThrow(
      expect.objectContaining({ code: 'METADATA_MALFORMED' }),
    );
    const ct = fromBase64(entry.encrypted.split('|')[0], 'x');
    ct[3] ^= 1;
    const flipped = { ...entry, encrypted: `${toBase64(ct)}|${entry.encrypted.split('|')[1]}` };
    expect(() => decryptLegacyFiledropEntry(flipped, privateKey, id)).toThrow(
      expect.objectContaining({ code: 'AEAD_TAG_MISMATCH' }),
    );
  });
});

describeFixtures('android 2.0 outer document (web style)', () => {
  const fx = loadFixture('android-v2-signature.json');
  it(
    'parses; the field order does not matter',
    {
      meta: { requirements: ['E2EE-META-001', 'E2EE-META-002', 'E2EE-META-808', 'E2EE-META-008'] },
    },
    () => {
      const a = parseMetadataDocument(fx.data.metadataDocument);
      const b = parseMetadataDocument(fx.data.metadataDocumentFieldDeclarationOrder);
      for (const d of [a, b]) {
        if (d.family !== 2) throw new Error('expected 2.x');
        expect(d.version).toBe('2.0');
        expect(d.nonce.length).toBe(12);
        expect(d.nonceSuffix).toBe(false);
        expect(d.users.map((u) => u.userId)).toEqual(['admin']);
        expect(d.users[0]!.encryptedMetadataKey.length).toBe(256);
      }
      if (a.family !== 2 || b.family !== 2) throw new Error('expected 2.x');
      expect(a.ciphertext).toEqual(b.ciphertext);
      expect(a.users[0]!.certificateDer).toEqual(b.users[0]!.certificateDer);
    },
  );

  it('E2EE-META-014: the metadataFields form with "filedrop": {} parses too', () => {
    const d = parseMetadataDocument(JSON.stringify(fx.data.metadataFields));
    expect(d.family === 2 && d.filedrop).toEqual({});
  });
});
