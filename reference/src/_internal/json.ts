/**
 * The one JSON implementation of the reference: a parser that keeps exactly what a stored
 * document says (and, in canonical mode, refuses what two clients could re-serialise
 * differently), and the canonical serialiser (spec/06-signature.md §Canonical JSON,
 * E2EE-META-100..109). The signature module signs and verifies with it; the metadata module
 * parses outer, inner and legacy documents and computes inner digests with it.
 *
 * Why not `JSON.parse`: it silently keeps the last of two duplicate keys (Qt keeps the last too,
 * Gson throws, Swift keeps one at random), and it loses the text of numbers (`2.0` becomes `2`,
 * `1e2` becomes `100`), so two verifiers could sign or verify different texts for one document.
 * In canonical mode this parser rejects both cases instead (E2EE-META-103, E2EE-META-109).
 *
 * @module
 */
import { SealfoldError } from '../errors/index.js';
import { setOwn } from './records.js';

/** A JSON value as parsed from a metadata document. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
/** A JSON object (own enumerable string keys only). */
export interface JsonObject {
  [key: string]: JsonValue;
}

/** Nesting limit; metadata documents are 4 levels deep, so 64 is generous and stack-safe. */
export const MAX_JSON_DEPTH = 64;

/** Options of {@link parseJson}. */
export interface ParseJsonOptions {
  /**
   * Apply the rules of the canonical text (default true): no duplicate keys (E2EE-META-103),
   * numbers only in canonical form (E2EE-META-109), no lone surrogates (E2EE-META-102). When
   * false, only RFC 8259 syntax is checked and values are read as `JSON.parse` reads them (the
   * last of two duplicate keys wins).
   */
  readonly canonical?: boolean;
  /**
   * A top-level member inside which only RFC 8259 syntax is checked even in canonical mode: the
   * unsigned `filedrop` of metadata documents (E2EE-META-105).
   */
  readonly laxTopLevelKey?: string;
}

const NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True when `s` has no lone UTF-16 surrogate (String.prototype.isWellFormed, ES2024). */
function isWellFormed(s: string): boolean {
  return !LONE_SURROGATE.test(s);
}

function malformed(message: string): SealfoldError {
  return new SealfoldError('METADATA_MALFORMED', message);
}

/**
 * True when `value` has a canonical text (E2EE-META-101, E2EE-META-109): a safe integer other
 * than -0, or a finite non-integer whose shortest round-trip decimal (`String(n)`, what Qt writes
 * too) needs no exponent. That text is then `String(value)`.
 */
function hasCanonicalText(value: number): boolean {
  if (Number.isInteger(value)) return Number.isSafeInteger(value) && !Object.is(value, -0);
  return Number.isFinite(value) && !/e/i.test(String(value));
}

/**
 * Checks that a number can be written back exactly: its text is its canonical text.
 * E2EE-META-109 (MUST, client): numbers whose text does not round-trip (`2.0`, `2.10`, `1e2`,
 * `-0`, unsafe integers) are rejected.
 */
function checkNumberText(text: string, value: number): void {
  if (!hasCanonicalText(value) || String(value) !== text) {
    throw malformed(
      `the number ${text.slice(0, 40)} is not written in its canonical form, so its signed text is ambiguous`,
    );
  }
}

class Parser {
  private pos = 0;
  private readonly text: string;
  private readonly laxKey: string | undefined;
  constructor(text: string, laxKey: string | undefined) {
    this.text = text;
    this.laxKey = laxKey;
  }

  parseDocument(lax: boolean): JsonValue {
    // RFC 8259 §8.1: no byte order mark.
    if (this.text.charCodeAt(0) === 0xfeff) throw malformed('the document starts with a BOM');
    const v = this.value(0, lax);
    this.ws();
    if (this.pos !== this.text.length) throw malformed(`unexpected text at offset ${this.pos}`);
    return v;
  }

