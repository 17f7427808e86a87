/**
 * The compact range of a Merkle tree prefix: the roots of the perfect subtrees that make up the
 * first `size` leaves, largest first (at most one per bit of `size`). Appending leaves to it and
 * folding it from the right gives the RFC 9162 root of the longer tree, so a client that stores
 * it verifies a new checkpoint from the entries between two sizes (E2EE-LOG-060).
 *
 * Spec: `spec/21-transparency-log.md` §5, §7.
 *
 * @example
 * ```ts
 * let r = emptyRange();
 * r = appendLeaves(r, [leafHash(e1), leafHash(e2)]);
 * rangeRoot(r); // equals rootHash([leafHash(e1), leafHash(e2)])
 * ```
 *
 * @module
 */
import { EMPTY_ROOT, nodeHash } from './merkle.js';

/** Perfect-subtree roots (with their sizes) covering leaves [0, size). */
export interface CompactRange {
  readonly size: number;
  readonly hashes: readonly Uint8Array[];
}

/** The range of the empty tree. */
export function emptyRange(): CompactRange {
  return { size: 0, hashes: [] };
}

/** Sizes of the perfect subtrees of a prefix of `size` leaves, largest first. */
function subtreeSizes(size: number): number[] {
  const out: number[] = [];
  for (let bit = 2 ** 52; bit >= 1; bit /= 2) if (Math.floor(size / bit) % 2 === 1) out.push(bit);
  return out;
}

/** A new range with `leafHashes` appended (the input is not changed). */
export function appendLeaves(range: CompactRange, leafHashes: readonly Uint8Array[]): CompactRange {
  const hashes = [...range.hashes];
  const sizes = subtreeSizes(range.size);
  for (const leaf of leafHashes) {
    hashes.push(leaf);
    sizes.push(1);
    // Merge equal neighbours: two perfect subtrees of size s make one of size 2s.
    while (sizes.length >= 2 && sizes.at(-1) === sizes.at(-2)) {
      const right = hashes.pop()!;
      const left = hashes.pop()!;
      hashes.push(nodeHash(left, right));
      const s = sizes.pop()!;
      sizes[sizes.length - 1] = s * 2;
    }
  }
  return { size: range.size + leafHashes.length, hashes };
}

/** The RFC 9162 root of the prefix the range covers. */
export function rangeRoot(range: CompactRange): Uint8Array {
  if (range.hashes.length === 0) return EMPTY_ROOT;
  let r = range.hashes.at(-1)!;
  for (let i = range.hashes.length - 2; i >= 0; i--) r = nodeHash(range.hashes[i]!, r);
  return r;
}

/** Checks that `hashes` has one 32-byte hash per perfect subtree of `size` (stored state). */
export function isCompactRange(range: CompactRange): boolean {
  return (
    Number.isSafeInteger(range.size) &&
    range.size >= 0 &&
    range.hashes.length === subtreeSizes(range.size).length &&
    range.hashes.every((h) => h.length === 32)
  );
}
