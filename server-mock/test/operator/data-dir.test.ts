/**
 * The data-directory guards in-process: the exclusive lock (both mechanisms) and the recorded
 * CA identity. The process-level behaviour (a second `serve`, SIGKILL, restart with the other
 * `--ca`) is tested in cli/test/serve-operator.test.ts.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  IDENTITY_FILE,
  PID_FILE,
  assertSameCaBackend,
  checkIdentity,
  lockDataDir,
  type LockMechanism,
} from '../../src/data-dir.js';
import { isSealfoldError } from '../../../reference/src/errors/index.js';

const root = mkdtempSync(join(tmpdir(), 'sealfold-datadir-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(root, `d${++n}`);

async function codeOf(f: () => unknown): Promise<string> {
  try {
    await f();
  } catch (e) {
    if (isSealfoldError(e)) return e.code;
    throw e;
  }
  return 'ok';
}

const mechanisms: LockMechanism[] = ['pid-file'];
if (process.platform === 'linux') mechanisms.push('abstract-socket');

describe.each(mechanisms)('data-directory lock (%s)', (mechanism) => {
  it('E2EE-API-830: a second lock on the same directory is refused until the first is released', async () => {
    const dir = freshDir();
    const first = await lockDataDir(dir, mechanism);
    expect(readFileSync(join(dir, PID_FILE), 'utf8').trim()).toBe(String(process.pid));
    let message = '';
    try {
      await lockDataDir(dir, mechanism);
    } catch (e) {
      message = `${isSealfoldError(e) ? e.code : 'other'}: ${(e as Error).message}`;
    }
    expect(message).toMatch(/^LOCK_CONFLICT: data directory .* is in use by .*\(pid \d+\)/);
    // Another directory is independent.
    const other = await lockDataDir(freshDir(), mechanism);
    await other.release();
    await first.release();
    expect(existsSync(join(dir, PID_FILE))).toBe(false);
    const again = await lockDataDir(dir, mechanism);
    await again.release();
  });
});

describe('pid-file lock', () => {
  it('E2EE-API-831: a pid file whose process is gone does not block the next start', async () => {
    const dir = freshDir();
    const held = await lockDataDir(dir, 'pid-file');
    await held.release();
    // A pid that no running process has (pids are below 2^22 on Linux).
    writeFileSync(join(dir, PID_FILE), '4194303\n');
    const lock = await lockDataDir(dir, 'pid-file');
    expect(readFileSync(join(dir, PID_FILE), 'utf8').trim()).toBe(String(process.pid));
    await lock.release();
  });
});

describe('recorded CA identity', () => {
  const A = 'a'.repeat(64);
  const B = 'b'.repeat(64);

  it('E2EE-API-401: the first start records the backend and key; another backend or key is refused', async () => {
    const dir = freshDir();
    await (await lockDataDir(dir)).release();
    expect(await codeOf(() => assertSameCaBackend(dir, 'softhsm'))).toBe('ok');
    checkIdentity(dir, { ca: 'software', serverKeySha256: A });
    expect(JSON.parse(readFileSync(join(dir, IDENTITY_FILE), 'utf8'))).toEqual({
      ca: 'software',
      serverKeySha256: A,
    });
    expect(await codeOf(() => checkIdentity(dir, { ca: 'software', serverKeySha256: A }))).toBe(
      'ok',
    );
    expect(await codeOf(() => assertSameCaBackend(dir, 'softhsm'))).toBe('KEY_CHANGED');
    expect(await codeOf(() => checkIdentity(dir, { ca: 'software', serverKeySha256: B }))).toBe(
      'KEY_CHANGED',
    );
    expect(await codeOf(() => checkIdentity(dir, { ca: 'softhsm', serverKeySha256: A }))).toBe(
      'KEY_CHANGED',
    );
    writeFileSync(join(dir, IDENTITY_FILE), '{"ca":"software"}');
    expect(await codeOf(() => assertSameCaBackend(dir, 'software'))).toBe('INPUT_MALFORMED');
  });
});
