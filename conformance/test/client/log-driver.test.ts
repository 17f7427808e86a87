/**
 * The transparency-log methods of the driver protocol (spec/18 §4.1) as the reference driver
 * answers them in process, and their schemas: `log.configure` takes witness cosignature keys and
 * a quorum and is idempotent, `log.status` answers from local state.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createReferenceDriver } from '../../drivers/reference/driver.js';
import { parseCosignatureKey } from '../../drivers/reference/log.js';
import { RPC_CODES } from '../../drivers/reference/rpc.js';
import { schemaProblem } from '../../src/client/driver/validate.js';
import {
  cosignerFromSeed,
  formatVerifierKey,
  noteSignerFromSeed,
} from '../../../reference/src/log/index.js';

const witness = cosignerFromSeed('witness.test/w1', new Uint8Array(32).fill(3));
const witnessKey = formatVerifierKey(witness.verifier);
const trust = { witnesses: [{ verifierKey: witnessKey, url: 'http://127.0.0.1:9/w' }], quorum: 1 };

async function rpcCode(p: Promise<unknown>): Promise<number> {
  return p.then(
    () => 0,
    (e: { code: number }) => e.code,
  );
}

describe('driver log methods (spec/18 §4.1)', () => {
  it('E2EE-DRV-130 E2EE-DRV-131: log.configure is idempotent and log.status answers from local state', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sealfold-log-driver-'));
    try {
      const d = createReferenceDriver();
      expect(await rpcCode(d.handle('log.status', {}))).toBe(RPC_CODES.precondition);
      await d.handle('session.configure', {
        // Nothing listens there: log.status must not need the network.
        server: { baseUrl: 'http://127.0.0.1:9' },
        account: { userId: 'alice', password: 'pw' },
        workDir: dir,
      });
      expect(await d.handle('log.configure', trust)).toEqual({});
      expect(await d.handle('log.configure', trust)).toEqual({});
      expect(await rpcCode(d.handle('log.configure', { witnesses: [], quorum: 0 }))).toBe(
        RPC_CODES.precondition,
      );
      const status = await d.handle('log.status', {});
      expect(status).toEqual({ checkpoint: null, lastRefusal: null });
      expect(schemaProblem('log.status.result', status)).toBeNull();
      const hello = (await d.handle('driver.hello', { driverApi: '1' })) as { profiles: string[] };
      expect(hello.profiles).toContain('client-log');
      expect(schemaProblem('driver.hello.result', hello)).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('E2EE-DRV-130: a witness key that is no cosignature key, a wrong key ID or a quorum above the witnesses is invalid params', async () => {
    const logKey = formatVerifierKey(noteSignerFromSeed('log.test/l', new Uint8Array(32)).verifier);
    expect(() => parseCosignatureKey(logKey)).toThrow(/no Ed25519 cosignature vkey/);
    // The base64 key may itself hold '+': split at the first two only.
    const [, name, id, key] = /^([^+]+)\+([0-9a-f]{8})\+(.+)$/s.exec(witnessKey)!;
    const otherId = `${name}+${((Number.parseInt(id!, 16) ^ 1) >>> 0).toString(16).padStart(8, '0')}+${key}`;
    expect(() => parseCosignatureKey(otherId)).toThrow(/key ID/);
    expect(parseCosignatureKey(witnessKey).keyId).toBe(witness.keyId);
    const d = createReferenceDriver();
    expect(
      await rpcCode(d.handle('log.configure', { witnesses: trust.witnesses, quorum: 2 })),
    ).toBe(RPC_CODES.invalidParams);
    expect(
      await rpcCode(
        d.handle('log.configure', { witnesses: [{ verifierKey: logKey, url: 'x' }], quorum: 0 }),
      ),
    ).toBe(RPC_CODES.invalidParams);
  });

  it('E2EE-DRV-131: the schemas accept a verified checkpoint and refuse a root that is not 32 bytes of base64', () => {
    const root = Buffer.alloc(32, 7).toString('base64');
    const ok = {
      checkpoint: { origin: 'o.test/x', size: 3, root },
      lastRefusal: 'LOG_INCONSISTENT',
    };
    expect(schemaProblem('log.status.result', ok)).toBeNull();
    expect(
      schemaProblem('log.status.result', { ...ok, checkpoint: { ...ok.checkpoint, root: 'AA==' } }),
    ).toMatch(/^\/checkpoint/);
    expect(schemaProblem('log.configure.params', { ...trust, quorum: -1 })).toMatch(/quorum/);
    expect(schemaProblem('log.configure.params', trust)).toBeNull();
  });
});
