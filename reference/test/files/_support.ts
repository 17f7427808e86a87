/**
 * Helpers for the file-payload tests.
 *
 * @module
 */
import type { Rng } from '../../src/_internal/bytes.js';

/** A deterministic rng that replays `bytes` (for comparing encryptions with equal randomness). */
export function replayRng(bytes: Uint8Array): Rng {
  let off = 0;
  return (n) => {
    if (off + n > bytes.length) throw new Error('replayRng exhausted');
    const out = bytes.slice(off, off + n);
    off += n;
    return out;
  };
}

/** Splits `data` into chunks at the given cut points (any order, duplicates allowed). */
export function chunked(data: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of [...points, data.length]) {
    out.push(data.slice(prev, p));
    prev = p;
  }
  return out;
}

/** Collects an async iterable of bytes into one array. */
export async function collect(source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of source) parts.push(c);
  return new Uint8Array(Buffer.concat(parts));
}

/** The same chunks as an async iterable (the streaming forms read sync and async sources differently). */
export async function* asyncSource(chunks: Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const c of chunks) yield c;
}
