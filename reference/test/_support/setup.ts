/**
 * Per-file test setup shared by the reference tests: fresh RSA user key pairs and a scratch
 * folder. Both are set up once per test file (RSA-2048 generation is slow).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { generateUserKeyPair, type UserKeyPair } from '../../src/keys/index.js';

type Tuple<T, N extends number, R extends T[] = []> = R['length'] extends N
  ? R
  : Tuple<T, N, [...R, T]>;

/** `n` fresh RSA-2048 user key pairs, generated in parallel. */
export async function userKeyPairs<N extends number>(n: N): Promise<Tuple<UserKeyPair, N>> {
  const pairs = await Promise.all(Array.from({ length: n }, () => generateUserKeyPair()));
  return pairs as Tuple<UserKeyPair, N>;
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
