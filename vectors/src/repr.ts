/**
 * Representation rules of the vector files (conformance-design §3.4): raw bytes as lowercase hex
 * in `*Hex` fields, wire strings verbatim in `*Wire` fields, plaintext by `{length, sha256}`.
 *
 * @module
 */
import { createHash } from 'node:crypto';

/** Lowercase hex. */
export function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

/** Bytes of a lowercase hex string. */
export function unhex(s: string): Uint8Array {
  if (!/^(?:[0-9a-f]{2})*$/.test(s)) throw new Error('not lowercase hex');
  return new Uint8Array(Buffer.from(s, 'hex'));
}

/** Canonical base64. */
export function b64(b: Uint8Array): string {
  return Buffer.from(b).toString('base64');
}

/** Lowercase hex SHA-256. */
export function sha256hex(b: Uint8Array | string): string {
  return createHash('sha256').update(b).digest('hex');
}

/** A plaintext by length and hash (large plaintexts are not written out). */
export function digestOf(b: Uint8Array): { length: number; sha256: string } {
  return { length: b.length, sha256: sha256hex(b) };
}

/** A copy of `b` with bit 0 of byte `i` flipped. */
export function flip(b: Uint8Array, i: number): Uint8Array {
  const c = new Uint8Array(b);
  c[i]! ^= 1;
  return c;
}
