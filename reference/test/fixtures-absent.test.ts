/**
 * The README's promise for a clone without `../shared`: the fixture tests skip with a message
 * instead of failing. A copy of the checked-in files is made in a temporary folder that has no
 * `shared` beside it, and every test file that reads fixtures runs there in its own vitest.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../src/_internal/package-files.js';

const ROOT = packageRoot();
const parent = mkdtempSync(join(tmpdir(), 'sealfold-noshared-'));
const copy = join(parent, 'repo');
afterAll(() => rmSync(parent, { recursive: true, force: true }));

/** The checked-in files (what a clone has), or undefined outside a git checkout. */
function trackedFiles(): string[] | undefined {
  try {
    const out = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' });
    return out.split('\0').filter((f) => f !== '' && existsSync(join(ROOT, f)));
  } catch {
    return undefined;
  }
}

/** The test files that read the shared fixtures, found by their import of the fixture helper. */
function fixtureTestFiles(files: readonly string[]): string[] {
  return files.filter(
    (f) =>
      f.endsWith('.test.ts') &&
      f !== 'reference/test/fixtures-absent.test.ts' &&
      readFileSync(join(ROOT, f), 'utf8').includes('_support/fixtures.js'),
  );
}

const files = trackedFiles();

describe.skipIf(files === undefined)('a clone without ../shared', () => {
  it('runs every fixture test file with the fixture suites skipped, none failed, and says why', () => {
    const tests = fixtureTestFiles(files!);
    // The four files the issue names are among them (a rename would otherwise drop them unseen).
    for (const f of [
      'reference/test/keyblob/decrypt.test.ts',
      'reference/test/keys/keys.test.ts',
      'reference/test/metadata/legacy-fixtures.test.ts',
      'reference/test/signature/fixture-android.test.ts',
    ])
      expect(tests).toContain(f);
    for (const f of files!) {
      mkdirSync(dirname(join(copy, f)), { recursive: true });
      cpSync(join(ROOT, f), join(copy, f));
    }
    // Installed dependencies and the compiled CLI (which `npm test` builds first) are shared.
    symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
    if (existsSync(join(ROOT, 'dist'))) symlinkSync(join(ROOT, 'dist'), join(copy, 'dist'));
    expect(existsSync(join(parent, 'shared'))).toBe(false);

    const report = join(parent, 'report.json');
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && k !== 'TEST'),
    );
    const r = spawnSync(
      process.execPath,
      [
        join(ROOT, 'node_modules/vitest/vitest.mjs'),
        'run',
        ...tests,
        '--reporter=json',
        `--outputFile=${report}`,
      ],
      { cwd: copy, env, encoding: 'utf8', timeout: 600_000 },
    );
    const result = JSON.parse(readFileSync(report, 'utf8')) as {
      numFailedTests: number;
      numFailedTestSuites: number;
      numPendingTests: number;
      testResults: {
        name: string;
        status: string;
        message: string;
        assertionResults: { ancestorTitles: string[]; title: string; status: string }[];
      }[];
    };
    const failures = result.testResults
      .filter((t) => t.status !== 'passed')
      // The file's message, or else the titles of its tests that did not pass (a test that timed
      // out under load leaves the file's message empty).
      .map(
        (t) =>
          `${t.name}: ${
            t.message ||
            t.assertionResults
              .filter((x) => x.status !== 'passed')
              .map((x) => `${x.title} (${x.status})`)
              .join('; ')
          }`,
      );
    expect(failures).toEqual([]);
    expect([r.status, result.numFailedTests, result.numFailedTestSuites]).toEqual([0, 0, 0]);
    expect(result.testResults).toHaveLength(tests.length);
    // Every file has at least one skipped fixture suite, and its one test names the reason.
    for (const file of result.testResults) {
      const skipped = file.assertionResults.filter(
        (a) => a.status === 'skipped' || a.status === 'pending',
      );
      expect(skipped.length, file.name).toBeGreaterThan(0);
      expect(
        skipped.some((a) => /fixture tests skipped: .* is absent/.test(a.title)),
        file.name,
      ).toBe(true);
    }
  });
});
