import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Ajv2020 } from 'ajv/dist/2020.js';
import {
  formatKeyBlob,
  KEY_BLOB_READ_PATTERN,
  KEY_BLOB_WRITE_PATTERN,
  parseKeyBlob,
  privateKeyBlobOfResponse,
} from '../../src/keyblob/index.js';
import { equalBytes, toBase64 } from '../../src/_internal/bytes.js';
import { code } from '../_support/codes.js';
import { describeFixtures, loadFixture } from '../_support/fixtures.js';

const schema = JSON.parse(
  readFileSync(
    new URL('../../../spec/schemas/private-key-blob.schema.json', import.meta.url),
    'utf8',
  ),
);
const ajv = new Ajv2020({ strict: true });
ajv.addSchema(schema);
const validateResponse = ajv.getSchema('private-key-blob.schema.json')!;
const readerBlob = ajv.getSchema('private-key-blob.schema.json#/$defs/blob')!;
const writerBlob = ajv.getSchema('private-key-blob.schema.json#/$defs/writerBlob')!;

const bytes = (min: number, max = min) => fc.uint8Array({ minLength: min, maxLength: max });
const sealedArb = bytes(17, 300);
const ivArb = fc.oneof(bytes(12), bytes(16));
const saltArb = bytes(40);

/** Mirrors app v2.x `KeyController::setPrivateKey`: 3 "|" parts, part 0 base64, iv 12, salt 40. */
function serverV2Accepts(blob: string): boolean {
  const parts = blob.split('|');
  if (parts.length !== 3) return false;
  const strict = (s: string) => /^[A-Za-z0-9+/]*={0,2}$/.test(s) && s.length % 4 === 0;
  if (!parts.every(strict)) return false;
  return (
    Buffer.from(parts[1]!, 'base64').length === 12 && Buffer.from(parts[2]!, 'base64').length === 40
  );
}

