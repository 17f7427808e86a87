/**
 * The vector set as CI checks it: the committed files equal a fresh generation, they pass the
 * lint, and every vector gives the recorded verdict with the reference. Negative cases show that
 * the lint and the verifier catch what they must (a check no test can fail is no check).
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext, VECTORS_DIR } from '../src/context.js';
import { diffAgainstDisk, generateAll } from '../src/generate.js';
import { lintAll } from '../src/lint.js';
import { verifyAll } from '../src/verify.js';
import { fileDecrypt } from '../src/types/file-decrypt.js';

describe('vectors: generation', () => {
  // Generation and verification run PBKDF2 with 600000 iterations several times: slow on a busy CI.
  const SLOW = { timeout: 600_000 };

  it('the committed vector set equals a fresh generation from the default seed', SLOW, async () => {
    const files = await generateAll();
    expect(diffAgainstDisk(files)).toEqual([]);
    expect(files.length).toBeGreaterThan(20);
  });

  it('another seed gives other bytes; the same seed the same bytes', async () => {
    const a = await fileDecrypt.generate(createContext('seed-a'));
    const a2 = await fileDecrypt.generate(createContext('seed-a'));
    const b = await fileDecrypt.generate(createContext('seed-b'));
    expect(JSON.stringify(a)).toBe(JSON.stringify(a2));
    expect(JSON.stringify(a)).not.toBe(JSON.stringify(b));
  });
});

describe('vectors: lint', () => {
  it('the committed set has no problems and at least 500 vectors', () => {
    const r = lintAll();
    expect(r.problems).toEqual([]);
    expect(r.tests).toBeGreaterThanOrEqual(500);
  });

  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'sealfold-vectors-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  /** A copy of vectors/ (and the registry it checks requirement IDs against) with one edit. */
  function copyWith(
    name: string,
    edit: (file: any) => void,
    rel = 'primitives/file-decrypt.json',
  ): string {
    const dir = join(root, name, 'vectors');
    cpSync(VECTORS_DIR, dir, {
      recursive: true,
      filter: (src) => !src.includes(`${VECTORS_DIR}src`),
    });
    mkdirSync(join(root, name, 'spec'), { recursive: true });
    cpSync(
      join(VECTORS_DIR, '..', 'spec', 'requirements.json'),
      join(root, name, 'spec', 'requirements.json'),
    );
    const p = join(dir, rel);
    const file = JSON.parse(readFileSync(p, 'utf8'));
    edit(file);
    writeFileSync(p, JSON.stringify(file, null, 2) + '\n');
    return dir;
  }
  const problemsOf = (dir: string) => lintAll(dir).problems.join('\n');

  it('a published id that disappears fails (ids are never removed)', () => {
    const dir = copyWith('removed', (f) => {
      f.testGroups[0].tests.pop();
      f.numberOfTests--;
    });
    expect(problemsOf(dir)).toMatch(/is in ids.txt but in no vector file/);
  });
  it('an invalid test without an error code of the closed list fails', () => {
    const dir = copyWith('code', (f) => {
      const t = f.testGroups.at(-1).tests[0];
      t.expect = { result: 'invalid', error: 'TAG_BAD' };
    });
    expect(problemsOf(dir)).toMatch(/schema/);
  });
  it('an acceptable test without a flag, and a flag without a note, fail', () => {
    const dir = copyWith('flags', (f) => {
      f.testGroups[0].tests[0].expect = { result: 'acceptable' };
      f.testGroups[0].tests[1].flags = ['NoSuchFlag'];
    });
    const p = problemsOf(dir);
    expect(p).toMatch(/acceptable without a flag/);
    expect(p).toMatch(/flag NoSuchFlag has no note/);
  });
  it('a duplicate id, an unknown requirement and a changed file (SHA256SUMS) fail', () => {
    const dir = copyWith('dup', (f) => {
      f.testGroups[0].tests[1].id = f.testGroups[0].tests[0].id;
      f.testGroups[0].tests[2].requirements = ['E2EE-FILE-999'];
    });
    const p = problemsOf(dir);
    expect(p).toMatch(/also in/);
    expect(p).toMatch(/unknown requirement E2EE-FILE-999/);
    expect(p).toMatch(/SHA256SUMS: primitives\/file-decrypt.json does not match/);
  });
});

describe('vectors: verify against the reference', () => {
  it('every vector gives its recorded verdict, in every family', { timeout: 600_000 }, async () => {
    const reports = await verifyAll();
    const failures = reports.flatMap((r) => r.failures.map((f) => f.id));
    expect(failures).toEqual([]);
    const families = new Set(reports.map((r) => r.family));
    expect([...families].sort()).toEqual(['chains', 'primitives', 'scenarios']);
  });

  it('a changed expectation is reported as a failure', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'sealfold-verify-')), 'vectors');
    cpSync(VECTORS_DIR, dir, {
      recursive: true,
      filter: (src) => !src.includes(`${VECTORS_DIR}src`),
    });
    const p = join(dir, 'primitives', 'file-decrypt.json');
    const f = JSON.parse(readFileSync(p, 'utf8'));
    f.testGroups[0].tests[3].expect.plaintext.length += 1;
    const invalid = f.testGroups
      .at(-1)
      .tests.find((t: any) => t.expect.error === 'AEAD_TAG_MISMATCH');
    invalid.expect.error = 'CIPHERTEXT_MALFORMED';
    writeFileSync(p, JSON.stringify(f));
    const [r] = await verifyAll(dir, ['file-decrypt']);
    expect(r!.failures.map((x) => x.id).sort()).toEqual(
      [f.testGroups[0].tests[3].id, invalid.id].sort(),
    );
    rmSync(join(dir, '..'), { recursive: true, force: true });
  });
});
