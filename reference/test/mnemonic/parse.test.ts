import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { formatMnemonic, mnemonicPassword, parseMnemonic } from '../../src/mnemonic/index.js';
import { describeFixtures, loadFixture } from '../_support/fixtures.js';

const ALICE = 'deputy abandon betray jacket rigid object because source primary diary wonder turn';
const WS = ['\t', '\n', '\v', '\f', '\r', ' '];

const words12 = fc.array(fc.constantFrom(...wordlist), { minLength: 12, maxLength: 12 });
const separator = fc
  .array(fc.constantFrom(...WS), { minLength: 1, maxLength: 4 })
  .map((a) => a.join(''));
const edge = fc.array(fc.constantFrom(...WS), { maxLength: 3 }).map((a) => a.join(''));

/** Random ASCII case for each letter. */
function recase(word: string, mask: number): string {
  return [...word].map((c, i) => ((mask >> i) & 1 ? c.toUpperCase() : c)).join('');
}

describe('parseMnemonic / mnemonicPassword', () => {
  it('E2EE-REC-003: accepts any ASCII case and any runs of ASCII whitespace', () => {
    fc.assert(
      fc.property(
        words12,
        fc.array(separator, { minLength: 11, maxLength: 11 }),
        edge,
        edge,
        fc.array(fc.nat(255), { minLength: 12, maxLength: 12 }),
        (words, seps, lead, trail, masks) => {
          const text =
            lead + words.map((w, i) => recase(w, masks[i]!) + (seps[i] ?? '')).join('') + trail;
          expect(parseMnemonic(text)).toEqual(words);
          expect(parseMnemonic(words.map((w, i) => recase(w, masks[i]!)))).toEqual(words);
          // E2EE-REC-005: remove all ASCII whitespace, lowercase.
          expect(mnemonicPassword(text)).toBe(text.replace(/[\t\n\v\f\r ]/g, '').toLowerCase());
          expect(formatMnemonic(text)).toBe(words.join(' '));
        },
      ),
    );
  });

  it('E2EE-REC-005: the password is the 12 lowercase words concatenated', () => {
    expect(mnemonicPassword(ALICE)).toBe(
      'deputyabandonbetrayjacketrigidobjectbecausesourceprimarydiarywonderturn',
    );
    expect(mnemonicPassword(ALICE.split(' '))).toBe(mnemonicPassword(`  ${ALICE.toUpperCase()}\n`));
  });

  it('E2EE-REC-004: rejects a wrong word count with MNEMONIC_INVALID', () => {
    const words = ALICE.split(' ');
    for (const bad of ['', ' \t\n', words.slice(0, 11).join(' '), [...words, 'zoo'].join(' ')]) {
      expect(() => parseMnemonic(bad)).toThrow(
        expect.objectContaining({ code: 'MNEMONIC_INVALID' }),
      );
    }
    expect(() => parseMnemonic(words.slice(1))).toThrow(
      expect.objectContaining({
        code: 'MNEMONIC_INVALID',
        message: expect.stringMatching(/got 11/),
      }),
    );
    // The password form (no separators) is one word, not twelve.
    expect(() => parseMnemonic(mnemonicPassword(ALICE))).toThrow(
      expect.objectContaining({ code: 'MNEMONIC_INVALID' }),
    );
  });

  it('E2EE-REC-004: rejects a word not in the list; E2EE-REC-006: the message names its position, not the word', () => {
    fc.assert(
      fc.property(
        words12,
        fc.nat(11),
        fc.string({ minLength: 1, maxLength: 12 }).filter((s) => !/[\t\n\v\f\r ]/.test(s)),
        (words, at, planted) => {
          fc.pre(!wordlist.includes(planted.replace(/[A-Z]/g, (c) => c.toLowerCase())));
          const bad = words.slice();
          bad[at] = planted;
          let err: any;
          try {
            parseMnemonic(bad.join(' '));
          } catch (e) {
            err = e;
          }
          expect(err?.code).toBe('MNEMONIC_INVALID');
          // The whole message is a fixed template: nothing of the input is in it.
          expect(err.message).toBe(
            `word ${at + 1} of the mnemonic is not in the BIP-39 English word list`,
          );
        },
      ),
    );
  });

  it('E2EE-REC-004: no Unicode case folding or Unicode whitespace', () => {
    const words = ALICE.split(' ');
    const cases = [
      words.join('\u00a0'), // no-break space is not ASCII whitespace
      words.join('\u3000'),
      [
        'deputy',
        'abandon',
        'betray',
        'jacket',
        'rigid',
        'object',
        'because',
        'source',
        'prımary',
        'diary',
        'wonder',
        'turn',
      ].join(' '),
      ALICE.replace('object', 'OBJECT\u0301'),
      ALICE.replace('turn', 'turn\u200b'),
    ];
    for (const text of cases) {
      expect(() => parseMnemonic(text)).toThrow(
        expect.objectContaining({ code: 'MNEMONIC_INVALID' }),
      );
    }
    // "İ".toLowerCase() is "i̇" (two code points); only A–Z are folded, so the word stays unknown.
    expect(() => parseMnemonic(ALICE.replace('rigid', 'rİgid'))).toThrow(
      expect.objectContaining({ code: 'MNEMONIC_INVALID' }),
    );
  });

  it('E2EE-REC-002: accepts mnemonics whose BIP-39 checksum is invalid (the fixtures are such)', () => {
    // "abandon" × 12 has an invalid BIP-39 checksum (the valid one ends in "about").
    expect(parseMnemonic(Array(12).fill('abandon').join(' '))).toHaveLength(12);
  });

  it('throws TypeError for a non-string, non-array input', () => {
    for (const bad of [null, undefined, 12, {}, [1, 2]]) {
      expect(() => parseMnemonic(bad as never)).toThrow(TypeError);
    }
  });
});

describeFixtures('mnemonic fixtures', () => {
  it("E2EE-REC-005: every fixture mnemonic gives the fixture's password", () => {
    const web = loadFixture('web-alice-bob.json');
    for (const u of web.data.users) {
      expect(mnemonicPassword(u.mnemonic)).toBe(web.expect.users[u.userId].privateKey.passwordUsed);
    }
    const android = loadFixture('android-v12-checksum.json');
    const text: string = android.data?.mnemonic ?? android.mnemonic;
    expect(parseMnemonic(text)).toHaveLength(12);
  });
});