  private ws(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) this.pos++;
      else break;
    }
  }

  /**
   * `lax` is set in non-canonical mode and inside the lax top-level member (the unsigned
   * `filedrop`): there only RFC 8259 syntax is required (E2EE-META-105; the metadata chapter must
   * not reject a document for the content of a filedrop entry, E2EE-META-014).
   */
  private value(depth: number, lax: boolean): JsonValue {
    if (depth > MAX_JSON_DEPTH) throw malformed(`nesting deeper than ${MAX_JSON_DEPTH} levels`);
    this.ws();
    const t = this.text;
    const c = t[this.pos];
    if (c === '{') return this.object(depth, lax);
    if (c === '[') return this.array(depth, lax);
    if (c === '"') return this.string(lax);
    if (t.startsWith('true', this.pos)) return ((this.pos += 4), true);
    if (t.startsWith('false', this.pos)) return ((this.pos += 5), false);
    if (t.startsWith('null', this.pos)) return ((this.pos += 4), null);
    const m = NUMBER.exec(t.slice(this.pos, this.pos + 400));
    if (m) {
      this.pos += m[0].length;
      const n = Number(m[0]);
      if (!lax) checkNumberText(m[0], n);
      return n;
    }
    throw malformed(
      this.pos >= t.length ? 'unexpected end of JSON' : `unexpected token at offset ${this.pos}`,
    );
  }

  private object(depth: number, lax: boolean): JsonObject {
    const obj: JsonObject = {};
    const seen = new Set<string>();
    this.pos++; // {
    this.ws();
    if (this.text[this.pos] === '}') return (this.pos++, obj);
    for (;;) {
      this.ws();
      if (this.text[this.pos] !== '"') throw malformed(`expected a key at offset ${this.pos}`);
      const key = this.string(lax);
      // E2EE-META-103 (MUST, client): duplicate keys make the signed text ambiguous.
      if (seen.has(key) && !lax) throw malformed(`duplicate key "${key.slice(0, 40)}"`);
      seen.add(key);
      this.ws();
      if (this.text[this.pos] !== ':') throw malformed(`expected ':' at offset ${this.pos}`);
      this.pos++;
      setOwn(obj, key, this.value(depth + 1, lax || (depth === 0 && key === this.laxKey)));
      this.ws();
      const c = this.text[this.pos++];
      if (c === '}') return obj;
      if (c !== ',') throw malformed(`expected ',' or '}' at offset ${this.pos - 1}`);
    }
  }

  private array(depth: number, lax: boolean): JsonValue[] {
    const arr: JsonValue[] = [];
    this.pos++; // [
    this.ws();
    if (this.text[this.pos] === ']') return (this.pos++, arr);
    for (;;) {
      arr.push(this.value(depth + 1, lax));
      this.ws();
      const c = this.text[this.pos++];
      if (c === ']') return arr;
      if (c !== ',') throw malformed(`expected ',' or ']' at offset ${this.pos - 1}`);
    }
  }

  private string(lax: boolean): string {
    const t = this.text;
    this.pos++; // opening quote
    let out = '';
    let start = this.pos;
    for (;;) {
      if (this.pos >= t.length) throw malformed('unterminated string');
      const c = t.charCodeAt(this.pos);
      if (c === 0x22) break;
      if (c < 0x20)
        throw malformed(`unescaped control character in a string at offset ${this.pos}`);
      if (c !== 0x5c) {
        this.pos++;
        continue;
      }
      out += t.slice(start, this.pos);
      const e = t[this.pos + 1];
      const simple: Record<string, string> = {
        '"': '"',
        '\\': '\\',
        '/': '/',
        b: '\b',
        f: '\f',
        n: '\n',
        r: '\r',
        t: '\t',
      };
      if (e !== undefined && e in simple) {
        out += simple[e];
        this.pos += 2;
      } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(t.slice(this.pos + 2, this.pos + 6))) {
        out += String.fromCharCode(parseInt(t.slice(this.pos + 2, this.pos + 6), 16));
        this.pos += 6;
      } else {
        throw malformed(`invalid escape in a string at offset ${this.pos}`);
      }
      start = this.pos;
    }
    out += t.slice(start, this.pos);
    this.pos++; // closing quote
    // E2EE-META-102 (MUST, client): strings are Unicode text (no lone surrogates), since the
    // signed bytes are their UTF-8 encoding.
    if (!lax && !isWellFormed(out)) throw malformed('a string contains a lone UTF-16 surrogate');
    return out;
  }
}

