/**
 * `mnemonic-kdf` (primitives): mnemonic text → KDF password (normalisation, E2EE-REC-003..005)
 * and password + salt → blob key under each PBKDF2 variant a reader tries (E2EE-REC-010/011).
 *
 * @module
 */
import { pbkdf2Sync } from 'node:crypto';
import { generateMnemonic, mnemonicPassword } from '../../../reference/src/mnemonic/index.js';
import { deriveBlobKey, type KdfVariant } from '../../../reference/src/keyblob/index.js';
import { VectorFileBuilder } from '../envelope.js';
import type { GenContext } from '../context.js';
import { hex, unhex } from '../repr.js';
import { verdict, type VectorType } from '../vector-type.js';

const TYPE = 'mnemonic-kdf';

/** Variants and how many vectors each gets (600000-iteration ones are slow to verify). */
const KDF_CASES: readonly [KdfVariant, number, string][] = [
  [{ prf: 'sha256', iterations: 600_000 }, 2, 'E2EE-REC-010'],
  [{ prf: 'sha1', iterations: 1024 }, 6, 'E2EE-REC-011'],
  [{ prf: 'sha1', iterations: 600_000 }, 1, 'E2EE-REC-011'],
];

export const mnemonicKdf: VectorType = {
  type: TYPE,
  family: 'primitives',
  inFields: ['mnemonicWire', 'saltHex', 'kdf'],
  outFields: ['password', 'keyHex'],
  async generate(ctx: GenContext) {
    const rng = ctx.rng(TYPE);
    const b = new VectorFileBuilder(
      TYPE,
      ctx.source,
      [
        'mnemonicWire is the mnemonic as a user typed it; password is the KDF password (12 lowercase words,',
        'no separator). With saltHex and kdf, keyHex is PBKDF2-HMAC(prf, UTF-8(password), salt, iterations, 32).',
      ],
      {
        Normalisation: {
          bugType: 'TOLERANCE',
          description: 'Case and ASCII whitespace variations a reader must accept.',
          requirements: ['E2EE-REC-003', 'E2EE-REC-005'],
        },
        NoBip39Checksum: {
          bugType: 'BASIC',
          description:
            'Twelve uniform words whose BIP-39 checksum does not hold; readers must not check it.',
          requirements: ['E2EE-REC-002'],
        },
        WordCount: {
          bugType: 'MALFORMED_INPUT',
          description: 'Not exactly 12 words.',
          requirements: ['E2EE-REC-004'],
        },
        UnknownWord: {
          bugType: 'MALFORMED_INPUT',
          description: 'A word outside the BIP-39 English list (after ASCII lowercasing only).',
          requirements: ['E2EE-REC-004'],
        },
        NonAsciiWhitespace: {
          bugType: 'MALFORMED_INPUT',
          description:
            'Only ASCII whitespace separates words; U+00A0 and U+3000 are part of a word.',
          requirements: ['E2EE-REC-003', 'E2EE-REC-004'],
        },
        NonAsciiCase: {
          bugType: 'MALFORMED_INPUT',
          description:
            'Only ASCII letters are case-folded (no Unicode lowercasing or compatibility normalisation).',
          requirements: ['E2EE-REC-003', 'E2EE-REC-004'],
        },
        LegacyKdf: {
          bugType: 'LEGACY',
          description: 'A legacy PBKDF2 variant readers must still try.',
          requirements: ['E2EE-REC-011'],
        },
      },
    );
    b.group({ operation: 'mnemonic-password' });
    const words = (): string[] => generateMnemonic(rng);
    for (let i = 0; i < 6; i++) {
      const w = words();
      b.add({
        slug: `canonical-${i}`,
        comment: 'lowercase words separated by single spaces',
        requirements: ['E2EE-REC-001', 'E2EE-REC-005'],
        flags: ['NoBip39Checksum'],
        in: { mnemonicWire: w.join(' ') },
        expect: { result: 'valid', password: w.join('') },
      });
    }
    const spellings: [string, (w: string[]) => string][] = [
      ['uppercase', (w) => w.join(' ').toUpperCase()],
      ['title-case', (w) => w.map((x) => x[0]!.toUpperCase() + x.slice(1)).join(' ')],
      ['mixed-case', (w) => w.map((x, i) => (i % 2 ? x.toUpperCase() : x)).join(' ')],
      ['tabs', (w) => w.join('\t')],
      ['newlines', (w) => w.join('\n')],
      ['crlf', (w) => w.join('\r\n')],
      ['vertical-tab-form-feed', (w) => w.join('\u000b\u000c')],
      ['runs-of-spaces', (w) => w.join('   ')],
      ['leading-trailing-whitespace', (w) => ` \t${w.join(' ')}\n `],
      [
        'four-rows-of-three',
        (w) => [0, 3, 6, 9].map((i) => w.slice(i, i + 3).join(' ')).join('\n') + '\n',
      ],
      ['numbered-columns-stripped', (w) => w.join('  \t ')],
    ];
    for (const [slug, spell] of spellings) {
      const w = words();
      b.add({
        slug: `normalise-${slug}`,
        comment: `accepted spelling: ${slug}`,
        flags: ['Normalisation'],
        requirements: ['E2EE-REC-003', 'E2EE-REC-005'],
        in: { mnemonicWire: spell(w) },
        expect: { result: 'valid', password: w.join('') },
      });
    }
    const rejects: [string, string, (w: string[]) => string][] = [
      ['empty', 'WordCount', () => ''],
      ['whitespace-only', 'WordCount', () => ' \t\n'],
      ['eleven-words', 'WordCount', (w) => w.slice(0, 11).join(' ')],
      ['thirteen-words', 'WordCount', (w) => [...w, w[0]!].join(' ')],
      ['twenty-four-words', 'WordCount', (w) => [...w, ...w].join(' ')],
      ['words-joined', 'WordCount', (w) => w.join('')],
      ['comma-separated', 'WordCount', (w) => w.join(',')],
      [
        'unknown-word',
        'UnknownWord',
        (w) => [...w.slice(0, 5), 'sealfold', ...w.slice(6)].join(' '),
      ],
      ['misspelt-word', 'UnknownWord', (w) => [w[0]! + 'x', ...w.slice(1)].join(' ')],
      ['word-with-digit', 'UnknownWord', (w) => [...w.slice(0, 11), `${w[11]}1`].join(' ')],
      ['nbsp-separator', 'NonAsciiWhitespace', (w) => w.join('\u00a0')],
      ['ideographic-space', 'NonAsciiWhitespace', (w) => w.join('\u3000')],
      [
        'fullwidth-letter',
        'NonAsciiCase',
        (w) =>
          [
            String.fromCodePoint(0xff00 + w[0]!.charCodeAt(0) - 0x20) + w[0]!.slice(1),
            ...w.slice(1),
          ].join(' '),
      ],
      [
        'kelvin-sign-for-k',
        'NonAsciiCase',
        () =>
          'kangaroo abandon ability able about above absent absorb abstract absurd abuse access'.replace(
            'k',
            '\u212a',
          ),
      ],
      [
        'dotted-capital-i',
        'NonAsciiCase',
        () =>
          'ice abandon ability able about above absent absorb abstract absurd abuse access'.replace(
            'i',
            '\u0130',
          ),
      ],
      ['combining-accent', 'NonAsciiCase', (w) => [w[0] + '\u0301', ...w.slice(1)].join(' ')],
    ];
    for (const [slug, flag, spell] of rejects) {
      b.add({
        slug: `reject-${slug}`,
        comment: `rejected: ${slug}`,
        flags: [flag],
        requirements: ['E2EE-REC-004'],
        in: { mnemonicWire: spell(words()) },
        expect: { result: 'invalid', error: 'MNEMONIC_INVALID' },
      });
    }
    for (const [kdf, n, req] of KDF_CASES) {
      b.group({ operation: 'pbkdf2', keyBytes: 32, saltBytes: 40, kdf });
      for (let i = 0; i < n; i++) {
        const w = words();
        const salt = rng(40);
        const password = w.join('');
        const key = pbkdf2Sync(password, salt, kdf.iterations, 32, kdf.prf);
        b.add({
          slug: `pbkdf2-${kdf.prf}-${kdf.iterations}-${i}`,
          comment: `PBKDF2-HMAC-${kdf.prf.toUpperCase()}, ${kdf.iterations} iterations`,
          flags: kdf.iterations === 600_000 && kdf.prf === 'sha256' ? [] : ['LegacyKdf'],
          requirements: [req, 'E2EE-REC-005'],
          in: {
            mnemonicWire: i % 2 ? w.join(' ').toUpperCase() : w.join(' '),
            saltHex: hex(salt),
            kdf,
          },
          expect: { result: 'valid', password, keyHex: hex(key) },
        });
      }
    }
    return b.file;
  },
  async run(test) {
    const i = test.in as { mnemonicWire: string; saltHex?: string; kdf?: KdfVariant };
    return verdict(async () => {
      const password = mnemonicPassword(i.mnemonicWire);
      if (i.saltHex === undefined) return { password };
      const key = await deriveBlobKey(password, unhex(i.saltHex), i.kdf!);
      return { password, keyHex: hex(key) };
    });
  },
};
