/**
 * Byte helpers used at every API boundary: type and length checks, strict base64, UTF-8, hex,
 * constant-time comparison and SHA-256. Internal to the reference client.
 *
 * @module
 */
import { createHash, randomBytes as nodeRandomBytes, timingSafeEqual } from 'node:crypto';
import { SealfoldError, type E2eeCode } from '../errors/index.js';

/** A source of random bytes; injectable so that tests and vectors are deterministic. */
export type Rng = (n: number) => Uint8Array;

/** The production CSPRNG (node:crypto). */
export const defaultRng: Rng = (n) => new Uint8Array(nodeRandomBytes(n));

/** True for a real Uint8Array (a Buffer counts), not an object that merely looks like one. */
export function isBytes(a: unknown): a is Uint8Array {
  return a instanceof Uint8Array || (ArrayBuffer.isView(a) && a.constructor.name === 'Uint8Array');
}

/**
 * Asserts that `value` is a Uint8Array, and of one of `lengths` when given: TypeError for a wrong
 * type, RangeError for a wrong length, both naming the parameter.
 */
export function abytes(value: unknown, name: string, ...lengths: number[]): Uint8Array {
  if (!isBytes(value))
    throw new TypeError(`"${name}" must be a Uint8Array, got ${describe(value)}`);
  if (lengths.length > 0 && !lengths.includes(value.length)) {
    throw new RangeError(
      `"${name}" must be ${lengths.join(' or ')} bytes long, got ${value.length}`,
    );
  }
  return value;
}

/** Asserts that `value` is a string. */
export function astring(value: unknown, name: string): string {
  if (typeof value !== 'string')
    throw new TypeError(`"${name}" must be a string, got ${describe(value)}`);
  return value;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'object';
  return typeof v;
}

/** Concatenates byte arrays. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Constant-time equality (length is not secret). */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Overwrites temporary key material. */
export function wipe(...arrays: Uint8Array[]): void {
  for (const a of arrays) a.fill(0);
}

const B64_STRICT = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Canonical base64 (RFC 4648 §4, padded, no line breaks). */
export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/**
 * Decodes base64 strictly: standard alphabet, correct padding, no whitespace, and canonical (the
 * unused bits of the last character are zero). Node's decoder silently skips invalid characters,
 * so the syntax is checked first. Throws SealfoldError(`code`) naming `name`.
 */
export function fromBase64(
  text: string,
  name: string,
  code: E2eeCode = 'INPUT_MALFORMED',
): Uint8Array {
  if (typeof text !== 'string' || !B64_STRICT.test(text)) {
    throw new SealfoldError(code, `"${name}" is not valid base64`);
  }
  const bytes = new Uint8Array(Buffer.from(text, 'base64'));
  if (toBase64(bytes) !== text) throw new SealfoldError(code, `"${name}" is not canonical base64`);
  return bytes;
}

/** UTF-8 encoding. */
export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** Strict UTF-8 decoding; invalid sequences throw SealfoldError(`code`). */
export function fromUtf8(
  bytes: Uint8Array,
  name: string,
  code: E2eeCode = 'INPUT_MALFORMED',
): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (e) {
    throw new SealfoldError(code, `"${name}" is not valid UTF-8`, { cause: e });
  }
}

/** Lowercase hex. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** SHA-256. */
export function sha256(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(data).digest());
}

/** Lowercase hex SHA-256. */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}
