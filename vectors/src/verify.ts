/**
 * `sealfold vectors verify`: runs every committed vector against the reference and compares the
 * verdict (and, for valid tests, every output) with the file. An `acceptable` test passes when the
 * reference either accepts it with the recorded outputs or rejects it with a spec error code.
 *
 * @module
 */
import { isDeepStrictEqual } from 'node:util';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Expect, Vector, VectorFile } from './envelope.js';
import { VECTORS_DIR } from './context.js';
import { VECTOR_TYPES } from './registry.js';

/** Per-file counts. */
export interface FileReport {
  readonly family: string;
  readonly type: string;
  valid: number;
  invalid: number;
  acceptable: number;
  /** Tests passed and run per producer of recorded runs (groups with `params.producer`). */
  readonly producers: Record<string, { passed: number; total: number }>;
  readonly failures: { id: string; expected: Expect; got: Expect | string }[];
}

function matches(expected: Expect, got: Expect): boolean {
  if (expected.result === 'acceptable') {
    if (got.result === 'invalid') return true;
    return isDeepStrictEqual({ ...expected, result: 'valid' }, got);
  }
  return isDeepStrictEqual(expected, got);
}

/** Runs every test of every file; `only` restricts to some types. */
export async function verifyAll(
  vectorsDir = VECTORS_DIR,
  only?: readonly string[],
): Promise<FileReport[]> {
  const reports: FileReport[] = [];
  for (const t of VECTOR_TYPES) {
    if (only !== undefined && !only.includes(t.type)) continue;
    const familyDir = join(vectorsDir, t.family);
    const file = JSON.parse(readFileSync(join(familyDir, `${t.type}.json`), 'utf8')) as VectorFile;
    const r: FileReport = {
      family: t.family,
      type: t.type,
      valid: 0,
      invalid: 0,
      acceptable: 0,
      producers: {},
      failures: [],
    };
    for (const g of file.testGroups) {
      for (const test of g.tests as Vector[]) {
        let got: Expect | string;
        try {
          got = await t.run(test, g, familyDir);
        } catch (e) {
          got = `untyped exception: ${(e as Error).name}: ${(e as Error).message}`;
        }
        const ok = typeof got !== 'string' && matches(test.expect, got);
        if (ok) r[test.expect.result]++;
        else r.failures.push({ id: test.id, expected: test.expect, got });
        const producer = g.params.producer;
        if (typeof producer === 'string') {
          const row = (r.producers[producer] ??= { passed: 0, total: 0 });
          row.total++;
          if (ok) row.passed++;
        }
      }
    }
    reports.push(r);
  }
  return reports;
}