/**
 * Parses `text` as RFC 8259 JSON. A BOM, raw control characters, bad escapes, nesting deeper than
 * {@link MAX_JSON_DEPTH} and trailing text are always METADATA_MALFORMED; in canonical mode (the
 * default) so are duplicate keys, non-canonical numbers and lone surrogates, except inside
 * `opts.laxTopLevelKey`. `__proto__` is an ordinary key.
 */
/**
 * The top-level member of a metadata document that its signature does not cover (written by
 * anonymous filedrop uploaders): inside it only RFC 8259 syntax is checked (E2EE-META-105).
 */
export const UNSIGNED_METADATA_KEY = 'filedrop';

/**
 * The rules of a signed 2.x metadata document's text (E2EE-META-100..109), shared by the
 * metadata parser and the signature module so that a document passes both or neither.
 */
export const SIGNED_METADATA_TEXT: ParseJsonOptions = Object.freeze({
  canonical: true,
  laxTopLevelKey: UNSIGNED_METADATA_KEY,
});

export function parseJson(text: string, opts: ParseJsonOptions = {}): JsonValue {
  if (typeof text !== 'string') throw malformed('a JSON document must be a string');
  return new Parser(text, opts.laxTopLevelKey).parseDocument(opts.canonical === false);
}

/**
 * Checks that `value` is a JSON value as {@link parseJson} in canonical mode would return it
 * (plain objects and arrays, numbers with a canonical text, well-formed strings, booleans, null)
 * and returns it typed. The top-level member `laxTopLevelKey` is not checked.
 */
export function assertJsonValue(value: unknown, laxTopLevelKey?: string): JsonValue {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (k !== laxTopLevelKey) assertNested(v, 1);
    }
    return value as JsonObject;
  }
  return assertNested(value, 0);
}

function assertNested(value: unknown, depth: number): JsonValue {
  if (depth > MAX_JSON_DEPTH) throw malformed(`nesting deeper than ${MAX_JSON_DEPTH} levels`);
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    if (!isWellFormed(value)) throw malformed('a string contains a lone UTF-16 surrogate');
    return value;
  }
  if (typeof value === 'number') {
    // E2EE-META-109 (MUST, client): only numbers with a canonical text.
    if (!hasCanonicalText(value)) {
      throw malformed(`the number ${value} has no canonical text, so its signed text is ambiguous`);
    }
    return value;
  }
  if (Array.isArray(value)) {
    for (const v of value) assertNested(v, depth + 1);
    return value as JsonValue[];
  }
  if (typeof value === 'object') {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      throw malformed('a metadata value is not a plain JSON object');
    }
    for (const v of Object.values(value)) assertNested(v, depth + 1);
    return value as JsonObject;
  }
  throw malformed(`a metadata value of type ${typeof value} is not JSON`);
}

/** UTF-16 code-unit order (JavaScript's default string sort; Qt's QString order). */
function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The canonical text of a JSON value (E2EE-META-101): object keys sorted by UTF-16 code units at
 * every level, no whitespace, arrays in order, strings escaped exactly as `JSON.stringify` does
 * (only `"`, `\` and U+0000..U+001F; `/` and non-ASCII stay raw), numbers as `String(n)` (the
 * shortest round-trip form, E2EE-META-109).
 */
export function canonicalJson(value: JsonValue): string {
  if (value === null || typeof value === 'boolean') return String(value);
  // String(n) for every finite number; a non-canonical value read in non-canonical mode (an
  // overflow to Infinity) is written as JSON.stringify writes it.
  if (typeof value === 'number') return JSON.stringify(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).sort(compareKeys);
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k]!)}`).join(',')}}`;
}
