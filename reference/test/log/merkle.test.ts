/**
 * RFC 9162 §2.1 hashing and proofs: the published transparency-dev/merkle test data (roots of
 * the reference leaves, every inclusion and consistency case with its expected outcome), and
 * properties: every proof the generator makes for random trees verifies, every tampered one fails.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  EMPTY_ROOT,
  consistencyProof,
  inclusionProof,
  leafHash,
  rootHash,
  verifyConsistency,
  verifyInclusion,
} from '../../src/log/merkle.js';
import { code } from '../_support/codes.js';

interface InclusionCase {
  leafIdx: number;
  treeSize: number;
  root: string;
  leafHash: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
  file: string;
}
interface ConsistencyCase {
  size1: number;
  size2: number;
  root1: string;
  root2: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
  file: string;
}
const data = JSON.parse(
  readFileSync(new URL('./testdata/transparency-dev-merkle.json', import.meta.url), 'utf8'),
) as {
  inclusion: InclusionCase[];
  consistency: ConsistencyCase[];
  leafInputs: string[];
  rootHashes: string[];
};

const b64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));
const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
const leaves = data.leafInputs.map((x) => leafHash(hex(x)));

describe('E2EE-LOG-010 RFC 9162 tree hash against transparency-dev/merkle reference roots', () => {
  it('the empty tree and every prefix of the eight reference leaves', () => {
    expect(Buffer.from(EMPTY_ROOT).toString('hex')).toBe(data.rootHashes[0]);
    for (let n = 0; n <= leaves.length; n++) {
      expect(Buffer.from(rootHash(leaves.slice(0, n))).toString('hex'), `size ${n}`).toBe(
        data.rootHashes[n],
      );
    }
  });
  it('a leaf hash differs from a node hash of the same bytes (0x00/0x01 prefixes)', () => {
    const a = leafHash(new Uint8Array(64));
    expect(a).not.toEqual(rootHash([new Uint8Array(32), new Uint8Array(32)]));
  });
});

describe('E2EE-LOG-011 inclusion proofs: published cases', () => {
  expect(data.inclusion.length).toBeGreaterThan(90);
  for (const c of data.inclusion) {
    it(`${c.file}: ${c.desc}`, () => {
      const got = code(() =>
        verifyInclusion(
          c.leafIdx,
          c.treeSize,
          b64(c.leafHash),
          (c.proof ?? []).map(b64),
          b64(c.root),
        ),
      );
      expect(got).toBe(c.wantErr ? 'LOG_PROOF_INVALID' : 'OK');
    });
  }
  it('the generator reproduces every happy-path proof of the eight reference leaves', () => {
    for (const c of data.inclusion.filter((x) => !x.wantErr && x.treeSize <= 8 && x.treeSize > 1)) {
      const proof = inclusionProof(leaves.slice(0, c.treeSize), c.leafIdx);
      expect(proof.map((p) => Buffer.from(p).toString('base64'))).toEqual(c.proof);
    }
  });
});

describe('E2EE-LOG-012 consistency proofs: published cases', () => {
  expect(data.consistency.length).toBeGreaterThan(90);
  for (const c of data.consistency) {
    it(`${c.file}: ${c.desc}`, () => {
      const got = code(() =>
        verifyConsistency(c.size1, c.size2, (c.proof ?? []).map(b64), b64(c.root1), b64(c.root2)),
      );
      expect(got).toBe(c.wantErr ? 'LOG_PROOF_INVALID' : 'OK');
    });
  }
  it('the generator reproduces every happy-path proof of the eight reference leaves', () => {
    const cases = data.consistency.filter((x) => !x.wantErr && x.size2 <= 8 && x.size1 < x.size2);
    expect(cases.length).toBeGreaterThan(3);
    for (const c of cases) {
      const proof = consistencyProof(leaves.slice(0, c.size2), c.size1);
      expect(proof.map((p) => Buffer.from(p).toString('base64'))).toEqual(c.proof);
    }
  });
});

const treeArb = fc
  .integer({ min: 1, max: 70 })
  .map((n) => Array.from({ length: n }, (_, i) => leafHash(Uint8Array.of(i & 0xff, i >> 8))));

function flip(proof: Uint8Array[], i: number, bit: number): Uint8Array[] {
  return proof.map((p, j) =>
    j === i ? p.map((b, k) => (k === bit >> 3 ? b ^ (1 << (bit & 7)) : b)) : p,
  );
}

describe('E2EE-LOG-011 E2EE-LOG-012 properties over random tree sizes', () => {
  it('every inclusion proof verifies; a flipped bit, a dropped hash or a wrong index fails', () => {
    fc.assert(
      fc.property(treeArb, fc.nat(), fc.nat(255), (tree, r, bit) => {
        const n = tree.length;
        const i = r % n;
        const root = rootHash(tree);
        const proof = inclusionProof(tree, i);
        verifyInclusion(i, n, tree[i]!, proof, root);
        if (proof.length > 0) {
          expect(
            code(() => verifyInclusion(i, n, tree[i]!, flip(proof, r % proof.length, bit), root)),
          ).toBe('LOG_PROOF_INVALID');
          expect(code(() => verifyInclusion(i, n, tree[i]!, proof.slice(1), root))).toBe(
            'LOG_PROOF_INVALID',
          );
        }
        if (n > 1) {
          const j = (i + 1) % n;
          expect(code(() => verifyInclusion(j, n, tree[i]!, proof, root))).toBe(
            'LOG_PROOF_INVALID',
          );
        }
      }),
      { numRuns: 300 },
    );
  });
  it('every consistency proof verifies; a flipped bit, another root or a truncation fails', () => {
    fc.assert(
      fc.property(treeArb, fc.nat(), fc.nat(255), (tree, r, bit) => {
        const n = tree.length;
        const m = 1 + (r % n);
        const root1 = rootHash(tree.slice(0, m));
        const root2 = rootHash(tree);
        const proof = consistencyProof(tree, m);
        verifyConsistency(m, n, proof, root1, root2);
        if (m < n) {
          expect(
            code(() => verifyConsistency(m, n, flip(proof, r % proof.length, bit), root1, root2)),
          ).toBe('LOG_PROOF_INVALID');
          expect(code(() => verifyConsistency(m, n, proof.slice(0, -1), root1, root2))).toBe(
            'LOG_PROOF_INVALID',
          );
          const forked = [...tree.slice(0, m - 1), leafHash(Uint8Array.of(0xff, 0xff, 0xff))];
          expect(code(() => verifyConsistency(m, n, proof, rootHash(forked), root2))).toBe(
            'LOG_PROOF_INVALID',
          );
        }
      }),
      { numRuns: 300 },
    );
  });
});
