/**
 * Per-file test setup shared by the reference tests: RSA user key pairs from the test-key pool
 * (`test-keys.ts`: pre-generated, the same in every run) and a scratch folder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { UserKeyPair } from '../../src/keys/index.js';
import { nextTestKeyPair } from './test-keys.js';

type Tuple<T, N extends number, R extends T[] = []> = R['length'] extends N
  ? R
  : Tuple<T, N, [...R, T]>;

/** `n` distinct RSA-2048 user key pairs from the test-key pool. */
export async function userKeyPairs<N extends number>(n: N): Promise<Tuple<UserKeyPair, N>> {
  const pairs = Array.from({ length: n }, () => nextTestKeyPair());
  return Promise.resolve(pairs as Tuple<UserKeyPair, N>);
}

/**
 * A scratch folder for the calling test file: created in `beforeAll`, removed with its content
 * in `afterAll`. Call at the top level of the file; the returned function gives its path.
 */
export function scratchDir(prefix: string): () => string {
  let dir: string | undefined;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
  });
  afterAll(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    if (dir === undefined) throw new Error('scratchDir: used outside the tests of its file');
    return dir;
  };
}
