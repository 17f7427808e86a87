import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { canonicalMetadataJson, metadataSignedContent } from '../../src/signature/index.js';
import { signedContentCandidates } from '../../src/signature/canonical.js';
import { parseJson } from '../../src/_internal/json.js';

const malformed = expect.objectContaining({ code: 'METADATA_MALFORMED' });
const wellFormed = (s: string) =>
  !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);

/** Random JSON objects within the canonical domain (safe integers, well-formed strings). */
const jsonValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.maxSafeInteger(),
    fc.string({ unit: 'grapheme', maxLength: 12 }),
    fc.string({ unit: 'binary', maxLength: 8 }).filter(wellFormed),
    fc.array(tie('value'), { maxLength: 4 }),
    tie('object'),
  ),
  object: fc.dictionary(
    fc.string({ unit: 'binary', maxLength: 6 }).filter(wellFormed),
    tie('value'),
    {
      maxKeys: 5,
    },
  ),
}));

/** Rebuilds every object with its keys inserted in a shuffled order. */
function reorder(v: unknown, seed: number): unknown {
  if (Array.isArray(v)) return v.map((x) => reorder(x, seed + 1));
  if (v !== null && typeof v === 'object') {
    const keys = Object.keys(v);
    const shuffled = keys
      .map((k, i) => ({ k, r: (Math.imul(i + 1, 2654435761) ^ seed) >>> 0 }))
      .sort((a, b) => a.r - b.r)
      .map((x) => x.k);
    const out: Record<string, unknown> = {};
    for (const k of shuffled) {
      Object.defineProperty(out, k, {
        value: reorder((v as Record<string, unknown>)[k], seed + 7),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return v;
}

describe('canonical JSON', () => {
  it('E2EE-META-101: is independent of key insertion order and parses back to an equal value', () => {
    fc.assert(
      fc.property(jsonValue.object, fc.integer(), (obj, seed) => {
        const a = canonicalMetadataJson(obj);
        expect(canonicalMetadataJson(reorder(obj, seed) as object)).toBe(a);
        // The canonical text parses back (strictly and with JSON.parse) to the same value, and is
        // a fixed point.
        expect(parseJson(a)).toEqual(JSON.parse(a));
        expect(JSON.parse(a)).toEqual(JSON.parse(JSON.stringify(obj)));
        expect(canonicalMetadataJson(a)).toBe(a);
        // Compact: the same text as JSON.stringify once the keys are sorted.
        expect(a).toBe(JSON.stringify(JSON.parse(a)));
      }),
      { numRuns: 300 },
    );
  });

  it('E2EE-META-101: sorts keys at every level by UTF-16 code units, arrays stay in order', () => {
    const doc =
      '{"b":{"z":1,"a":[3,1,{"y":0,"x":0}]},"a":"1","B":true,"é":null,"\u{1F600}":0,"\uFF5E":0}';
    expect(canonicalMetadataJson(doc)).toBe(
      '{"B":true,"a":"1","b":{"a":[3,1,{"x":0,"y":0}],"z":1},"é":null,"\u{1F600}":0,"\uFF5E":0}',
    );
    // U+1F600 is D83D DE00 in UTF-16: it sorts before U+FF5E by code unit, after it by code point.
    expect(canonicalMetadataJson('{"\uFF5E":0,"\u{1F600}":1}')).toBe('{"\u{1F600}":1,"\uFF5E":0}');
  });

  it('E2EE-META-101: writes non-ASCII as raw UTF-8, never escapes "/", escapes controls like Qt and JSON.stringify', () => {
    const text = canonicalMetadataJson(
      '{"userId":"J\\u00f6rg \\ud83d\\ude00 \\/ a/b","ctl":"\\u001f\\b\\t\\n\\f\\r\\"\\\\\\u007f\\u2028"}',
    );
    expect(text).toBe(
      '{"ctl":"\\u001f\\b\\t\\n\\f\\r\\"\\\\\u007f\u2028","userId":"Jörg 😀 / a/b"}',
    );
    const content = new TextDecoder().decode(metadataSignedContent(text));
    expect(Buffer.from(content, 'base64').toString('utf8')).toBe(text);
    expect(Buffer.from(content, 'base64')).toContain(0xc3); // ö as UTF-8 (C3 B6), not \u00f6
  });

  it('E2EE-META-105: removes only the top-level filedrop key; a nested one is signed', () => {
    const doc = { version: '2.0', filedrop: { x: { a: 1 } }, metadata: { filedrop: 'kept' } };
    expect(canonicalMetadataJson(doc)).toBe('{"metadata":{"filedrop":"kept"},"version":"2.0"}');
    expect(canonicalMetadataJson({ version: '2.0' })).toBe('{"version":"2.0"}');
    // The unsigned filedrop member only has to be JSON: what an uploader or the server's
    // re-serialisation puts there cannot make the signed part unreadable (E2EE-META-014).
    const odd = '{"filedrop":{"a":1.5,"a":-0,"s":"\\ud800","e":1e400},"version":"2.0"}';
    expect(canonicalMetadataJson(odd)).toBe('{"version":"2.0"}');
    expect(canonicalMetadataJson({ filedrop: { x: 0.5, y: undefined }, v: 1 })).toBe('{"v":1}');
    expect(() => canonicalMetadataJson('{"filedrop":{"a":1,}}')).toThrow(malformed);
    expect(() => canonicalMetadataJson('{"filedrop":{},"filedrop":{}}')).toThrow(malformed);
  });

  it('E2EE-META-107: the signed content is the ASCII of padded base64 of the UTF-8 text', () => {
    const content = metadataSignedContent('{"version":"2.0"}');
    expect(new TextDecoder().decode(content)).toBe('eyJ2ZXJzaW9uIjoiMi4wIn0=');
    expect(Buffer.from(metadataSignedContent('{"v":"\u00e9"}')).toString()).toBe(
      Buffer.from('{"v":"é"}', 'utf8').toString('base64'),
    );
  });

  it('E2EE-META-103: duplicate keys are METADATA_MALFORMED at any level', () => {
    expect(() => canonicalMetadataJson('{"a":1,"a":1}')).toThrow(malformed);
    expect(() => canonicalMetadataJson('{"m":{"nonce":"x","nonce":"y"}}')).toThrow(malformed);
    // Equal after unescaping counts as a duplicate.
    expect(() => canonicalMetadataJson('{"a":1,"\\u0061":2}')).toThrow(malformed);
    expect(() => canonicalMetadataJson('{"filedrop":{},"filedrop":{}}')).toThrow(malformed);
  });

  it('E2EE-META-109: numbers must be safe integers or non-integers in shortest round-trip form', () => {
    expect(canonicalMetadataJson('{"counter":5,"n":-3,"z":0}')).toBe('{"counter":5,"n":-3,"z":0}');
    for (const n of ['2.1', '1.2', '0.5', '-0.25', '0.30000000000000004', '123456.789']) {
      expect(canonicalMetadataJson(`{"version": ${n}}`)).toBe(`{"version":${n}}`);
    }
    const rejected = ['2.0', '2.10', '1e2', '2.1e0', '-0', '-0.0', '1E0', '10.00', '0.10'];
    for (const n of [...rejected, '1e-7', '9007199254740992', '0.1000000000000000055511']) {
      expect(() => canonicalMetadataJson(`{"version":${n}}`), n).toThrow(malformed);
    }
    expect(canonicalMetadataJson({ version: 2.1 })).toBe('{"version":2.1}');
    for (const v of [-0, Number.NaN, Infinity, 1e-7, 2 ** 53, 1e21]) {
      expect(() => canonicalMetadataJson({ version: v }), String(v)).toThrow(malformed);
    }
  });

  it('E2EE-META-109: every finite double without an exponent in String(n) round-trips through its text', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (d) => {
        const text = String(d);
        const ok =
          !/e/i.test(text) &&
          !Object.is(d, -0) &&
          (!Number.isInteger(d) || Number.isSafeInteger(d));
        if (ok) {
          expect(canonicalMetadataJson(`{"n":${text}}`)).toBe(`{"n":${text}}`);
          expect(canonicalMetadataJson({ n: d })).toBe(`{"n":${text}}`);
        } else {
          expect(() => canonicalMetadataJson({ n: d })).toThrow(malformed);
        }
        // A trailing zero is never canonical.
        if (!Number.isInteger(d) && ok) {
          expect(() => canonicalMetadataJson(`{"n":${text}0}`)).toThrow(malformed);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('E2EE-META-102: lone surrogates are METADATA_MALFORMED', () => {
    expect(() => canonicalMetadataJson('{"a":"\\ud800"}')).toThrow(malformed);
    expect(() => canonicalMetadataJson('{"\\udc00":1}')).toThrow(malformed);
    expect(() => canonicalMetadataJson({ a: '\ud800x' })).toThrow(malformed);
    expect(() =>
      canonicalMetadataJson(new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d])),
    ).toThrow(malformed);
  });

  it('E2EE-META-100: rejects what is not one strict JSON object', () => {
    const bad = [
      '',
      '[]',
      '"x"',
      'null',
      '{"a":1}x',
      '{"a":1,}',
      '{a:1}',
      "{'a':1}",
      '\ufeff{}',
      '{"a":"\u0001"}',
      '{"a":"\\x"}',
      '{"a":01}',
      '{"a":tru}',
      '[' + '['.repeat(100) + ']'.repeat(101),
    ];
    for (const b of bad) expect(() => canonicalMetadataJson(b), b).toThrow(malformed);
    for (const v of [{ a: undefined }, { a: () => 1 }, { a: new Date(0) }, { a: 1n }]) {
      expect(() => canonicalMetadataJson(v)).toThrow(malformed);
    }
    expect(() => canonicalMetadataJson(42 as unknown as object)).toThrow(TypeError);
  });

  it('E2EE-META-100: "__proto__" is an ordinary key (no prototype pollution)', () => {
    const text = canonicalMetadataJson('{"__proto__":{"polluted":1},"a":1}');
    expect(text).toBe('{"__proto__":{"polluted":1},"a":1}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('E2EE-META-125: the desktop variant (users[].encryptedFiledropKey removed) is offered only when present', () => {
    const plain = { users: [{ userId: 'a' }], version: '2.0' };
    expect(signedContentCandidates(plain).map((c) => c.variant)).toEqual(['canonical']);
    const withKey = { users: [{ userId: 'a', encryptedFiledropKey: 'k' }, 'odd'], version: '2.0' };
    const [canon, desktop] = signedContentCandidates(withKey);
    expect(desktop!.variant).toBe('desktop-filedrop-key');
    const text = (c: { content: Uint8Array }) =>
      Buffer.from(Buffer.from(c.content).toString(), 'base64').toString();
    expect(text(canon!)).toBe(
      '{"users":[{"encryptedFiledropKey":"k","userId":"a"},"odd"],"version":"2.0"}',
    );
    expect(text(desktop!)).toBe('{"users":[{"userId":"a"},"odd"],"version":"2.0"}');
  });
});
