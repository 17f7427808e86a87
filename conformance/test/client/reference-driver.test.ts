/**
 * The reference driver as a process (`node bin/sealfold.js driver reference`) and in process:
 * protocol-level behaviour a vendor's driver copies — error codes, idempotent configure, no
 * secret on stderr, only JSON-RPC on stdout.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReferenceDriver } from '../../drivers/reference/driver.js';
import { RpcError } from '../../drivers/reference/rpc.js';
import { spawnDriver } from '../../src/client/driver/connection.js';
import { REPO_ROOT } from '../../src/runner/suite-info.js';
import { startEmbeddedTarget, type EmbeddedTarget } from '../../src/targets/embedded.js';
import { MANAGEMENT_PREFIX } from '../../../server-mock/src/config.js';
import { seededBytes } from '../../../reference/test/_support/seeded-rng.js';

const BIN = join(REPO_ROOT, 'bin', 'sealfold.js');
const dir = mkdtempSync(join(tmpdir(), 'sealfold-refdriver-'));
let target: EmbeddedTarget;

async function newUser(uid: string): Promise<{ userId: string; password: string }> {
  const password = `sf-${uid}-pw-${Buffer.from(seededBytes(`password of ${uid}`, 8)).toString('hex')}`;
  const res = await fetch(`${target.target.baseUrl}${MANAGEMENT_PREFIX}/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ uid, password }),
  });
  expect(res.ok).toBe(true);
  return { userId: uid, password };
}

async function rpcError(p: Promise<unknown>): Promise<RpcError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof RpcError) return e;
    throw e;
  }
  throw new Error('expected an RpcError');
}

beforeAll(async () => {
  target = await startEmbeddedTarget({ statusProfile: 'nc32' });
});
afterAll(async () => {
  await target?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe(
  'the reference driver (E2EE-DRV-012, E2EE-DRV-040, E2EE-DRV-015)',
  { timeout: 120_000 },
  () => {
    it('E2EE-DRV-040 E2EE-DRV-012 E2EE-DRV-033: error codes: unknown method, precondition, invalid params, rejection with e2eeCode; configure is idempotent', async () => {
      const d = createReferenceDriver();
      expect((await rpcError(d.handle('no.such', {}))).code).toBe(-32601);
      expect((await rpcError(d.handle('identity.enroll', {}))).code).toBe(-32011);
      const account = await newUser('drv-a');
      const configure = {
        server: { baseUrl: target.target.baseUrl },
        account,
        workDir: join(dir, 'a'),
      };
      expect(await d.handle('session.configure', configure)).toEqual({});
      expect(await d.handle('session.configure', configure)).toEqual({});
      await d.handle('identity.enroll', {});
      const other = { ...configure, account: await newUser('drv-b') };
      expect((await rpcError(d.handle('session.configure', other))).code).toBe(-32011);
      expect(await d.handle('session.configure', configure)).toEqual({});
      await d.handle('folder.create', { path: 'f' });
      // A source whose content does not hash to the announced sha256 is refused (E2EE-DRV-033).
      writeFileSync(join(dir, 'a', 'x.bin'), 'content');
      const bad = await rpcError(
        d.handle('file.upload', {
          folder: 'f',
          name: 'x',
          source: { path: 'x.bin', sha256: '0'.repeat(64) },
        }),
      );
      expect(bad.code).toBe(-32602);
      const outside = await rpcError(
        d.handle('file.upload', {
          folder: 'f',
          name: 'x',
          source: { path: '../outside.bin', sha256: createHash('sha256').update('').digest('hex') },
        }),
      );
      expect(outside.code).toBe(-32602);
      const missing = await rpcError(
        d.handle('file.download', { folder: 'f', name: 'nope', dest: { path: 'o' } }),
      );
      expect(missing).toMatchObject({ code: -32020, data: { e2eeCode: 'NOT_FOUND' } });
    });

    it('E2EE-DRV-015 E2EE-DRV-001 E2EE-DRV-013: as a process it writes no password or mnemonic to stderr, only JSON-RPC to stdout, and exits on shutdown', async () => {
      const d = spawnDriver(
        `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} driver reference`,
        {
          cwd: dir,
          env: process.env,
        },
      );
      const account = await newUser('drv-p');
      const ok = async (method: string, params: unknown) => {
        const out = await d.call(method, params, 60_000);
        // A non-JSON line on stdout would come back as `invalid` (E2EE-DRV-005).
        expect(out.kind).toBe('result');
        return (out as { result: unknown }).result;
      };
      await ok('driver.hello', { driverApi: '1' });
      await ok('session.configure', {
        server: { baseUrl: target.target.baseUrl },
        account,
        workDir: join(dir, 'p'),
      });
      const enrolled = (await ok('identity.enroll', {})) as { mnemonic: string[] };
      expect(enrolled.mnemonic).toHaveLength(12);
      await d.close();
      expect(d.dead).toBe(true);
      const err = d.stderr();
      expect(err).toContain('identity.enroll ok');
      expect(err).not.toContain(account.password);
      expect(err).not.toContain(enrolled.mnemonic.join(' '));
      expect(err).not.toContain(enrolled.mnemonic.join(''));
    });
  },
);
