/**
 * The 12-word mnemonic that protects a user's private key at rest on the server (spec
 * `04-recovery.md` §2; E2EE-REC-001..006).
 *
 * A Nextcloud mnemonic is **not** a BIP-39 mnemonic: it is 12 words drawn independently and
 * uniformly, with replacement, from the 2048-word BIP-39 English list, with no checksum
 * (12 × 11 = 132 bits of entropy). Only the word list is shared with BIP-39.
 *
 * Rationale (how the clients differ): desktop `WordList::getRandomWords(12)`, Android
 * `SecureRandom.nextInt(2048)` and web `Uint16 % 2048` all draw uniform indices. For the KDF
 * password the RFC says "no whitespace and lowercase"; desktop removes `' '` and lowercases,
 * Android and iOS remove `' '` only, web removes `\s` and lowercases when encrypting but only
 * `' '` when decrypting. Words in the list are lowercase ASCII, so all of them derive the same
 * password from a well-formed mnemonic (single spaces, lowercase). This module accepts any ASCII
 * case and any runs of ASCII whitespace and always derives that same password.
 *
 * @module
 */
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { SealfoldError } from '../errors/index.js';
import { abytes, astring, defaultRng, type Rng } from '../_internal/bytes.js';

/** Number of words in a mnemonic (E2EE-REC-001). */
export const MNEMONIC_WORD_COUNT = 12;

/** The BIP-39 English word list (2048 lowercase ASCII words), index order. */
export const MNEMONIC_WORDLIST: readonly string[] = Object.freeze([...wordlist]);

/** Bytes drawn from the CSPRNG per word: one big-endian 16-bit integer. */
const BYTES_PER_WORD = 2;

/** ASCII whitespace: HT, LF, VT, FF, CR and SPACE (U+0009..U+000D, U+0020). */
const ASCII_WHITESPACE_RUN = /[\t\n\v\f\r ]+/;
const ASCII_WHITESPACE_EDGES = /^[\t\n\v\f\r ]+|[\t\n\v\f\r ]+$/g;

/** Word → index; built once from the frozen list and only read. */
const WORD_INDEX: ReadonlyMap<string, number> = new Map(MNEMONIC_WORDLIST.map((w, i) => [w, i]));

/** A mnemonic as text (`"w1 w2 … w12"`, any ASCII case and whitespace) or as a list of words. */
export type MnemonicInput = string | readonly string[];

/** Lowercases ASCII letters only, so that no Unicode case mapping can turn a foreign word into a list word. */
function asciiLower(s: string): string {
  return s.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
}

/**
 * Generates a fresh mnemonic (E2EE-REC-001, E2EE-REC-002).
 *
 * Each word index is one big-endian 16-bit integer from the CSPRNG reduced mod 2048 (its low 11
 * bits). 2^16 is a multiple of 2048, so every index has probability exactly 1/2048: no rejection
 * sampling is needed and no bias is introduced. 24 random bytes are drawn per mnemonic.
 *
 * @param rng source of random bytes; the default is node:crypto's CSPRNG. Inject a deterministic
 *   one only for tests and vectors.
 * @returns 12 lowercase words from {@link MNEMONIC_WORDLIST}.
 * @example
 * ```ts
 * const words = generateMnemonic();
 * words.length; // 12
 * ```
 */
export function generateMnemonic(rng: Rng = defaultRng): string[] {
  const bytes = abytes(
    rng(MNEMONIC_WORD_COUNT * BYTES_PER_WORD),
    'rng output',
    MNEMONIC_WORD_COUNT * BYTES_PER_WORD,
  );
  const words: string[] = [];
  for (let i = 0; i < MNEMONIC_WORD_COUNT; i++) {
    // E2EE-REC-001 (MUST, client): uniform index: (uint16 mod 2048) is unbiased since 2048 | 2^16.
    const index = ((bytes[2 * i]! << 8) | bytes[2 * i + 1]!) & 0x7ff;
    words.push(MNEMONIC_WORDLIST[index]!);
  }
  bytes.fill(0);
  return words;
}

/**
 * Parses a mnemonic typed or stored by a user (E2EE-REC-003, E2EE-REC-004).
 *
 * Text is split on runs of ASCII whitespace (leading and trailing whitespace is ignored); a list
 * is taken word by word. ASCII letters are lowercased. No BIP-39 checksum is checked
 * (E2EE-REC-002). Error messages give word positions, never the words (E2EE-REC-006).
 *
 * @returns the 12 words, lowercase.
 * @throws SealfoldError `MNEMONIC_INVALID` when there are not exactly 12 words or a word is not in
 *   the BIP-39 English list (after lowercasing).
 */
export function parseMnemonic(mnemonic: MnemonicInput): string[] {
  let words: string[];
  if (typeof mnemonic === 'string') {
    const trimmed = mnemonic.replace(ASCII_WHITESPACE_EDGES, '');
    words = trimmed === '' ? [] : trimmed.split(ASCII_WHITESPACE_RUN);
  } else if (Array.isArray(mnemonic)) {
    words = mnemonic.map((w, i) => astring(w, `mnemonic[${i}]`));
  } else {
    throw new TypeError('"mnemonic" must be a string or an array of strings');
  }
  // E2EE-REC-004 (MUST, client): exactly 12 words, each from the list; otherwise MNEMONIC_INVALID.
  if (words.length !== MNEMONIC_WORD_COUNT) {
    throw new SealfoldError(
      'MNEMONIC_INVALID',
      `a mnemonic has ${MNEMONIC_WORD_COUNT} words, got ${words.length}`,
    );
  }
  return words.map((w, i) => {
    const word = asciiLower(w);
    if (!WORD_INDEX.has(word)) {
      // E2EE-REC-006 (MUST NOT, client): the message names the position, never the word.
      throw new SealfoldError(
        'MNEMONIC_INVALID',
        `word ${i + 1} of the mnemonic is not in the BIP-39 English word list`,
      );
    }
    return word;
  });
}

/**
 * The KDF password of a mnemonic (E2EE-REC-005): the 12 lowercase words concatenated with no
 * separator, i.e. the mnemonic with all ASCII whitespace removed and ASCII letters lowercased.
 * The KDF takes its UTF-8 encoding (which equals its ASCII bytes).
 *
 * @throws SealfoldError `MNEMONIC_INVALID` as {@link parseMnemonic}.
 * @example
 * ```ts
 * mnemonicPassword('Deputy abandon  betray\tjacket rigid object because source primary diary wonder turn');
 * // 'deputyabandonbetrayjacketrigidobjectbecausesourceprimarydiarywonderturn'
 * ```
 */
export function mnemonicPassword(mnemonic: MnemonicInput): string {
  return parseMnemonic(mnemonic).join('');
}

/** The display form of a mnemonic: the 12 lowercase words separated by single spaces. */
export function formatMnemonic(mnemonic: MnemonicInput): string {
  return parseMnemonic(mnemonic).join(' ');
}
