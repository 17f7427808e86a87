/**
 * Hash tiles of c2sp.org/tlog-tiles (spec/21 §5): the Merkle tree served as tiles of 256
 * consecutive hashes per level (`tile/<L>/<N>[.p/<W>]`), so that a reader computes any inclusion
 * or consistency proof from static resources instead of asking the log for one.
 *
 * The `n`-th tile at level `l` holds, for `i` in 0 … W−1, `MTH(D[(256n+i)·256^l : (256n+i+1)·256^l])`;
 * at level 0 these are leaf hashes. A tree of size `s` has at level `l` the full tiles below
 * `⌊s/256^l⌋ / 256` and one partial tile of width `⌊s/256^l⌋ mod 256` when that is not zero.
 *
 * Nothing read from a tile is trusted: {@link tileInclusionProof} and
 * {@link tileConsistencyProof} verify the proof they computed against the signed roots (RFC 9162
 * §2.1.3.2, §2.1.4.2) before returning it, so a tampered tile that a proof depends on fails with
 * `LOG_PROOF_INVALID` (E2EE-LOG-121).
 *
 * @example
 * ```ts
 * const reader = tileReader((level, index, width) => fetchTile(level, index, width));
 * const proof = await tileInclusionProof(reader, cp.size, 5, leafHash(entry), cp.root);
 * ```
 *
 * @module
 */
import { SealfoldError } from '../errors/index.js';
import { HASH_LENGTH, nodeHash, rootHash, verifyConsistency, verifyInclusion } from './merkle.js';
import { tileIndexPath } from './source.js';

/** log2 of the tile width: every tile spans 8 levels of the tree (tlog-tiles). */
export const TILE_HEIGHT = 8;
/** Hashes in a full tile. */
export const TILE_WIDTH = 2 ** TILE_HEIGHT;
/** Levels a tile path may name (tlog-tiles: 0 … 63). */
export const MAX_TILE_LEVEL = 63;

/** One tile: its level, index within the level, and width (256 for a full tile). */
export interface TileId {
  readonly level: number;
  readonly index: number;
  readonly width: number;
}

/** The path of a hash tile below the log prefix: `tile/<L>/<N>[.p/<W>]`. */
export function tilePath(t: TileId): string {
  const suffix = t.width === TILE_WIDTH ? '' : `.p/${t.width}`;
  return `tile/${t.level}/${tileIndexPath(t.index)}${suffix}`;
}

/**
 * Parses `<N>[.p/<W>]` (the part after `tile/<L>/` or `tile/entries/`): every group three
 * digits, all but the last prefixed by `x`, no group of leading zeros before the number starts,
 * `W` in 1 … 255 without leading zeros. Returns null for anything else.
 */
export function parseTileIndexPath(path: string): { index: number; width: number } | null {
  const m = /^((?:x[0-9]{3}\/){0,4}[0-9]{3})(?:\.p\/([1-9][0-9]{0,2}))?$/.exec(path);
  if (m === null) return null;
  const width = m[2] === undefined ? TILE_WIDTH : Number(m[2]);
  if (width >= TILE_WIDTH && m[2] !== undefined) return null;
  const index = Number(m[1]!.replace(/[x/]/g, ''));
  // One encoding per number: the canonical path of the parsed index must be the input.
  if (tileIndexPath(index) !== m[1]) return null;
  return { index, width };
}

/** Parses `<L>/<N>[.p/<W>]` (the part after `tile/`) of a hash tile, or null. */
export function parseTilePath(path: string): TileId | null {
  const m = /^(0|[1-9][0-9]?)\/(.+)$/.exec(path);
  if (m === null || Number(m[1]) > MAX_TILE_LEVEL) return null;
  const rest = parseTileIndexPath(m[2]!);
  return rest === null ? null : { level: Number(m[1]), ...rest };
}

