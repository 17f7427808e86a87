/**
 * Large inputs as content-addressed blobs (spec/19 §6): `{blob, sha256}` relative to the family
 * folder, gzip-compressed (`compression: "gzip"`, `.bin.gz`) when that shrinks the bytes by at
 * least a quarter. The name and `sha256` are always those of the uncompressed bytes, the ones a
 * reader consumes. gzip from node:zlib writes no timestamp or file name, so the same bytes give
 * the same blob on every generation.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { sha256hex } from './repr.js';

/** A blob reference as it appears in a vector's `in`. */
export type BlobRef =
  | { readonly blob: string; readonly sha256: string }
  | { readonly blob: string; readonly sha256: string; readonly compression: 'gzip' };

/** Compressed only when gzip saves at least this share of the bytes. */
const MIN_SAVING = 0.25;

/** Adds `bytes` to `blobs` (paths relative to the family folder) and returns its reference. */
export function blobOf(bytes: Uint8Array, blobs: Map<string, Uint8Array>): BlobRef {
  const sha256 = sha256hex(bytes);
  const gz = new Uint8Array(gzipSync(bytes, { level: 9 }));
  if (gz.length <= bytes.length * (1 - MIN_SAVING)) {
    const blob = `blobs/${sha256}.bin.gz`;
    blobs.set(blob, gz);
    return { blob, sha256, compression: 'gzip' };
  }
  const blob = `blobs/${sha256}.bin`;
  blobs.set(blob, bytes);
  return { blob, sha256 };
}

/** Why a blob cannot be used, or undefined when its bytes match. */
export function blobProblem(ref: Record<string, unknown>, familyDir: string): string | undefined {
  const path = join(familyDir, String(ref.blob));
  let stored: Uint8Array;
  try {
    stored = new Uint8Array(readFileSync(path));
  } catch {
    return `blob ${String(ref.blob)} missing`;
  }
  let bytes: Uint8Array;
  if (ref.compression === undefined) bytes = stored;
  else if (ref.compression === 'gzip') {
    try {
      bytes = new Uint8Array(gunzipSync(stored));
    } catch {
      return `blob ${String(ref.blob)} is not gzip`;
    }
  } else return `blob ${String(ref.blob)}: unknown compression ${JSON.stringify(ref.compression)}`;
  // E2EE-CONF-502: the hash is over the bytes a reader consumes (after decompression).
  return sha256hex(bytes) === ref.sha256 ? undefined : `blob ${String(ref.blob)} altered`;
}

/** The uncompressed bytes of a blob reference; throws when they do not match its hash. */
export function readBlob(ref: Record<string, unknown>, familyDir: string): Uint8Array {
  const problem = blobProblem(ref, familyDir);
  if (problem !== undefined) throw new Error(problem);
  const stored = new Uint8Array(readFileSync(join(familyDir, String(ref.blob))));
  return ref.compression === 'gzip' ? new Uint8Array(gunzipSync(stored)) : stored;
}
