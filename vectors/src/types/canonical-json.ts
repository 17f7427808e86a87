/**
 * `canonical-json` (primitives): the signed content of a metadata document (spec/06-signature.md
 * §3): canonical JSON of everything but the top-level `filedrop` (E2EE-META-101, -105), then
 * ASCII(base64(UTF-8)) (E2EE-META-107), and every reject (E2EE-META-102, -103, -109).
 * Expected outputs of valid tests are computed with ECMAScript's JSON.parse/JSON.stringify over
 * sorted keys, which is the definition the spec gives, not with the reference's serialiser.
 *
 * @module
 */
import {
  canonicalMetadataJson,
  metadataSignedContent,
} from '../../../reference/src/signature/index.js';
import { VectorFileBuilder } from '../envelope.js';
import type { GenContext } from '../context.js';
import { unhex } from '../repr.js';
import { verdict, type VectorType } from '../vector-type.js';

const TYPE = 'canonical-json';

function sortDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortDeep);
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    // Default sort compares UTF-16 code units, as E2EE-META-101 requires.
    return Object.fromEntries(
      Object.keys(o)
        .sort()
        .map((k) => [k, sortDeep(o[k])]),
    );
  }
  return v;
}

/** The spec's definition, via JSON.parse/JSON.stringify (for valid inputs only). */
export function expectedCanonical(text: string): string {
  const signed = JSON.parse(text) as Record<string, unknown>;
  delete signed.filedrop;
  return JSON.stringify(sortDeep(signed));
}