describe('parseKeyBlob / formatKeyBlob', () => {
  it('E2EE-REC-020: the writer form is "|"-joined canonical base64 and passes app v2.x validation', () => {
    fc.assert(
      fc.property(sealedArb, bytes(12), saltArb, (sealed, iv, salt) => {
        const text = formatKeyBlob({ sealed, iv, salt });
        expect(text).toBe(`${toBase64(sealed)}|${toBase64(iv)}|${toBase64(salt)}`);
        expect(serverV2Accepts(text)).toBe(true);
        expect(writerBlob(text)).toBe(true);
        expect(new RegExp(KEY_BLOB_WRITE_PATTERN).test(text)).toBe(true);
        const back = parseKeyBlob(text);
        expect(back.separator).toBe('|');
        expect(equalBytes(back.sealed, sealed) && equalBytes(back.iv, iv)).toBe(true);
        expect(equalBytes(back.salt, salt)).toBe(true);
      }),
    );
    // Writers never emit what readers merely accept.
    expect(() =>
      formatKeyBlob({
        sealed: new Uint8Array(20),
        iv: new Uint8Array(16),
        salt: new Uint8Array(40),
      }),
    ).toThrow(RangeError);
    expect(() =>
      formatKeyBlob({
        sealed: new Uint8Array(20),
        iv: new Uint8Array(12),
        salt: new Uint8Array(32),
      }),
    ).toThrow(RangeError);
    expect(() =>
      formatKeyBlob({
        sealed: new Uint8Array(16),
        iv: new Uint8Array(12),
        salt: new Uint8Array(40),
      }),
    ).toThrow(RangeError);
  });

  it('E2EE-REC-022: reads 12- and 16-byte IVs and the legacy "fA==" separator, even when a part ends in "fA=="', () => {
    fc.assert(
      fc.property(sealedArb, ivArb, saltArb, fc.boolean(), (sealed, iv, salt, legacy) => {
        const sep = legacy ? 'fA==' : '|';
        const text = [toBase64(sealed), toBase64(iv), toBase64(salt)].join(sep);
        const back = parseKeyBlob(text);
        expect(back.separator).toBe(sep);
        expect(equalBytes(back.sealed, sealed) && equalBytes(back.iv, iv)).toBe(true);
        expect(equalBytes(back.salt, salt)).toBe(true);
        expect(readerBlob(text)).toBe(true);
      }),
      { numRuns: 300 },
    );
    // Parts ending in "fA==": the base64 of bytes ending 0x7c (1 byte past a 3-byte group).
    const sealed = new Uint8Array(19).fill(1);
    sealed[18] = 0x7c;
    const iv = new Uint8Array(16).fill(2);
    iv[15] = 0x7c;
    const salt = new Uint8Array(40).fill(3);
    salt[39] = 0x7c;
    const text = [toBase64(sealed), toBase64(iv), toBase64(salt)].join('fA==');
    expect(toBase64(sealed).endsWith('fA==') && toBase64(salt).endsWith('fA==')).toBe(true);
    expect(text.split('fA==')).toHaveLength(6); // a naive split finds 6 parts
    const back = parseKeyBlob(text);
    expect(equalBytes(back.sealed, sealed) && equalBytes(back.iv, iv)).toBe(true);
    expect(equalBytes(back.salt, salt)).toBe(true);
  });

  it('E2EE-REC-023: rejects wrong part counts, non-canonical base64 and wrong lengths with KEY_BLOB_MALFORMED', () => {
    const s = toBase64(new Uint8Array(40).fill(9));
    const i12 = toBase64(new Uint8Array(12).fill(8));
    const c = toBase64(new Uint8Array(32).fill(7));
    const bad = [
      '',
      '|',
      '||',
      `${c}|${i12}`,
      `${c}|${i12}|${s}|`,
      `${c}|${i12}|${s}|${s}`,
      `|${c}|${i12}|${s}`,
      `${c}||${i12}|${s}`,
      `${c}fA==${i12}|${s}`, // mixed separators: "|" present, so 2 parts
      `${c}fA==${i12}`,
      `${c} |${i12}|${s}`,
      `${c}|${i12}|${s}\n`,
      `${c}|${i12.slice(0, -1)}|${s}`,
      `${c.replace(/=*$/, '')}|${i12}|${s}`,
      `${c}|${i12}|${s.replace('==', '')}`,
      `${c}|${toBase64(new Uint8Array(8))}|${s}`, // iv 8
      `${c}|${toBase64(new Uint8Array(32))}|${s}`, // iv 32
      `${c}|${i12}|${toBase64(new Uint8Array(32))}`, // salt 32
      `${c}|${i12}|${toBase64(new Uint8Array(41))}`, // salt 41
      `${toBase64(new Uint8Array(16))}|${i12}|${s}`, // tag only
      `${c}|${i12}|${s.slice(0, -3)}B==`, // non-canonical trailing bits
      `${c.replace(/^./, '-')}|${i12}|${s}`, // URL-safe alphabet
      `${c}fA==${i12}fA==${toBase64(new Uint8Array(32))}`,
    ];
    for (const text of bad) {
      expect([text, code(() => parseKeyBlob(text))]).toEqual([text, 'KEY_BLOB_MALFORMED']);
      expect(readerBlob(text)).toBe(false);
    }
    expect(() => parseKeyBlob(undefined as never)).toThrow(TypeError);
  });

  it("E2EE-REC-023: the parser and the schema's `blob` pattern accept exactly the same strings", () => {
    const good = fc
      .tuple(sealedArb, ivArb, saltArb, fc.constantFrom('|', 'fA=='))
      .map(([c, i, s, sep]) => [toBase64(c), toBase64(i), toBase64(s)].join(sep));
    const mutated = fc
      .tuple(good, fc.nat(), fc.constantFrom(...'A/+=|fQ- \n'), fc.integer({ min: 0, max: 2 }))
      .map(([t, at, ch, op]) => {
        const k = at % (t.length + 1);
        if (op === 0) return t.slice(0, k) + ch + t.slice(k + 1);
        if (op === 1) return t.slice(0, k) + ch + t.slice(k);
        return t.slice(0, k) + t.slice(k + 1);
      });
    fc.assert(
      fc.property(fc.oneof(good, mutated, fc.string({ maxLength: 120 })), (text) => {
        const parsed = code(() => parseKeyBlob(text));
        expect(parsed === 'OK' || parsed === 'KEY_BLOB_MALFORMED').toBe(true);
        expect(readerBlob(text)).toBe(parsed === 'OK');
        expect(new RegExp(KEY_BLOB_READ_PATTERN).test(text)).toBe(parsed === 'OK');
      }),
      { numRuns: 2000 },
    );
  });

  it('E2EE-REC-023: privateKeyBlobOfResponse checks the OCS data object with the schema', () => {
    const blob = formatKeyBlob({
      sealed: new Uint8Array(40),
      iv: new Uint8Array(12),
      salt: new Uint8Array(40),
    });
    expect(privateKeyBlobOfResponse({ 'private-key': blob, extra: 1 })).toBe(blob);
    expect(validateResponse({ 'private-key': blob })).toBe(true);
    for (const bad of [null, [], 'x', {}, { 'private-key': 5 }, { privateKey: blob }]) {
      expect(code(() => privateKeyBlobOfResponse(bad))).toBe('SERVER_RESPONSE_MALFORMED');
    }
    expect(code(() => privateKeyBlobOfResponse({ 'private-key': `${blob}|` }))).toBe(
      'KEY_BLOB_MALFORMED',
    );
  });
});

describeFixtures('private-key blob fixtures: format', () => {
  const cases: [string, (d: any) => any[]][] = [
    ['web-alice-bob.json', (d) => d.data.users],
    ['testdata-v10.json', (d) => d.data.users],
    ['testdata-v11.json', (d) => d.data.users],
    ['testdata-v12.json', (d) => d.data.users],
  ];
  it.each(cases)('E2EE-REC-022: %s parses with the stated separator and lengths', (file, users) => {
    const d = loadFixture(file);
    for (const u of users(d)) {
      const exp = d.expect.users ? d.expect.users[u.userId].privateKey : d.expect.privateKey;
      const blob = parseKeyBlob(u.encryptedPrivateKey);
      expect(blob.separator).toBe(exp.separator);
      expect(blob.iv).toHaveLength(exp.ivLength);
      expect(blob.salt).toHaveLength(exp.saltLength);
      expect(blob.sealed).toHaveLength(exp.ciphertextLength + exp.tagLength);
      expect(readerBlob(u.encryptedPrivateKey)).toBe(true);
      // Only "|" blobs with 12-byte IVs can be uploaded to app v2.x.
      expect(writerBlob(u.encryptedPrivateKey)).toBe(exp.separator === '|');
      expect(serverV2Accepts(u.encryptedPrivateKey)).toBe(exp.separator === '|');
    }
  });
});