/** Number of hashes a tree of `size` has at tile level `level` (⌊size / 256^level⌋). */
function hashesAtLevel(size: number, level: number): number {
  return Math.floor(size / TILE_WIDTH ** level);
}

/**
 * The width tile `(level, index)` has in a tree of `size`, or 0 when the tree has no such tile
 * (tlog-tiles: empty tiles are not served).
 */
export function tileWidthAt(size: number, level: number, index: number): number {
  const count = hashesAtLevel(size, level) - index * TILE_WIDTH;
  return Math.max(0, Math.min(TILE_WIDTH, count));
}

/** Every tile of a tree of `size`, level by level, full ones first (the example of tlog-tiles). */
export function tilesOfTree(size: number): TileId[] {
  const out: TileId[] = [];
  for (let level = 0; level <= MAX_TILE_LEVEL && hashesAtLevel(size, level) > 0; level++)
    for (let index = 0; index * TILE_WIDTH < hashesAtLevel(size, level); index++)
      out.push({ level, index, width: tileWidthAt(size, level, index) });
  return out;
}

/**
 * The hashes of tile `t` over the log's leaf hashes (the log's side): concatenated, 32 bytes each.
 * @throws RangeError when the leaves do not cover the tile
 */
export function tileHashes(leafHashes: readonly Uint8Array[], t: TileId): Uint8Array {
  const span = TILE_WIDTH ** t.level;
  const first = t.index * TILE_WIDTH;
  if ((first + t.width) * span > leafHashes.length)
    throw new RangeError('the tree does not cover this tile');
  const out = new Uint8Array(t.width * HASH_LENGTH);
  for (let i = 0; i < t.width; i++) {
    const at = (first + i) * span;
    out.set(rootHash(leafHashes.slice(at, at + span)), i * HASH_LENGTH);
  }
  return out;
}

/** Fetches a tile's raw bytes (the reader's side): over HTTP, or from anything else in tests. */
export type TileFetch = (level: number, index: number, width: number) => Promise<Uint8Array>;

/** Reads tree hashes from tiles of one tree size, fetching each tile once. */
export interface TileReader {
  /** MTH of the perfect subtree of height `height` (2^height leaves) at position `index`. */
  subtree(size: number, height: number, index: number): Promise<Uint8Array>;
}

/** A reader over `fetch` that checks each tile's length and caches it per tree size. */
export function tileReader(fetch: TileFetch): TileReader {
  const cache = new Map<string, Promise<Uint8Array>>();
  const tile = (size: number, level: number, index: number): Promise<Uint8Array> => {
    const width = tileWidthAt(size, level, index);
    const key = `${level}/${index}/${width}`;
    let p = cache.get(key);
    if (p === undefined) {
      p = fetch(level, index, width).then((bytes) => {
        if (bytes.length !== width * HASH_LENGTH)
          throw new SealfoldError(
            'LOG_PROOF_INVALID',
            `tile ${tilePath({ level, index, width })} has ${bytes.length} bytes, not ${width * HASH_LENGTH}`,
          );
        return bytes;
      });
      cache.set(key, p);
    }
    return p;
  };
  return {
    async subtree(size, height, index) {
      // The tile level that holds the subtree's hashes, and how many of them it spans.
      const level = Math.floor(height / TILE_HEIGHT);
      const span = 2 ** (height - level * TILE_HEIGHT);
      const first = index * span;
      if ((first + span) * TILE_WIDTH ** level > size)
        throw new RangeError('the subtree is not inside the tree');
      const n = Math.floor(first / TILE_WIDTH);
      const bytes = await tile(size, level, n);
      const at = first - n * TILE_WIDTH;
      const hashes: Uint8Array[] = [];
      for (let i = at; i < at + span; i++)
        hashes.push(bytes.subarray(i * HASH_LENGTH, (i + 1) * HASH_LENGTH));
      return rootHash(hashes);
    },
  };
}

