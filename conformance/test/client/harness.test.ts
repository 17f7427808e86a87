/**
 * The client-certification harness against a deliberately misbehaving driver
 * (fixtures/fake-driver.mjs): schema validation naming the field, non-JSON output, timeouts and
 * the kill, UNSUPPORTED, respawn between tests, reasonUnverified → WARN, the errorMap, pre-flight.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { certifyClient, classifyClient } from '../../src/client/run.js';
import { CLIENT_CHECKS } from '../../src/client/checks/index.js';
import { e2eeCodeOf } from '../../src/client/actor.js';
import { ReasonUnverified } from '../../src/client/check.js';
import { interpretAnswer, spawnDriver } from '../../src/client/driver/connection.js';
import { schemaProblem } from '../../src/client/driver/validate.js';
import { DRIVER_METHODS } from '../../src/client/protocol.js';

const FAKE = fileURLToPath(new URL('./fixtures/fake-driver.mjs', import.meta.url));
const driver = (mode: string) =>
  `${JSON.stringify(process.execPath)} ${JSON.stringify(FAKE)} ${mode}`;

function run(
  mode: string,
  only: string[],
  extra: Partial<Parameters<typeof certifyClient>[0]> = {},
) {
  return certifyClient({
    driver: driver(mode),
    checks: CLIENT_CHECKS,
    only,
    outDir: null,
    seed: 7,
    ...extra,
  });
}

describe('driver messages (E2EE-DRV-004, E2EE-DRV-005)', () => {
  it('E2EE-DRV-004: every message schema compiles and refuses an unknown field', () => {
    for (const m of DRIVER_METHODS) {
      expect(schemaProblem(`${m}.params`, { surplus: 1 }), m).not.toBeNull();
      expect(schemaProblem(`${m}.result`, { surplus: 1 }), m).not.toBeNull();
    }
    expect(
      schemaProblem('error', { code: -32020, message: 'm', data: { e2eeCode: 'KEY_MISMATCH' } }),
    ).toBeNull();
    expect(schemaProblem('error', { code: -32020 })).toContain('message');
  });

  it('E2EE-DRV-004: an invalid result is a harness ERROR naming the method and the field', () => {
    const out = interpretAnswer('file.upload', {
      jsonrpc: '2.0',
      id: 1,
      result: { plainSha256: 'xyz', size: 3 },
    });
    expect(out).toEqual({
      kind: 'invalid',
      problem: expect.stringContaining('file.upload: result /plainSha256'),
    });
    const extra = interpretAnswer('identity.status', {
      jsonrpc: '2.0',
      id: 1,
      result: {
        enrolled: false,
        certFingerprintSha256: null,
        serverKeyFingerprintSha256: null,
        x: 1,
      },
    });
    expect(extra).toMatchObject({ kind: 'invalid', problem: expect.stringContaining('(x)') });
    expect(
      interpretAnswer('identity.status', {
        jsonrpc: '2.0',
        id: 1,
        result: {},
        error: { code: 1, message: '' },
      }),
    ).toMatchObject({ kind: 'invalid' });
  });

  it('E2EE-DRV-004 E2EE-DRV-072: a driver answering an invalid enrol result ends that test as ERROR (exit 2)', async () => {
    const r = await run('bad-result', ['identity/enrol']);
    expect(r.exitCode).toBe(2);
    const t = r.report!.results.find((x) => x.testId === 'identity/enrol-as-alice')!;
    expect(t.status).toBe('ERROR');
    expect(t.message).toContain('identity.enroll: result /certFingerprintSha256');
    expect(r.report!.verdicts).toEqual([
      {
        subject: 'client',
        profile: 'client-identity',
        status: 'NOT CERTIFIABLE',
        blocking: expect.any(Array),
      },
    ]);
  });

  it('E2EE-DRV-005: a stdout line that is not JSON ends the test as ERROR', async () => {
    const r = await run('garbage', ['identity/enrol']);
    const t = r.report!.results.find((x) => x.testId === 'identity/enrol-as-alice')!;
    expect(t.status).toBe('ERROR');
    expect(t.message).toContain('not JSON');
  });
});

describe(
  'process model',
  {
    meta: {
      requirements: [
        'E2EE-DRV-060',
        'E2EE-DRV-800',
        'E2EE-DRV-801',
        'E2EE-DRV-802',
        'E2EE-DRV-062',
        'E2EE-DRV-002',
        'E2EE-DRV-014',
      ],
    },
  },
  () => {
    it('E2EE-DRV-800: E2EE-DRV-801: E2EE-DRV-802: a method out of time is TIMEOUT and the driver process is killed', async () => {
      const d = spawnDriver(driver('hang'), { cwd: process.cwd(), env: process.env });
      const out = await d.call('identity.enroll', {}, 800);
      expect(out).toEqual({ kind: 'timeout', afterMs: 800 });
      await expect.poll(() => d.dead, { timeout: 5_000 }).toBe(true);
      await d.close();
      const r = await run('hang', ['identity/enrol'], { methodTimeoutMs: 800 });
      expect(r.report!.results[0]).toMatchObject({ status: 'TIMEOUT' });
      expect(r.exitCode).toBe(2);
    });

    it(
      'UNSUPPORTED blocks the profile; each test gets new processes; stderr is evidence; no secret on argv or env',
      {
        meta: {
          requirements: [
            'E2EE-DRV-803',
            'E2EE-DRV-805',
            'E2EE-DRV-060',
            'E2EE-DRV-062',
            'E2EE-DRV-002',
            'E2EE-DRV-014',
          ],
        },
      },
      async () => {
        const r = await run('unsupported', ['identity/enrol', 'identity/recover-second-device']);
        expect(r.exitCode).toBe(1);
        const [enrol, recover] = r.report!.results;
        expect(enrol!.status).toBe('UNSUPPORTED');
        expect(recover!.status).toBe('UNSUPPORTED');
        expect(r.report!.verdicts[0]!.status).toBe('NOT CERTIFIABLE');
        const pids = (t: typeof enrol) =>
          new Set(
            t!.evidence.notes.flatMap((n) => /stderr alice#\d+: pid (\d+)/.exec(n)?.[1] ?? []),
          );
        const a = pids(enrol);
        const b = pids(recover);
        expect(a.size).toBeGreaterThan(0);
        expect(b.size).toBeGreaterThan(0);
        expect([...a].some((p) => b.has(p))).toBe(false);
        const notes = [...enrol!.evidence.notes, ...recover!.evidence.notes];
        expect(notes.some((n) => n.includes('secret outside stdin: no'))).toBe(true);
        expect(notes.some((n) => n.includes('secret outside stdin: yes'))).toBe(false);
      },
    );
  },
);

describe('rejection reasons (E2EE-DRV-043, E2EE-DRV-044)', () => {
  it('E2EE-DRV-044: a refusal without a code is WARN (reasonUnverified), never PASS; with another code FAIL', async () => {
    const warn = await run('no-reason', ['identity/recover-wrong-mnemonic']);
    expect(warn.report!.results[0]).toMatchObject({
      status: 'WARN',
      message: expect.stringContaining('cannot be verified'),
    });
    const fail = await run('wrong-code', ['identity/recover-wrong-mnemonic']);
    expect(fail.report!.results[0]).toMatchObject({
      status: 'FAIL',
      message: expect.stringContaining('SERVER_ERROR'),
    });
    expect(
      classifyClient('MUST', { kind: 'threw', error: new ReasonUnverified('x') }, true).status,
    ).toBe('WARN');
  });

  it('E2EE-DRV-043: the errorMap turns a vendor message into the spec code', async () => {
    expect(
      e2eeCodeOf({ message: 'm', data: { vendorMessage: 'bad words' } }, [
        { pattern: '^bad words$', e2eeCode: 'AEAD_TAG_MISMATCH' },
      ]),
    ).toBe('AEAD_TAG_MISMATCH');
    expect(
      e2eeCodeOf({ message: 'm', data: { e2eeCode: 'KEY_MISMATCH' } }, [
        { pattern: '.', e2eeCode: 'X' },
      ]),
    ).toBe('KEY_MISMATCH');
    expect(
      e2eeCodeOf({ message: 'other' }, [{ pattern: '^bad words$', e2eeCode: 'X' }]),
    ).toBeUndefined();
    const r = await run('errormap', ['identity/recover-wrong-mnemonic']);
    expect(r.report!.results[0]!.status).toBe('PASS');
  });
});

describe('pre-flight (E2EE-DRV-050, E2EE-DRV-011)', () => {
  it('E2EE-DRV-050: a driver that does not answer an unknown method with -32601 stops the run with exit 3', async () => {
    const r = await run('no-method-not-found', []);
    expect(r.exitCode).toBe(3);
    expect(r.error).toContain('-32601');
    expect(r.report).toBeUndefined();
  });

  it('E2EE-DRV-011: a claim beyond the hello is a configuration error', async () => {
    const r = await run('unsupported', [], { claims: ['client-core'] });
    expect(r.exitCode).toBe(3);
    expect(r.error).toContain('client-core');
  });

  it('E2EE-DRV-011: a driver that cannot start is exit 3', async () => {
    const r = await certifyClient({
      driver: join('/nonexistent', 'driver'),
      checks: CLIENT_CHECKS,
      outDir: null,
    });
    expect(r.exitCode).toBe(3);
  });
});
