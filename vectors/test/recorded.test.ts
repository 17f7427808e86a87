/**
 * Recorded runs, freezing, compressed blobs and producer directories (spec/19 §4–§7): the seeded
 * RSA-OAEP wrap that makes recording deterministic, the gate that keeps a run the reference
 * disagrees with out of the set, `vectors freeze` and its refusals, the lint of run files, and
 * a frozen run plus a producer contribution going through generate, lint and verify.
 */
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rsaOaepUnwrap, rsaOaepWrap } from '../../reference/src/primitives/index.js';
import { createContext, VECTORS_DIR } from '../src/context.js';
import { seededRng } from '../src/rng.js';
import { oaepWrapSeeded } from '../src/oaep.js';
import { blobOf, blobProblem, readBlob } from '../src/blobs.js';
import { checkAgainstReference, parseRecordedRun } from '../src/recorded-run.js';
import { freezeRun, FreezeRefused } from '../src/freeze.js';
import { generateAll, writeAll } from '../src/generate.js';
import { lintAll } from '../src/lint.js';
import { verifyAll } from '../src/verify.js';
import { sha256hex } from '../src/repr.js';

const RUNS_DIR = join(VECTORS_DIR, 'producers', 'sealfold-reference', '1.0.0');
const runText = (name: string) => readFileSync(join(RUNS_DIR, `${name}.json`), 'utf8');
// Test edits reach into steps and expectations freely.
const runOf = (name: string) => JSON.parse(runText(name)) as any;

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'sealfold-recorded-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A copy of vectors/ with its sources, the package manifest and the requirement registry. */
function copyOfSet(name: string): string {
  const dir = join(root, name, 'vectors');
  cpSync(VECTORS_DIR, dir, { recursive: true });
  cpSync(join(VECTORS_DIR, '..', 'package.json'), join(root, name, 'package.json'));
  mkdirSync(join(root, name, 'spec'), { recursive: true });
  cpSync(
    join(VECTORS_DIR, '..', 'spec', 'requirements.json'),
    join(root, name, 'spec', 'requirements.json'),
  );
  return dir;
}

