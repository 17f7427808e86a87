/**
 * Log entries (E2EE-LOG-005) and the compact range a client keeps (E2EE-LOG-060).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeLogEntry, encodeLogEntry, type LogEntry } from '../../src/log/entry.js';
import {
  appendLeaves,
  emptyRange,
  isCompactRange,
  rangeRoot,
} from '../../src/log/compact-range.js';
import { leafHash, rootHash } from '../../src/log/merkle.js';
import { code } from '../_support/codes.js';

const id = fc.stringMatching(/^[a-z0-9:._-]{1,20}$/);
const hex64 = fc
  .uint8Array({ minLength: 32, maxLength: 32 })
  .map((b) => Buffer.from(b).toString('hex'));
const entryArb: fc.Arbitrary<LogEntry> = fc.oneof(
  fc.record({ kind: fc.constant('key' as const), userId: id, certificateHash: fc.option(hex64) }),
  fc.record({
    kind: fc.constant('metadata' as const),
    folderId: id,
    counter: fc.nat(),
    documentHash: hex64,
    signer: id,
  }),
);

describe('E2EE-LOG-005 entry encoding', () => {
  it('the exact text of both kinds', () => {
    const m = encodeLogEntry({
      kind: 'metadata',
      folderId: '104',
      counter: 3,
      documentHash: 'ab'.repeat(32),
      signer: 'alice',
    });
    expect(Buffer.from(m).toString()).toBe(
      `sealfold-log-entry/v1\nkind metadata\nfolder 104\ncounter 3\ndocument ${'ab'.repeat(32)}\nsigner alice\n`,
    );
    const k = encodeLogEntry({ kind: 'key', userId: 'bob', certificateHash: null });
    expect(Buffer.from(k).toString()).toBe(
      'sealfold-log-entry/v1\nkind key\nuser bob\ncertificate deleted\n',
    );
  });
  it('property: decode(encode(e)) = e, and any non-canonical variant is refused', () => {
    fc.assert(
      fc.property(entryArb, (e) => {
        const bytes = encodeLogEntry(e);
        expect(decodeLogEntry(bytes)).toEqual(e);
        const text = Buffer.from(bytes).toString();
        for (const bad of [
          text.toUpperCase(),
          `${text}extra x\n`,
          text.replace(' ', '  '),
          text.slice(0, -1),
        ]) {
          if (bad !== text)
            expect(code(() => decodeLogEntry(Buffer.from(bad)))).toBe('LOG_NOTE_MALFORMED');
        }
      }),
    );
  });
  it('a newline or control character in a value cannot be encoded (no field injection)', () => {
    expect(
      code(() =>
        encodeLogEntry({ kind: 'key', userId: 'a\ncertificate deleted', certificateHash: null }),
      ),
    ).toBe('INPUT_MALFORMED');
    expect(
      code(() =>
        encodeLogEntry({
          kind: 'metadata',
          folderId: '1',
          counter: -1,
          documentHash: '0'.repeat(64),
          signer: 'a',
        }),
      ),
    ).toBe('INPUT_MALFORMED');
  });
});

describe('E2EE-LOG-060 compact range', () => {
  it('property: appending in any split gives the RFC 9162 root of the whole list', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 80 }), fc.nat(), (n, cut) => {
        const leaves = Array.from({ length: n }, (_, i) => leafHash(Uint8Array.of(i)));
        const c = n === 0 ? 0 : cut % (n + 1);
        const r1 = appendLeaves(emptyRange(), leaves.slice(0, c));
        expect(rangeRoot(r1)).toEqual(rootHash(leaves.slice(0, c)));
        const r2 = appendLeaves(r1, leaves.slice(c));
        expect(isCompactRange(r2)).toBe(true);
        expect(rangeRoot(r2)).toEqual(rootHash(leaves));
      }),
    );
  });
});
