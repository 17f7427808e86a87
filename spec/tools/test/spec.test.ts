/**
 * Runs the spec check on this repository, and every `ts example` block of the spec against the
 * reference implementation.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkSpec, readChapters } from '../check.js';
import { extractExamples } from '../examples.js';
import { repoRoot } from '../../../cli/paths.js';

const root = repoRoot();

describe('the spec', () => {
  it('E2EE-SEC-001: passes the spec check (IDs, citations, coverage, error-code table, schemas)', () => {
    const report = checkSpec(root);
    expect(report.problems).toEqual([]);
    expect(report.counts.total).toBeGreaterThan(0);
  });

  const examples = extractExamples(readChapters(root));
  const dir = join(root, '.tmp', 'spec-examples');
  for (const ex of examples) {
    it(`example at ${ex.chapter}:${ex.line} runs`, async () => {
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `${ex.chapter.replace(/[^a-z0-9]+/gi, '_')}_${ex.line}.ts`);
      writeFileSync(file, ex.code);
      await import(pathToFileURL(file).href);
    });
  }
});