describe('recorded runs (E2EE-CONF-500)', () => {
  it('E2EE-CONF-500: a seeded rsaOaepWrap is reproducible, equals an independent EME-OAEP encoder (node-forge) for the same seed, and unwraps; without an rng it stays node:crypto OAEP', () => {
    const ctx = createContext();
    const { spki, pkcs8 } = ctx.key('bob');
    const key = seededRng('t', 'key')(16);
    const a = rsaOaepWrap(spki, key, seededRng('t', 'oaep'));
    const b = rsaOaepWrap(spki, key, seededRng('t', 'oaep'));
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    const forge = oaepWrapSeeded(spki, key, seededRng('t', 'oaep'));
    expect(Buffer.from(a).toString('hex')).toBe(Buffer.from(forge).toString('hex'));
    expect(Buffer.from(rsaOaepUnwrap(pkcs8, a)).equals(Buffer.from(key))).toBe(true);
    const c = rsaOaepWrap(spki, key, seededRng('t', 'other'));
    expect(Buffer.from(c).equals(Buffer.from(a))).toBe(false);
    const native = rsaOaepWrap(spki, key);
    expect(Buffer.from(rsaOaepUnwrap(pkcs8, native)).equals(Buffer.from(key))).toBe(true);
    expect(() => rsaOaepWrap(spki, new Uint8Array(191), seededRng('t', 'long'))).toThrow(
      expect.objectContaining({ code: 'INPUT_MALFORMED' }),
    );
  });

  it('E2EE-CONF-500: the published recorded runs are real attacks with the verdicts of the HTTP client, and the passive runner agrees with each', async () => {
    const verdicts: Record<string, string[]> = {};
    for (const name of [
      'honest-share-upload-subfolder',
      'server-replays-older-root',
      'server-drops-member-unsigned',
      'server-swaps-file-bodies',
      'server-swaps-subfolder-documents',
      'server-substitutes-member-certificate',
      'own-writes-then-replay',
      'mock-attack-drop-member',
      'mock-attack-counter-rollback',
      'mock-attack-flip-metadata-byte',
      'mock-attack-flip-signature-byte',
      'mock-attack-flip-file-byte',
      'mock-attack-flip-file-tag',
      'mock-attack-truncate-file',
      'mock-attack-splice-file',
    ]) {
      const run = parseRecordedRun(runText(name));
      await checkAgainstReference(run);
      verdicts[name] = run.expect.map((e) => (e.result === 'valid' ? 'valid' : e.error));
    }
    expect(verdicts).toEqual({
      'honest-share-upload-subfolder': ['valid', 'valid', 'valid', 'valid'],
      'server-replays-older-root': ['valid', 'valid', 'COUNTER_ROLLBACK', 'valid'],
      'server-drops-member-unsigned': ['valid', 'SIGNATURE_INVALID'],
      'server-swaps-file-bodies': ['valid', 'AEAD_TAG_MISMATCH'],
      'server-swaps-subfolder-documents': ['valid', 'valid', 'METADATA_MISPLACED'],
      'server-substitutes-member-certificate': ['valid', 'SIGNER_NOT_MEMBER'],
      'own-writes-then-replay': ['valid', 'valid', 'valid', 'valid', 'COUNTER_ROLLBACK'],
      'mock-attack-drop-member': ['valid', 'valid', 'SIGNATURE_INVALID'],
      'mock-attack-counter-rollback': ['valid', 'valid', 'COUNTER_ROLLBACK'],
      'mock-attack-flip-metadata-byte': ['valid', 'valid', 'SIGNATURE_INVALID'],
      'mock-attack-flip-signature-byte': ['valid', 'valid', 'SIGNATURE_INVALID'],
      'mock-attack-flip-file-byte': ['valid', 'valid', 'AEAD_TAG_MISMATCH'],
      'mock-attack-flip-file-tag': ['valid', 'valid', 'AEAD_TAG_MISMATCH'],
      'mock-attack-truncate-file': ['valid', 'valid', 'AEAD_TAG_MISMATCH'],
      'mock-attack-splice-file': ['valid', 'valid', 'AEAD_TAG_MISMATCH'],
    });
    // The honest run carries bodies the reader downloaded, and their plaintext digests.
    const honest = runOf('honest-share-upload-subfolder');
    expect(Object.keys(honest.steps[2].bodies)).toHaveLength(2);
    expect(Object.keys(honest.expect[2].files)).toHaveLength(2);
    // The own-writes run records what alice uploaded as written steps (her marks).
    const own = runOf('own-writes-then-replay');
    expect(own.steps.map((s: { written?: true }) => s.written === true)).toEqual([
      true,
      true,
      true,
      false,
      false,
    ]);
  });

  it('E2EE-CONF-500: a run whose verdicts the reference does not reach is refused (changed code, changed fingerprint, accepted attack)', async () => {
    const code = runOf('server-replays-older-root');
    code.expect[2] = { result: 'invalid', error: 'COUNTER_FORK' };
    await expect(checkAgainstReference(code)).rejects.toThrow(/step 2 .*COUNTER_ROLLBACK/);
    const digest = runOf('honest-share-upload-subfolder');
    digest.expect[1].root.digest = '0'.repeat(64);
    await expect(checkAgainstReference(digest)).rejects.toThrow(/step 1/);
    const accepted = runOf('server-swaps-file-bodies');
    accepted.expect[1] = { result: 'valid' };
    await expect(checkAgainstReference(accepted)).rejects.toThrow(/AEAD_TAG_MISMATCH/);
    // A partial expectation (acceptance without a fingerprint) is completed from the reference.
    const partial = runOf('server-replays-older-root');
    partial.expect[0] = { result: 'valid' };
    const got = await checkAgainstReference(partial);
    expect(got[0]).toEqual(runOf('server-replays-older-root').expect[0]);
  });

  it('E2EE-CONF-500: the recorded-run schema refuses a step count mismatch, an unknown code and a bad name', () => {
    const base = runOf('server-drops-member-unsigned');
    expect(() => parseRecordedRun(JSON.stringify({ ...base, expect: [base.expect[0]] }))).toThrow(
      /2 steps but 1 expectations/,
    );
    expect(() =>
      parseRecordedRun(
        JSON.stringify({ ...base, expect: [base.expect[0], { result: 'invalid', error: 'NOPE' }] }),
      ),
    ).toThrow();
    expect(() => parseRecordedRun(JSON.stringify({ ...base, name: 'Bad Name' }))).toThrow(/name/);
  });
});

