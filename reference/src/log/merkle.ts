/**
 * RFC 9162 §2.1 Merkle tree hashing: leaf and interior node hashes, the root of a list of leaves,
 * and inclusion and consistency proofs (generation and verification).
 *
 * The tree hash is SHA-256 with the domain-separation bytes 0x00 (leaf) and 0x01 (interior node),
 * as in RFC 6962, so that a leaf can never be passed off as a node (E2EE-LOG-010). Verification
 * follows the algorithms of RFC 9162 §2.1.3.2 and §2.1.4.2 (E2EE-LOG-011, E2EE-LOG-012).
 *
 * Spec: `spec/21-transparency-log.md` §3.
 *
 * @example
 * ```ts
 * const leaves = ['a', 'b', 'c'].map((s) => leafHash(utf8(s)));
 * const root = rootHash(leaves);
 * verifyInclusion(1, 3, leaves[1], inclusionProof(leaves, 1), root); // throws on failure
 * ```
 *
 * @module
 */
import { abytes, concatBytes, equalBytes, sha256 } from '../_internal/bytes.js';
import { SealfoldError } from '../errors/index.js';

/** Length of every tree hash (SHA-256). */
export const HASH_LENGTH = 32;

const LEAF_PREFIX = Uint8Array.of(0x00);
const NODE_PREFIX = Uint8Array.of(0x01);

/** MTH({}) = SHA-256() — the root of the empty tree (RFC 9162 §2.1.1). */
export const EMPTY_ROOT: Uint8Array = sha256(new Uint8Array(0));

/** MTH({d}) = SHA-256(0x00 ‖ d) (RFC 9162 §2.1.1). */
export function leafHash(entry: Uint8Array): Uint8Array {
  return sha256(concatBytes(LEAF_PREFIX, abytes(entry, 'entry'))); // E2EE-LOG-010
}

/** SHA-256(0x01 ‖ left ‖ right) (RFC 9162 §2.1.1). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256(concatBytes(NODE_PREFIX, left, right)); // E2EE-LOG-010
}

/** The largest power of two strictly less than n (n ≥ 2): RFC 9162's split point k. */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function assertSize(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`"${name}" must be a non-negative safe integer, got ${value}`);
  }
}

/** MTH(D[n]) over already hashed leaves (RFC 9162 §2.1.1). */
export function rootHash(leafHashes: readonly Uint8Array[]): Uint8Array {
  if (leafHashes.length === 0) return EMPTY_ROOT;
  if (leafHashes.length === 1) return leafHashes[0]!;
  const k = splitPoint(leafHashes.length);
  return nodeHash(rootHash(leafHashes.slice(0, k)), rootHash(leafHashes.slice(k)));
}

/** PATH(m, D[n]) — the inclusion proof of leaf `index` in the tree of all `leafHashes` (§2.1.3.1). */
export function inclusionProof(leafHashes: readonly Uint8Array[], index: number): Uint8Array[] {
  assertSize(index, 'index');
  if (index >= leafHashes.length) throw new RangeError('index is not below the tree size');
  const path = (m: number, d: readonly Uint8Array[]): Uint8Array[] => {
    if (d.length <= 1) return [];
    const k = splitPoint(d.length);
    return m < k
      ? [...path(m, d.slice(0, k)), rootHash(d.slice(k))]
      : [...path(m - k, d.slice(k)), rootHash(d.slice(0, k))];
  };
  return path(index, leafHashes);
}

/** PROOF(m, D[n]) — the consistency proof from size `m` to all `leafHashes` (§2.1.4.1). */
export function consistencyProof(leafHashes: readonly Uint8Array[], m: number): Uint8Array[] {
  assertSize(m, 'm');
  if (m === 0 || m > leafHashes.length) throw new RangeError('m must be in 1..tree size');
  const subproof = (m: number, d: readonly Uint8Array[], b: boolean): Uint8Array[] => {
    if (m === d.length) return b ? [] : [rootHash(d)];
    const k = splitPoint(d.length);
    return m <= k
      ? [...subproof(m, d.slice(0, k), b), rootHash(d.slice(k))]
      : [...subproof(m - k, d.slice(k), false), rootHash(d.slice(0, k))];
  };
  return subproof(m, leafHashes, true);
}

function fail(what: string): never {
  throw new SealfoldError('LOG_PROOF_INVALID', `the ${what} proof does not verify`);
}

function checkHashes(proof: readonly Uint8Array[], what: string): void {
  if (proof.length > 64) fail(what);
  for (const p of proof) if (abytes(p, 'proof hash').length !== HASH_LENGTH) fail(what);
}

/**
 * Verifies that `leaf` (a leaf hash) is leaf `index` of the tree of size `size` with root `root`
 * (RFC 9162 §2.1.3.2).
 * @throws SealfoldError LOG_PROOF_INVALID on any mismatch, including wrong lengths.
 */
export function verifyInclusion(
  index: number,
  size: number,
  leaf: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): void {
  // Sizes come from the network: anything but a safe non-negative integer is a failed proof.
  if (
    !isSize(index) ||
    !isSize(size) ||
    index >= size ||
    abytes(leaf, 'leaf').length !== HASH_LENGTH
  )
    fail('inclusion');
  checkHashes(proof, 'inclusion');
  let fn = BigInt(index);
  let sn = BigInt(size - 1);
  let r = leaf;
  for (const p of proof) {
    if (sn === 0n) fail('inclusion');
    if ((fn & 1n) === 1n || fn === sn) {
      r = nodeHash(p, r);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n || !equalBytes(r, root)) fail('inclusion'); // E2EE-LOG-011
}

/**
 * Verifies that the tree of size `size1` with root `root1` is a prefix of the tree of size `size2`
 * with root `root2` (RFC 9162 §2.1.4.2). Equal sizes need an empty proof and equal roots; a
 * consistency proof from the empty tree is meaningless and is refused (callers that hold no
 * earlier checkpoint skip the check instead).
 * @throws SealfoldError LOG_PROOF_INVALID on any mismatch.
 */
export function verifyConsistency(
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): void {
  if (!isSize(size1) || !isSize(size2) || size2 < size1 || size1 === 0) fail('consistency');
  if (size1 === size2) {
    if (proof.length !== 0 || !equalBytes(root1, root2)) fail('consistency'); // E2EE-LOG-012
    return;
  }
  if (proof.length === 0) fail('consistency');
  checkHashes(proof, 'consistency');
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : [...proof];
  let fn = BigInt(size1 - 1);
  let sn = BigInt(size2 - 1);
  while ((fn & 1n) === 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0n) fail('consistency');
    if ((fn & 1n) === 1n || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  // E2EE-LOG-012: both reconstructed roots must match and the path must be used up.
  if (!equalBytes(fr, root1) || !equalBytes(sr, root2) || sn !== 0n) fail('consistency');
}

function isSize(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

function isPowerOfTwo(n: number): boolean {
  const b = BigInt(n); // bitwise operators on numbers are 32-bit; tree sizes are not
  return b > 0n && (b & (b - 1n)) === 0n;
}
