/**
 * The contract of one vector type: how its file is generated, and how one of its tests is run
 * against the reference. `sealfold vectors generate`, `lint` and `verify` only use this contract.
 *
 * @module
 */
import { isSealfoldError } from '../../reference/src/errors/index.js';
import type { Expect, Family, TestGroup, Vector, VectorFile } from './envelope.js';
import type { GenContext } from './context.js';

export interface VectorType {
  /** The file's `type`, its file name (`<type>.json`) and its schema (`<type>.schema.json`). */
  readonly type: string;
  readonly family: Family;
  /** Fields of `in` and of a valid `expect` (besides `result`), for the schema. */
  readonly inFields: readonly string[];
  readonly outFields: readonly string[];
  generate(ctx: GenContext): Promise<VectorFile>;
  /** Binary blobs the last generate() referenced, by path relative to the family folder. */
  readonly blobs?: Map<string, Uint8Array>;
  /** Other files the last generate() wrote, by path relative to vectors/ (recorded runs, schemas). */
  readonly files?: Map<string, Uint8Array>;
  /** Runs `test` against the reference; returns the verdict and outputs it reached. */
  run(test: Vector, group: TestGroup, familyDir: string): Promise<Expect>;
}

/** Runs `fn`; a SealfoldError becomes an `invalid` verdict with its code, anything else throws. */
export async function verdict(
  fn: () => Promise<Record<string, unknown>> | Record<string, unknown>,
): Promise<Expect> {
  try {
    return { result: 'valid', ...(await fn()) };
  } catch (e) {
    if (isSealfoldError(e)) return { result: 'invalid', error: e.code };
    throw e;
  }
}