describe('vectors freeze (E2EE-CONF-501)', () => {
  const vectorsDir = () => join(root, 'freeze', 'vectors');
  beforeAll(() => {
    mkdirSync(vectorsDir(), { recursive: true });
    writeFileSync(join(vectorsDir(), 'ids.txt'), 'scenario/frozen-taken\n');
  });

  it('E2EE-CONF-501: a run the reference agrees with is stored flagged Frozen without observed, under scenario/frozen-<name>; freezing it again changes nothing', async () => {
    const run = { ...runOf('server-replays-older-root'), observed: [{ accepted: true }] };
    const r = await freezeRun(JSON.stringify(run), {
      name: 'rollback-accepted',
      vectorsDir: vectorsDir(),
    });
    expect(r).toEqual({
      id: 'scenario/frozen-rollback-accepted',
      path: 'frozen/rollback-accepted.json',
      written: true,
    });
    const stored = JSON.parse(readFileSync(join(vectorsDir(), r.path), 'utf8'));
    expect(stored.observed).toBeUndefined();
    expect(stored.flags).toContain('Frozen');
    expect(stored.name).toBe('rollback-accepted');
    const again = await freezeRun(JSON.stringify(run), {
      name: 'rollback-accepted',
      vectorsDir: vectorsDir(),
    });
    expect(again.written).toBe(false);
  });

  it('E2EE-CONF-501: refuses a malformed run, a run the reference disagrees with, a name holding other content and a published id, writing nothing', async () => {
    const refuse = async (text: string, name: string, why: RegExp) => {
      await expect(freezeRun(text, { name, vectorsDir: vectorsDir() })).rejects.toThrow(why);
      expect(existsSync(join(vectorsDir(), 'frozen', `${name}.json`))).toBe(
        name === 'rollback-accepted',
      );
    };
    await refuse('{"format":"other"}', 'malformed', /not a valid recorded run/);
    const wrong = runOf('server-drops-member-unsigned');
    wrong.expect[1] = { result: 'valid' };
    await refuse(JSON.stringify(wrong), 'disagrees', /the reference disagrees/);
    await refuse(runText('server-drops-member-unsigned'), 'rollback-accepted', /another run/);
    await refuse(runText('server-drops-member-unsigned'), 'taken', /published before/);
    await expect(freezeRun('{}', { vectorsDir: vectorsDir() })).rejects.toBeInstanceOf(
      FreezeRefused,
    );
  });
});

describe('blobs (E2EE-CONF-502)', () => {
  it('E2EE-CONF-502: compressible bytes are stored gzip-compressed under the hash of the uncompressed bytes; ciphertext-like bytes stay uncompressed', () => {
    const blobs = new Map<string, Uint8Array>();
    const text = new Uint8Array(Buffer.from('metadata '.repeat(2000)));
    const ref = blobOf(text, blobs);
    expect(ref).toEqual({
      blob: `blobs/${sha256hex(text)}.bin.gz`,
      sha256: sha256hex(text),
      compression: 'gzip',
    });
    expect(blobs.get(ref.blob)!.length).toBeLessThan(text.length / 4);
    const random = seededRng('blob', 'random')(20_000);
    expect(blobOf(random, blobs)).toEqual({
      blob: `blobs/${sha256hex(random)}.bin`,
      sha256: sha256hex(random),
    });
    // Twice the same bytes: the same blob (gzip writes no timestamp).
    const again = new Map<string, Uint8Array>();
    blobOf(text, again);
    expect(Buffer.from(again.get(ref.blob)!).equals(Buffer.from(blobs.get(ref.blob)!))).toBe(true);
  });

  it('E2EE-CONF-502: the lint decompresses before hashing and reports altered, missing, non-gzip and unknown-compression blobs', () => {
    const dir = join(root, 'blobs');
    mkdirSync(join(dir, 'blobs'), { recursive: true });
    const text = new Uint8Array(Buffer.from('abc'.repeat(1000)));
    const sha = sha256hex(text);
    writeFileSync(join(dir, 'blobs', 'ok.bin.gz'), gzipSync(text));
    writeFileSync(join(dir, 'blobs', 'other.bin.gz'), gzipSync(Buffer.from('abd'.repeat(1000))));
    writeFileSync(join(dir, 'blobs', 'plain.bin'), text);
    const ok = { blob: 'blobs/ok.bin.gz', sha256: sha, compression: 'gzip' };
    expect(blobProblem(ok, dir)).toBeUndefined();
    expect(Buffer.from(readBlob(ok, dir)).equals(Buffer.from(text))).toBe(true);
    // The hash of the compressed file is not the promise.
    expect(
      blobProblem({ ...ok, sha256: sha256hex(readFileSync(join(dir, 'blobs', 'ok.bin.gz'))) }, dir),
    ).toMatch(/altered/);
    expect(blobProblem({ ...ok, blob: 'blobs/other.bin.gz' }, dir)).toMatch(/altered/);
    expect(blobProblem({ ...ok, blob: 'blobs/plain.bin' }, dir)).toMatch(/not gzip/);
    expect(blobProblem({ ...ok, compression: 'zstd' }, dir)).toMatch(/unknown compression/);
    expect(blobProblem({ ...ok, blob: 'blobs/none.bin.gz' }, dir)).toMatch(/missing/);
    expect(blobProblem({ blob: 'blobs/plain.bin', sha256: sha }, dir)).toBeUndefined();
  });
});

