/**
 * Legacy 1.x reading: one unit test per documented rejection (spec/09-legacy.md), on synthetic
 * documents built the way the desktop client wrote them.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { aesGcmEncrypt } from '../../src/_internal/aesgcm.js';
import { toBase64, utf8 } from '../../src/_internal/bytes.js';
import { rsaOaepWrap } from '../../src/_internal/rsa-oaep.js';
import { parseCertificate } from '../../src/certs/index.js';
import {
  decryptLegacyFiledropEntry,
  decryptLegacyMetadata,
  legacyChecksum,
  parseMetadataDocument,
  splitLegacySealed,
  type LegacyMetadataDocument,
} from '../../src/metadata/index.js';
import { makeMembers, type Identity } from './_support.js';

let owner: Identity;
let spki: Uint8Array;
const K = new Uint8Array(16).map((_, i) => i * 11 + 3);
const IV = new Uint8Array(16).map((_, i) => i + 40);
const MNEMONIC =
  'abandon ability able about above absent absorb abstract absurd abuse access accident';

beforeAll(async () => {
  owner = (await makeMembers(1)).members[0]!;
  spki = parseCertificate(owner.certPem).spki;
});

const b64 = (s: string) => Buffer.from(s).toString('base64');
const wrapLegacy = (k: Uint8Array) => toBase64(rsaOaepWrap(spki, utf8(b64(toBase64(k)))));
const sealEntry = (key: Uint8Array, plaintext: string, sep = '|', iv = IV) =>
  toBase64(aesGcmEncrypt(key, iv, utf8(b64(plaintext)))) + sep + toBase64(iv);
const entryJson = (o: object = {}) =>
  JSON.stringify({
    filename: 'a.txt',
    key: toBase64(new Uint8Array(16).fill(5).map((x, i) => x + i)),
    mimetype: 'text/plain',
    ...o,
  });

function doc12(over: (j: any) => void = () => {}): string {
  const j: any = {
    metadata: { metadataKey: wrapLegacy(K), version: 1.2 },
    files: {
      f1: {
        encrypted: sealEntry(K, entryJson()),
        initializationVector: toBase64(IV),
        authenticationTag: toBase64(new Uint8Array(16).fill(8)),
      },
    },
  };
  j.metadata.checksum = legacyChecksum(MNEMONIC, Object.keys(j.files), j.metadata.metadataKey);
  over(j);
  return JSON.stringify(j);
}
function doc10(keys: Record<string, string>, over: (j: any) => void = () => {}): string {
  const j: any = {
    metadata: { metadataKeys: keys, version: 1 },
    files: {
      f1: {
        encrypted: sealEntry(K, entryJson(), 'fA=='),
        initializationVector: toBase64(IV),
        authenticationTag: toBase64(new Uint8Array(16).fill(8)),
        metadataKey: 0,
      },
    },
  };
  over(j);
  return JSON.stringify(j);
}
const legacy = (t: string): LegacyMetadataDocument => {
  const d = parseMetadataDocument(t);
  if (d.family !== 1) throw new Error('not legacy');
  return d;
};
const read = (t: string, mnemonic?: string) =>
  decryptLegacyMetadata({
    document: legacy(t),
    privateKey: owner.pkcs8,
    ...(mnemonic ? { mnemonic } : {}),
  });
const code = (c: string) => expect.objectContaining({ code: c });

describe('legacy parsing', () => {
  it('E2EE-META-150: version spellings, and unsupported legacy versions', () => {
    for (const v of [1, '1', '1.0', 1.1, '1.1'])
      expect(legacy(doc10({ 0: wrapLegacy(K) }, (j) => (j.metadata.version = v))).family).toBe(1);
    for (const v of [1.2, '1.2'])
      expect(read(doc12((j) => (j.metadata.version = v))).version).toBe('1.2');
    for (const v of [1.3, '0.9', 2, '2.0', null]) {
      expect(
        () => parseMetadataDocument(doc12((j) => (j.metadata.version = v))),
        String(v),
      ).toThrow(code('METADATA_VERSION_UNSUPPORTED'));
    }
  });

  it('E2EE-META-151: an empty metadataKeys map, a 1.2 document with metadataKeys, a 1.0 document with metadataKey', () => {
    expect(() => parseMetadataDocument(doc10({}))).toThrow(code('METADATA_MALFORMED'));
    expect(() => parseMetadataDocument(doc10({ x: wrapLegacy(K) }))).toThrow(
      code('METADATA_MALFORMED'),
    );
    expect(() =>
      parseMetadataDocument(
        doc12((j) => (j.metadata.metadataKeys = { 0: j.metadata.metadataKey })),
      ),
    ).toThrow(code('METADATA_MALFORMED'));
    expect(() => parseMetadataDocument(doc12((j) => delete j.metadata.metadataKey))).toThrow(
      code('METADATA_MALFORMED'),
    );
    expect(() =>
      parseMetadataDocument(doc10({ 0: wrapLegacy(K) }, (j) => (j.metadata.metadataKey = 'AAAA'))),
    ).toThrow(code('METADATA_MALFORMED'));
    expect(() => parseMetadataDocument(doc12((j) => (j.files.f1.encrypted = null)))).toThrow(
      code('METADATA_MALFORMED'),
    );
    expect(() => parseMetadataDocument(doc12((j) => delete j.files))).toThrow(
      code('METADATA_MALFORMED'),
    );
  });

  it('E2EE-META-152: separators', () => {
    const ct = toBase64(new Uint8Array(40).fill(1));
    expect(splitLegacySealed(`${ct}|${toBase64(IV)}`, 'x').separator).toBe('|');
    expect(splitLegacySealed(`${ct}fA==${toBase64(IV)}`, 'x').iv).toEqual(IV);
    // the IV itself may end in "fA==": the last separator followed by a non-empty IV wins
    const odd = toBase64(new Uint8Array([...new Uint8Array(15), 0x7c]));
    expect(odd.endsWith('fA==')).toBe(true);
    expect(splitLegacySealed(`${ct}fA==${odd}`, 'x').iv.length).toBe(16);
    for (const bad of [
      ct,
      `${ct}|a|b`,
      `${ct}|`,
      `|${toBase64(IV)}`,
      `${toBase64(new Uint8Array(16))}|${toBase64(IV)}`,
      `${ct}|${toBase64(new Uint8Array(8))}`,
    ]) {
      expect(() => splitLegacySealed(bad, 'x'), bad).toThrow(code('METADATA_MALFORMED'));
    }
  });
});

describe('legacy keys and entries', () => {
  it('E2EE-META-153: the highest index is used; a server-added higher key fails authentication', () => {
    const other = new Uint8Array(16).map((_, i) => 255 - i);
    const d = legacy(doc10({ 0: wrapLegacy(K), 2: wrapLegacy(K), 10: wrapLegacy(K) }));
    expect(decryptLegacyMetadata({ document: d, privateKey: owner.pkcs8 }).metadataKeyIndex).toBe(
      10,
    );
    const injected = doc10({ 0: wrapLegacy(K), 1: wrapLegacy(other) });
    expect(() => read(injected)).toThrow(code('AEAD_TAG_MISMATCH'));
  });

  it('E2EE-META-154: the plaintext is base64(base64(key)), strictly; 16 non-degenerate bytes', () => {
    const raw = (pt: Uint8Array) => toBase64(rsaOaepWrap(spki, pt));
    for (const pt of [
      K,
      utf8(toBase64(K)),
      utf8(b64(toBase64(new Uint8Array(16)))),
      utf8(b64(toBase64(new Uint8Array(24).fill(3)))),
    ]) {
      expect(() => read(doc12((j) => (j.metadata.metadataKey = raw(pt))))).toThrow(
        code('METADATA_MALFORMED'),
      );
    }
    const foreign = toBase64(new Uint8Array(256).fill(7));
    expect(() => read(doc12((j) => (j.metadata.metadataKey = foreign)))).toThrow(
      code('KEY_UNWRAP_FAILED'),
    );
  });

  it('E2EE-META-155: entries are authenticated; a bad plaintext encoding is METADATA_MALFORMED', () => {
    expect(() =>
      read(
        doc12(
          (j) =>
            (j.files.f1.encrypted = sealEntry(
              new Uint8Array(16).fill(1).map((x, i) => x + i),
              entryJson(),
            )),
        ),
      ),
    ).toThrow(code('AEAD_TAG_MISMATCH'));
    const notB64 = toBase64(aesGcmEncrypt(K, IV, utf8('{"filename":"a"}'))) + '|' + toBase64(IV);
    expect(() => read(doc12((j) => (j.files.f1.encrypted = notB64)))).toThrow(
      code('METADATA_MALFORMED'),
    );
    expect(() => read(doc12((j) => (j.files.f1.encrypted = sealEntry(K, '[1]'))))).toThrow(
      code('METADATA_MALFORMED'),
    );
  });

  it('E2EE-META-156: decrypted entries need a safe filename, a mimetype and a 16-byte key', () => {
    for (const o of [
      { filename: '../x' },
      { filename: 7 },
      { mimetype: null },
      { key: toBase64(new Uint8Array(8).fill(1)) },
      { key: toBase64(new Uint8Array(16)) },
    ]) {
      expect(
        () => read(doc12((j) => (j.files.f1.encrypted = sealEntry(K, entryJson(o))))),
        JSON.stringify(o),
      ).toThrow(code('METADATA_MALFORMED'));
    }
  });

  it('E2EE-META-157: files need a 16-byte payload tag; folders may have none; IVs are 12 or 16 bytes', () => {
    expect(() => read(doc12((j) => (j.files.f1.authenticationTag = '')))).toThrow(
      code('METADATA_MALFORMED'),
    );
    const folder = doc12((j) => {
      j.files.f1.encrypted = sealEntry(
        K,
        entryJson({ mimetype: 'httpd/unix-directory', filename: 'Docs' }),
      );
      j.files.f1.authenticationTag = '';
      j.metadata.checksum = legacyChecksum(MNEMONIC, ['f1'], j.metadata.metadataKey);
    });
    expect(read(folder, MNEMONIC).entries.f1!.isFolder).toBe(true);
    expect(() =>
      read(doc12((j) => (j.files.f1.initializationVector = toBase64(new Uint8Array(8).fill(1))))),
    ).toThrow(code('METADATA_MALFORMED'));
  });

  it('E2EE-META-161 E2EE-META-160: the checksum with the right mnemonic passes, any change fails', () => {
    expect(read(doc12(), MNEMONIC).checksumVerified).toBe(true);
    expect(read(doc12(), '  ' + MNEMONIC.toUpperCase() + '\n').checksumVerified).toBe(true);
    expect(() => read(doc12(), MNEMONIC.replace('abandon', 'ability'))).toThrow(
      code('CHECKSUM_MISMATCH'),
    );
    const extra = doc12((j) => (j.files.f2 = j.files.f1));
    expect(() => read(extra, MNEMONIC)).toThrow(code('CHECKSUM_MISMATCH'));
  });
});

describe('legacy filedrop entries', () => {
  const fdKey = new Uint8Array(16).map((_, i) => 90 + i);
  const entry = (o: object = {}, plaintext = entryJson({ version: '1.2' })) => ({
    encryptedKey: wrapLegacy(fdKey),
    encrypted: sealEntry(fdKey, plaintext),
    initializationVector: toBase64(IV),
    authenticationTag: toBase64(new Uint8Array(16).fill(4)),
    encryptedInitializationVector: toBase64(IV),
    encryptedTag: toBase64(IV),
    ...o,
  });

  it('E2EE-META-165 E2EE-META-167: fields required, unknown fields ignored', () => {
    expect(decryptLegacyFiledropEntry(entry(), owner.pkcs8).filename).toBe('a.txt');
    expect(decryptLegacyFiledropEntry(entry({ encryptedTag: 'junk' }), owner.pkcs8).filename).toBe(
      'a.txt',
    );
    for (const f of ['encryptedKey', 'encrypted', 'initializationVector', 'authenticationTag']) {
      expect(() => decryptLegacyFiledropEntry(entry({ [f]: '' }), owner.pkcs8), f).toThrow(
        code('METADATA_MALFORMED'),
      );
    }
    expect(() =>
      decryptLegacyFiledropEntry(
        entry({ authenticationTag: toBase64(IV.subarray(0, 12)) }),
        owner.pkcs8,
      ),
    ).toThrow(code('METADATA_MALFORMED'));
    expect(() => decryptLegacyFiledropEntry('x', owner.pkcs8)).toThrow(code('METADATA_MALFORMED'));
  });

  it('E2EE-META-166: an entry that decrypts to a folder is rejected', () => {
    const folder = entry({}, entryJson({ mimetype: 'httpd/unix-directory' }));
    expect(() => decryptLegacyFiledropEntry(folder, owner.pkcs8)).toThrow(
      code('METADATA_MALFORMED'),
    );
  });
});
