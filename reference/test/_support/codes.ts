/**
 * Outcomes as codes, for tests that compare what several inputs give: the code of the
 * SealfoldError a call throws, or `'OK'` when it returns. Any other exception is a test failure
 * and propagates.
 */
import { isSealfoldError } from '../../src/errors/index.js';

/** The code of the SealfoldError `fn` throws, or `'OK'`. */
export function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (isSealfoldError(e)) return e.code;
    throw e;
  }
  return 'OK';
}

/** The code of the SealfoldError the promise of `fn` rejects with, or `'OK'`. */
export async function codeAsync(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
  } catch (e) {
    if (isSealfoldError(e)) return e.code;
    throw e;
  }
  return 'OK';
}