describe('producer directories and frozen runs in the set (E2EE-CONF-503)', () => {
  it(
    'E2EE-CONF-503: E2EE-CONF-501: E2EE-CONF-500: a frozen run and a contributed producer run become vectors that lint and verify, a contribution the reference disagrees with stops the generation; a malformed contribution and one without its vector fail the lint',
    { timeout: 600_000 },
    async () => {
      const dir = copyOfSet('set');
      const contributed = {
        ...runOf('server-swaps-file-bodies'),
        name: 'bodies',
        producer: { name: 'acme', version: '3.1' },
      };
      mkdirSync(join(dir, 'producers', 'acme', '3.1'), { recursive: true });
      writeFileSync(
        join(dir, 'producers', 'acme', '3.1', 'bodies.json'),
        JSON.stringify(contributed),
      );
      const frozen = await freezeRun(runText('server-replays-older-root'), {
        name: 'replay',
        vectorsDir: dir,
      });
      // Not generated yet: the lint names both runs without a vector.
      const before = lintAll(dir).problems.join('\n');
      expect(before).toMatch(/producers\/acme\/3.1\/bodies.json: no vector scenario\/acme-bodies/);
      expect(before).toMatch(/frozen\/replay.json: no vector scenario\/frozen-replay/);
      // A contribution the reference disagrees with stops the generation (E2EE-CONF-500).
      const wrong = { ...contributed, expect: [contributed.expect[0], { result: 'valid' }] };
      const file = join(dir, 'producers', 'acme', '3.1', 'bodies.json');
      writeFileSync(file, JSON.stringify(wrong));
      await expect(generateAll(undefined, dir)).rejects.toThrow(/step 1 .*AEAD_TAG_MISMATCH/);
      writeFileSync(file, JSON.stringify(contributed));
      writeAll(await generateAll(undefined, dir), dir);
      expect(lintAll(dir).problems).toEqual([]);
      const [report] = await verifyAll(dir, ['scenario']);
      expect(report!.failures).toEqual([]);
      expect(report!.producers).toEqual({
        'sealfold-reference': { passed: 15, total: 15 },
        acme: { passed: 1, total: 1 },
      });
      const ids = readFileSync(join(dir, 'ids.txt'), 'utf8');
      expect(ids).toContain(`${frozen.id}\n`);
      expect(ids).toContain('scenario/acme-bodies\n');
      // A malformed contribution, and a file whose name is not its run's name.
      writeFileSync(join(dir, 'producers', 'acme', '3.1', 'broken.json'), '{"format":"x"}');
      writeFileSync(
        join(dir, 'producers', 'acme', '3.1', 'renamed.json'),
        JSON.stringify(contributed),
      );
      const after = lintAll(dir).problems.join('\n');
      expect(after).toMatch(/broken.json: not a valid recorded run/);
      expect(after).toMatch(/renamed.json: its name is bodies/);
    },
  );
});
