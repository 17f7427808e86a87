/**
 * Hash tiles (c2sp.org/tlog-tiles, spec/21 §5): path encoding, which tiles a tree has, tile
 * contents, and inclusion and consistency proofs computed from tiles alone — equal to the proofs
 * the log's proof resources serve (RFC 9162 generation over all leaves) for random sizes, and
 * refused when a tile they rest on is tampered with.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sha256 } from '@noble/hashes/sha2.js';
import { consistencyProof, inclusionProof, leafHash, rootHash } from '../../src/log/merkle.js';
import {
  TILE_WIDTH,
  parseTileIndexPath,
  parseTilePath,
  tileConsistencyProof,
  tileHashes,
  tileInclusionProof,
  tilePath,
  tileReader,
  tileTreeRoot,
  tilesOfTree,
  type TileFetch,
  type TileId,
} from '../../src/log/tiles.js';
import { codeAsync } from '../_support/codes.js';

/** Leaf hashes of a tree of `n` entries (distinct, deterministic). */
function leavesOf(n: number): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => leafHash(sha256(Uint8Array.of(i >> 16, i >> 8, i))));
}

/** Tiles served straight from the leaves, optionally with one tile changed by `tamper`. */
function served(
  leaves: readonly Uint8Array[],
  tamper?: (tile: TileId, bytes: Uint8Array) => Uint8Array,
): TileFetch & { fetched: string[] } {
  const fetched: string[] = [];
  const f = async (level: number, index: number, width: number) => {
    fetched.push(tilePath({ level, index, width }));
    const bytes = tileHashes(leaves, { level, index, width });
    return tamper ? tamper({ level, index, width }, bytes) : bytes;
  };
  return Object.assign(f, { fetched });
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** A copy of `bytes` with bit `bit` (modulo its length in bits) flipped. */
function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const out = bytes.slice();
  const at = Math.floor(bit / 8) % out.length;
  out[at] = out[at]! ^ (1 << (bit % 8));
  return out;
}

describe('E2EE-LOG-120 tile paths and contents', () => {
  it('index paths are x-prefixed 3-digit groups; partial tiles carry .p/<W>', () => {
    expect(tilePath({ level: 0, index: 1234067, width: 256 })).toBe('tile/0/x001/x234/067');
    expect(tilePath({ level: 2, index: 0, width: 1 })).toBe('tile/2/000.p/1');
    expect(parseTilePath('0/x001/x234/067')).toEqual({ level: 0, index: 1234067, width: 256 });
    expect(parseTilePath('1/000.p/17')).toEqual({ level: 1, index: 0, width: 17 });
    expect(parseTileIndexPath('005')).toEqual({ index: 5, width: 256 });
    // Non-canonical or malformed: leading zero groups, short groups, level with leading zero,
    // width 0, 256 or with leading zeros, a level above 63.
    for (const bad of [
      '0/x000/001',
      '0/1',
      '0/x1/000',
      '01/000',
      '0/000.p/0',
      '0/000.p/256',
      '0/000.p/017',
      '64/000',
      '0/001/',
      '0/001.p/',
    ])
      expect(parseTilePath(bad), bad).toBeNull();
  });

  it('path encoding round-trips for every index', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 63 }),
        fc.integer({ min: 0, max: 2 ** 40 }),
        fc.integer({ min: 1, max: 256 }),
        (level, index, width) => {
          const p = tilePath({ level, index, width });
          expect(parseTilePath(p.slice('tile/'.length))).toEqual({ level, index, width });
        },
      ),
    );
  });

  it("the tiles of a tree of 70,000 are those of tlog-tiles' example", () => {
    const tiles = tilesOfTree(70_000);
    const at = (level: number) => tiles.filter((t) => t.level === level);
    expect(at(0).filter((t) => t.width === TILE_WIDTH)).toHaveLength(273);
    expect(at(0).at(-1)).toEqual({ level: 0, index: 273, width: 112 });
    expect(at(1)).toEqual([
      { level: 1, index: 0, width: 256 },
      { level: 1, index: 1, width: 17 },
    ]);
    expect(at(2)).toEqual([{ level: 2, index: 0, width: 1 }]);
    expect(tiles.filter((t) => t.level > 2)).toEqual([]);
    expect(tilesOfTree(256)).toEqual([
      { level: 0, index: 0, width: 256 },
      { level: 1, index: 0, width: 1 },
    ]);
    expect(tilesOfTree(0)).toEqual([]);
  });

  it('level 0 holds leaf hashes; level 1 holds the roots of full level-0 tiles', () => {
    const leaves = leavesOf(600);
    const t0 = tileHashes(leaves, { level: 0, index: 2, width: 88 });
    expect(hex(t0)).toBe(leaves.slice(512, 600).map(hex).join(''));
    const t1 = tileHashes(leaves, { level: 1, index: 0, width: 2 });
    expect(hex(t1)).toBe(
      hex(rootHash(leaves.slice(0, 256))) + hex(rootHash(leaves.slice(256, 512))),
    );
    expect(() => tileHashes(leaves, { level: 1, index: 0, width: 3 })).toThrow(RangeError);
  });
});