/**
 * MTH(D[lo:hi]) of a subtree of the RFC 9162 tree of `size` whose start `lo` is a multiple of
 * the largest power of two not above `hi − lo` (every subtree a proof names is one): the perfect
 * subtrees covering it, largest first, folded from the right.
 */
async function rangeHash(r: TileReader, size: number, lo: number, hi: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let at = lo;
  while (at < hi) {
    let height = 0;
    while (at % 2 ** (height + 1) === 0 && at + 2 ** (height + 1) <= hi) height++;
    parts.push(await r.subtree(size, height, at / 2 ** height));
    at += 2 ** height;
  }
  let h = parts.at(-1)!;
  for (let i = parts.length - 2; i >= 0; i--) h = nodeHash(parts[i]!, h);
  return h;
}

/** The largest power of two strictly less than n (n ≥ 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** The root of the tree of `size` from its tiles alone (not verified: compare it with a checkpoint). */
export async function tileTreeRoot(r: TileReader, size: number): Promise<Uint8Array> {
  return size === 0 ? rootHash([]) : rangeHash(r, size, 0, size);
}

/**
 * The inclusion proof of leaf `index` in the tree of `size` (RFC 9162 §2.1.3.1) from tiles,
 * verified against `leaf` and the signed `root` before it is returned.
 * @throws SealfoldError LOG_PROOF_INVALID (a tile the proof rests on does not match the root)
 */
export async function tileInclusionProof(
  r: TileReader,
  size: number,
  index: number,
  leaf: Uint8Array,
  root: Uint8Array,
): Promise<Uint8Array[]> {
  if (!Number.isSafeInteger(index) || index < 0 || index >= size)
    throw new SealfoldError('LOG_PROOF_INVALID', 'index is not below the tree size');
  const proof: Uint8Array[] = [];
  // PATH(m, D[lo:hi]), iteratively from the top; hashes are collected top-down, so reversed.
  let lo = 0;
  let hi = size;
  while (hi - lo > 1) {
    const k = splitPoint(hi - lo);
    if (index < lo + k) {
      proof.push(await rangeHash(r, size, lo + k, hi));
      hi = lo + k;
    } else {
      proof.push(await rangeHash(r, size, lo, lo + k));
      lo += k;
    }
  }
  proof.reverse();
  // E2EE-LOG-121 (MUST, client): a proof computed from tiles is verified against the signed root.
  verifyInclusion(index, size, leaf, proof, root);
  return proof;
}

/**
 * The consistency proof from `oldSize` to `size` (RFC 9162 §2.1.4.1) from the tiles of the tree
 * of `size`, verified against both roots before it is returned.
 * @throws SealfoldError LOG_PROOF_INVALID
 */
export async function tileConsistencyProof(
  r: TileReader,
  oldSize: number,
  size: number,
  oldRoot: Uint8Array,
  root: Uint8Array,
): Promise<Uint8Array[]> {
  if (!Number.isSafeInteger(oldSize) || oldSize < 1 || oldSize > size)
    throw new SealfoldError('LOG_PROOF_INVALID', 'old size must be in 1 … size');
  // SUBPROOF(m, D[lo:hi], b), unrolled: each step adds one hash; collected top-down.
  const proof: Uint8Array[] = [];
  let lo = 0;
  let hi = size;
  let complete = true;
  while (oldSize - lo !== hi - lo || !complete) {
    if (oldSize - lo === hi - lo) {
      proof.push(await rangeHash(r, size, lo, hi));
      break;
    }
    const k = splitPoint(hi - lo);
    if (oldSize - lo <= k) {
      proof.push(await rangeHash(r, size, lo + k, hi));
      hi = lo + k;
    } else {
      proof.push(await rangeHash(r, size, lo, lo + k));
      lo += k;
      complete = false;
    }
  }
  proof.reverse();
  // E2EE-LOG-121 (MUST, client): a proof computed from tiles is verified against both roots.
  verifyConsistency(oldSize, size, proof, oldRoot, root);
  return proof;
}