export const canonicalJsonVectors: VectorType = {
  type: TYPE,
  family: 'primitives',
  inFields: ['documentWire', 'documentHex'],
  outFields: ['canonicalJson', 'signedContentWire'],
  async generate(ctx: GenContext) {
    const b = new VectorFileBuilder(
      TYPE,
      ctx.source,
      [
        'The signed content of an outer metadata document: canonicalJson is the canonical JSON of the document',
        'without its top-level "filedrop"; signedContentWire is base64(UTF-8(canonicalJson)), whose ASCII bytes',
        'are what the CMS signature covers. documentHex, when present, gives the document as raw bytes.',
      ],
      {
        KeyOrder: {
          bugType: 'BASIC',
          description: 'Members sorted by UTF-16 code units (not code points, not bytes).',
          requirements: ['E2EE-META-101'],
        },
        StringEscapes: {
          bugType: 'BASIC',
          description: 'Only the mandatory escapes; everything else as itself.',
          requirements: ['E2EE-META-101'],
        },
        Numbers: {
          bugType: 'BASIC',
          description:
            'Integers in shortest form; non-integers as the shortest round-trip decimal without exponent.',
          requirements: ['E2EE-META-101', 'E2EE-META-109'],
        },
        Filedrop: {
          bugType: 'BASIC',
          description:
            'Only the top-level filedrop is unsigned; it is checked for JSON syntax only.',
          requirements: ['E2EE-META-105'],
        },
        NumberReject: {
          bugType: 'CAN_OF_WORMS',
          description: 'A number spelling serialisers disagree about.',
          requirements: ['E2EE-META-109'],
        },
        DuplicateKey: {
          bugType: 'CAN_OF_WORMS',
          description: 'Two members with the same key (after unescaping).',
          requirements: ['E2EE-META-103'],
        },
        LoneSurrogate: {
          bugType: 'CAN_OF_WORMS',
          description: 'A string without a UTF-8 encoding, or bytes that are not UTF-8.',
          requirements: ['E2EE-META-102'],
        },
        NotJson: {
          bugType: 'MALFORMED_INPUT',
          description: 'Not one RFC 8259 JSON object.',
          requirements: ['E2EE-META-100'],
        },
      },
    );
    const valid: [string, string, string, string[]][] = [
      [
        'sorted-members',
        'members reordered',
        '{"version":"2.0","users":[],"metadata":{"nonce":"n","ciphertext":"c","authenticationTag":"t"}}',
        ['KeyOrder'],
      ],
      [
        'utf16-order-surrogates',
        'U+1F600 (surrogates D83D DE00) sorts before U+FFFF, unlike code-point order',
        '{"\uffff":1,"\u{1f600}":2,"z":3}',
        ['KeyOrder'],
      ],
      [
        'utf16-order-case',
        'upper case before lower case',
        '{"b":1,"B":2,"a":3,"A":4,"_":5}',
        ['KeyOrder'],
      ],
      ['utf16-order-accents', 'é after z', '{"é":1,"z":2,"e":3}', ['KeyOrder']],
      [
        'utf16-order-prefix',
        'a key before its extensions',
        '{"ab":1,"a":2,"a\\u0000":3}',
        ['KeyOrder'],
      ],
      [
        'nested-sorted',
        'nested objects sorted, arrays kept in order',
        '{"x":{"b":[3,{"d":1,"c":2},1],"a":null}}',
        ['KeyOrder'],
      ],
      [
        'whitespace-removed',
        'insignificant whitespace everywhere',
        ' {\n  "a" : [ 1 , 2 ] ,\t"b" : { } , "c" : [ ]\r\n}\n',
        [],
      ],
      ['literals', 'null, true, false', '{"n":null,"t":true,"f":false}', []],
      ['escape-quote-backslash', '" and \\ escaped', '{"s":"a\\"b\\\\c"}', ['StringEscapes']],
      [
        'escape-short-forms',
        '\\b \\t \\n \\f \\r kept short',
        '{"s":"\\b\\t\\n\\f\\r"}',
        ['StringEscapes'],
      ],
      [
        'escape-other-controls',
        'other controls as lowercase \\u00xx',
        '{"s":"\\u0000\\u0001\\u001F\\u000B"}',
        ['StringEscapes'],
      ],
      ['unescape-slash', '\\/ becomes /', '{"s":"a\\/b"}', ['StringEscapes']],
      [
        'unescape-non-ascii',
        '\\u00e9 and \\uD83D\\uDE00 become the characters',
        '{"s":"\\u00e9\\ud83d\\ude00"}',
        ['StringEscapes'],
      ],
      [
        'raw-del-and-non-ascii',
        'U+007F, é, 日本, U+2028 written as themselves',
        '{"s":"\u007fé日本\u2028"}',
        ['StringEscapes'],
      ],
      [
        'escaped-key',
        'an escaped key is unescaped, then sorted',
        '{"\\u0062":1,"a":2}',
        ['StringEscapes', 'KeyOrder'],
      ],
      [
        'integers',
        'integers at the limits',
        '{"a":0,"b":-1,"c":9007199254740991,"d":-9007199254740991,"e":42}',
        ['Numbers'],
      ],
      ['version-number-2.1', 'the numeric version 2.1 stays 2.1', '{"version":2.1}', ['Numbers']],
      [
        'non-integers',
        'shortest round-trip decimals without exponent',
        '{"a":0.5,"b":-0.25,"c":123.456,"d":0.000001,"e":2.1}',
        ['Numbers'],
      ],
      [
        'filedrop-removed',
        'the top-level filedrop is not signed',
        '{"version":"2.0","filedrop":{"x":{"a":1}}}',
        ['Filedrop'],
      ],
      [
        'filedrop-syntax-only',
        'inside the top-level filedrop only JSON syntax is checked',
        '{"filedrop":{"k":1e2,"k":-0},"v":1}',
        ['Filedrop'],
      ],
      [
        'nested-filedrop-signed',
        'a filedrop member below the top level is signed',
        '{"metadata":{"filedrop":{"b":1,"a":2}}}',
        ['Filedrop'],
      ],
      ['empty-object', 'an empty document', '{}', []],
      ['deep-nesting-32', '32 nested arrays', `{"a":${'['.repeat(32)}${']'.repeat(32)}}`, []],
    ];
    b.group({ operation: 'signed-content' });
    for (const [slug, comment, documentWire, flags] of valid) {
      const canonical = expectedCanonical(documentWire);
      b.add({
        slug,
        comment,
        flags,
        requirements: [
          'E2EE-META-101',
          'E2EE-META-107',
          ...(flags.includes('Filedrop') ? ['E2EE-META-105'] : []),
          ...(flags.includes('Numbers') ? ['E2EE-META-109'] : []),
        ],
        in: { documentWire },
        expect: {
          result: 'valid',
          canonicalJson: canonical,
          signedContentWire: Buffer.from(canonical, 'utf8').toString('base64'),
        },
      });
    }
    const rejects: [string, string, string, string][] = [
      ['number-2.0', '2.0', '{"version":2.0}', 'NumberReject'],
      ['number-2.10', '2.10', '{"a":2.10}', 'NumberReject'],
      ['number-1e2', '1e2', '{"a":1e2}', 'NumberReject'],
      ['number-1E2', '1E2', '{"a":1E2}', 'NumberReject'],
      ['number-2.1e0', '2.1e0', '{"a":2.1e0}', 'NumberReject'],
      ['number-minus-zero', '-0', '{"a":-0}', 'NumberReject'],
      ['number-1e-7', '1e-7 (the shortest form needs an exponent)', '{"a":1e-7}', 'NumberReject'],
      ['number-2-pow-53', '9007199254740992', '{"a":9007199254740992}', 'NumberReject'],
      [
        'number-long-fraction',
        '0.1000000000000000055511151231257827 (not shortest)',
        '{"a":0.1000000000000000055511151231257827}',
        'NumberReject',
      ],
      ['number-huge', '1e400', '{"a":1e400}', 'NumberReject'],
      ['number-in-array', '1.0 inside an array', '{"a":[1,1.0]}', 'NumberReject'],
      ['duplicate-top', 'duplicate top-level key', '{"a":1,"a":1}', 'DuplicateKey'],
      [
        'duplicate-nested',
        'duplicate key in a nested object',
        '{"m":{"x":1,"x":2}}',
        'DuplicateKey',
      ],
      ['duplicate-after-unescape', '"a" and "\\u0061"', '{"a":1,"\\u0061":2}', 'DuplicateKey'],
      [
        'duplicate-filedrop',
        'filedrop twice at the top level',
        '{"filedrop":{},"filedrop":{}}',
        'DuplicateKey',
      ],
      [
        'lone-high-surrogate-value',
        'escaped lone \\ud800 in a value',
        '{"a":"\\ud800"}',
        'LoneSurrogate',
      ],
      ['lone-low-surrogate-key', 'escaped lone \\udc00 in a key', '{"\\udc00":1}', 'LoneSurrogate'],
      ['reversed-surrogates', '\\ude00\\ud83d', '{"a":"\\ude00\\ud83d"}', 'LoneSurrogate'],
      ['trailing-comma', 'trailing comma', '{"a":1,}', 'NotJson'],
      ['single-quotes', 'single-quoted string', "{'a':1}", 'NotJson'],
      ['nan', 'NaN', '{"a":NaN}', 'NotJson'],
      ['leading-zero', '01', '{"a":01}', 'NotJson'],
      ['plus-sign', '+1', '{"a":+1}', 'NotJson'],
      ['bare-fraction', '.5', '{"a":.5}', 'NotJson'],
      ['comment', 'a comment', '{"a":1 /* c */}', 'NotJson'],
      ['trailing-garbage', 'a second value after the object', '{"a":1} {}', 'NotJson'],
      ['raw-control-in-string', 'a raw U+0001 inside a string', '{"a":"\u0001"}', 'NotJson'],
      ['top-level-array', 'an array', '[1]', 'NotJson'],
      ['top-level-string', 'a string', '"a"', 'NotJson'],
      ['unterminated', 'unterminated object', '{"a":1', 'NotJson'],
      [
        'deep-nesting-100',
        '100 nested arrays',
        `{"a":${'['.repeat(100)}${']'.repeat(100)}}`,
        'NotJson',
      ],
    ];
    for (const [slug, comment, documentWire, flag] of rejects) {
      b.add({
        slug: `reject-${slug}`,
        comment,
        flags: [flag],
        requirements:
          flag === 'NumberReject'
            ? ['E2EE-META-109']
            : flag === 'DuplicateKey'
              ? ['E2EE-META-103']
              : flag === 'LoneSurrogate'
                ? ['E2EE-META-102']
                : ['E2EE-META-100'],
        in: { documentWire },
        expect: { result: 'invalid', error: 'METADATA_MALFORMED' },
      });
    }
    for (const [slug, comment, bytes] of [
      [
        'invalid-utf8-byte',
        'a 0xFF byte inside a string',
        [0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d],
      ],
      [
        'overlong-utf8',
        'an overlong encoding of "/" (C0 AF)',
        [0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc0, 0xaf, 0x22, 0x7d],
      ],
      [
        'utf8-encoded-surrogate',
        'CESU-style ED A0 80 (a surrogate) in UTF-8',
        [0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d],
      ],
      ['utf8-bom', 'a UTF-8 byte order mark before the object', [0xef, 0xbb, 0xbf, 0x7b, 0x7d]],
    ] as const) {
      b.add({
        slug: `reject-${slug}`,
        comment,
        flags: [slug === 'utf8-bom' ? 'NotJson' : 'LoneSurrogate'],
        requirements: ['E2EE-META-102'],
        in: { documentHex: Buffer.from(bytes).toString('hex') },
        expect: { result: 'invalid', error: 'METADATA_MALFORMED' },
      });
    }
    return b.file;
  },
  async run(test) {
    const i = test.in as { documentWire?: string; documentHex?: string };
    const doc = i.documentHex !== undefined ? unhex(i.documentHex) : i.documentWire!;
    return verdict(() => ({
      canonicalJson: canonicalMetadataJson(doc),
      signedContentWire: Buffer.from(metadataSignedContent(doc)).toString('latin1'),
    }));
  },
};