describe('E2EE-LOG-121 proofs from tiles', () => {
  // Sizes across tile boundaries (255, 256, 257, 65,536 ± …) are drawn by the property; the
  // largest trees are kept few, since tile contents are computed from all leaves in the test.
  const size = fc.oneof(
    fc.integer({ min: 1, max: 600 }),
    fc.constantFrom(255, 256, 257, 511, 512, 513, 768),
  );
  const leaves = leavesOf(800);

  it('the root from tiles is the tree root, for random sizes', async () => {
    await fc.assert(
      fc.asyncProperty(size, async (n) => {
        const r = tileReader(served(leaves.slice(0, n)));
        expect(hex(await tileTreeRoot(r, n))).toBe(hex(rootHash(leaves.slice(0, n))));
      }),
      { numRuns: 40 },
    );
  });

  it('inclusion proofs from tiles equal the served ones, for random sizes and indices', async () => {
    await fc.assert(
      fc.asyncProperty(
        size.chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n - 1 }))),
        async ([n, i]) => {
          const tree = leaves.slice(0, n);
          const r = tileReader(served(tree));
          const proof = await tileInclusionProof(r, n, i, tree[i]!, rootHash(tree));
          expect(proof.map(hex)).toEqual(inclusionProof(tree, i).map(hex));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('consistency proofs from tiles equal the served ones, for random sizes', async () => {
    await fc.assert(
      fc.asyncProperty(
        size.chain((n) => fc.tuple(fc.integer({ min: 1, max: n }), fc.constant(n))),
        async ([m, n]) => {
          const tree = leaves.slice(0, n);
          const r = tileReader(served(tree));
          const old = rootHash(tree.slice(0, m));
          const proof = await tileConsistencyProof(r, m, n, old, rootHash(tree));
          expect(proof.map(hex)).toEqual(consistencyProof(tree, m).map(hex));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('a tree of 65,537 uses a level-2 tile and one tile per level for a proof', async () => {
    const n = 65_537;
    const tree = leavesOf(n);
    const fetch = served(tree);
    const r = tileReader(fetch);
    const proof = await tileInclusionProof(r, n, 70, tree[70]!, rootHash(tree));
    expect(proof.map(hex)).toEqual(inclusionProof(tree, 70).map(hex));
    expect(new Set(fetch.fetched)).toEqual(new Set(['tile/0/000', 'tile/1/000', 'tile/0/256.p/1']));
    expect(hex(await tileTreeRoot(r, n))).toBe(hex(rootHash(tree)));
    expect(fetch.fetched).toContain('tile/2/000.p/1');
  });

  it('a tampered tile gives the honest proof or LOG_PROOF_INVALID, never another proof', async () => {
    await fc.assert(
      fc.asyncProperty(
        size.filter((n) => n >= 2),
        fc.nat(),
        fc.nat(),
        async (n, pick, bit) => {
          const tree = leaves.slice(0, n);
          const root = rootHash(tree);
          const i = pick % n;
          // The tiles the proof reads, then one bit flipped in one of them.
          const honest = served(tree);
          const want = await tileInclusionProof(tileReader(honest), n, i, tree[i]!, root);
          const target = honest.fetched[bit % honest.fetched.length]!;
          const r = tileReader(
            served(tree, (t, bytes) => (tilePath(t) === target ? flipBit(bytes, bit) : bytes)),
          );
          let got: string;
          try {
            got = (await tileInclusionProof(r, n, i, tree[i]!, root)).map(hex).join();
          } catch (e) {
            got = (e as { code?: string }).code ?? String(e);
          }
          expect([want.map(hex).join(), 'LOG_PROOF_INVALID']).toContain(got);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('a tampered hash on the proof path fails with LOG_PROOF_INVALID', async () => {
    const tree = leaves.slice(0, 700);
    const root = rootHash(tree);
    // Entry 5's sibling leaf (index 4) in level-0 tile 0; the second full tile's root (level 1).
    const sibling = tileReader(
      served(tree, (t, b) => (t.level === 0 && t.index === 0 ? flipBit(b, 4 * 32 * 8) : b)),
    );
    expect(await codeAsync(() => tileInclusionProof(sibling, 700, 5, tree[5]!, root))).toBe(
      'LOG_PROOF_INVALID',
    );
    const upper = tileReader(served(tree, (t, b) => (t.level === 1 ? flipBit(b, 32 * 8 + 3) : b)));
    expect(await codeAsync(() => tileInclusionProof(upper, 700, 5, tree[5]!, root))).toBe(
      'LOG_PROOF_INVALID',
    );
    // From 300 to 700 the proof holds MTH(D[0:256]): the first hash of the level-1 tile.
    const first = tileReader(served(tree, (t, b) => (t.level === 1 ? flipBit(b, 3) : b)));
    expect(
      await codeAsync(() =>
        tileConsistencyProof(first, 300, 700, rootHash(tree.slice(0, 300)), root),
      ),
    ).toBe('LOG_PROOF_INVALID');
    expect(await codeAsync(() => tileInclusionProof(upper, 700, 5, tree[6]!, root))).toBe(
      'LOG_PROOF_INVALID',
    );
  });

  it('a tile of the wrong length and an index beyond the tree are refused', async () => {
    const tree = leaves.slice(0, 300);
    const short = tileReader(async (l, n, w) =>
      tileHashes(tree, { level: l, index: n, width: w }).slice(1),
    );
    expect(await codeAsync(() => tileTreeRoot(short, 300))).toBe('LOG_PROOF_INVALID');
    const r = tileReader(served(tree));
    expect(await codeAsync(() => tileInclusionProof(r, 300, 300, tree[0]!, rootHash(tree)))).toBe(
      'LOG_PROOF_INVALID',
    );
    expect(
      await codeAsync(() => tileConsistencyProof(r, 0, 300, rootHash([]), rootHash(tree))),
    ).toBe('LOG_PROOF_INVALID');
  });
});
