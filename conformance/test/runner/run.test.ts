/**
 * The runner against the real embedded mock over loopback, with synthetic checks whose outcome
 * is known.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep } from '../../src/runner/pace.js';
import { certifyServer } from '../../src/runner/certify.js';
import { ConfigError } from '../../src/runner/config-error.js';
import { runChecks, type PreparedTarget } from '../../src/runner/run.js';
import { testSeed } from '../../src/runner/context.js';
import { davPath } from '../../src/runner/folders.js';
import { startEmbeddedTarget, type EmbeddedTarget } from '../../src/targets/embedded.js';
import { CheckFailure, CheckSkipped } from '../../src/server/check.js';
import { pass, synthetic } from './_support.js';

let mock: EmbeddedTarget;
let target: PreparedTarget;
const scratch = mkdtempSync(join(tmpdir(), 'sealfold-runner-'));

beforeAll(async () => {
  mock = await startEmbeddedTarget({ statusProfile: 'nc32' });
  // Synthetic checks belong to server-core only; a claim no test belongs to is refused.
  target = {
    ...mock.target,
    claims: { ...mock.target.claims, profiles: ['server-core'] },
    limits: { ...mock.target.limits, testTimeoutMs: 5_000 },
  };
});
afterAll(async () => {
  await mock.close();
  rmSync(scratch, { recursive: true, force: true });
});

/** PROPFIND depth 0 of a folder as `actor`: 207 when it exists. */
async function exists(actor: 'alice' | 'bob', folder: string): Promise<number> {
  const a = target.accounts[actor];
  const res = await fetch(target.baseUrl + davPath(a.userId, folder), {
    method: 'PROPFIND',
    headers: {
      depth: '0',
      authorization: `Basic ${Buffer.from(`${a.userId}:${a.password}`).toString('base64')}`,
      'user-agent': 'Mozilla/5.0 (Linux) mirall/3.16.0',
    },
  });
  await res.arrayBuffer();
  return res.status;
}

describe('runner against the embedded mock', () => {
  it('E2EE-CONF-003 E2EE-CONF-010 E2EE-CONF-011: statuses, verdicts and exit code of a mixed run', async () => {
    const checks = [
      pass('demo/passes'),
      synthetic('demo/violates-must', async () => {
        throw new CheckFailure('server accepted it', { expected: 409, actual: 200 });
      }),
      synthetic(
        'demo/violates-should',
        async () => {
          throw new CheckFailure('no code header');
        },
        { level: 'SHOULD' },
      ),
      synthetic('demo/skips-itself', async () => {
        throw new CheckSkipped('the target offers no short lock TTL');
      }),
      synthetic('share/passes', async () => undefined, { profiles: ['server-sharing'] }),
    ];
    const { report } = await runChecks({
      checks,
      target: {
        ...target,
        claims: { ...target.claims, profiles: ['server-core', 'server-sharing'] },
      },
      seed: 42,
    });
    const status = Object.fromEntries(report.results.map((r) => [r.testId, r.status]));
    expect(status).toEqual({
      'demo/passes': 'PASS',
      'demo/violates-must': 'FAIL',
      'demo/violates-should': 'WARN',
      'demo/skips-itself': 'SKIP',
      'share/passes': 'PASS',
    });
    const must = report.results.find((r) => r.testId === 'demo/violates-must')!;
    expect(must.expected).toBe(409);
    expect(must.actual).toBe(200);
    expect(report.verdicts).toEqual([
      {
        subject: 'server',
        profile: 'server-core',
        status: 'NOT CERTIFIABLE',
        blocking: ['demo/violates-must'],
      },
      { subject: 'server', profile: 'server-sharing', status: 'CERTIFIABLE', blocking: [] },
    ]);
    expect(report.exitCode).toBe(1);
    expect(report.run.seed).toBe(42);

    const strict = await runChecks({ checks: checks.slice(2, 3), target, strict: true });
    expect(strict.report.results[0]!.status).toBe('FAIL');
    expect(strict.report.exitCode).toBe(1);
    const lenient = await runChecks({ checks: checks.slice(2, 3), target });
    expect(lenient.report.exitCode).toBe(0);
  });

  it('E2EE-CONF-011: an ERROR makes the run inconclusive (exit 2) even with failures', async () => {
    const { report } = await runChecks({
      target,
      checks: [
        synthetic('demo/violates-must', async () => {
          throw new CheckFailure('x');
        }),
        synthetic('demo/harness-breaks', async () => {
          throw new TypeError('cannot read properties of undefined');
        }),
      ],
    });
    expect(report.results.map((r) => r.status)).toEqual(['FAIL', 'ERROR']);
    expect(report.results[1]!.message).toBe('TypeError: cannot read properties of undefined');
    expect(report.exitCode).toBe(2);
  });

  it('E2EE-CONF-004: a hanging test is TIMEOUT, its requests are aborted and the run goes on', async () => {
    let sawAbort = false;
    const { report } = await runChecks({
      target: { ...target, limits: { ...target.limits, testTimeoutMs: 300 } },
      checks: [
        synthetic('demo/waits-politely', async (ctx) => {
          try {
            await sleep(60_000, ctx.signal);
          } finally {
            sawAbort = ctx.signal.aborted;
          }
        }),
        // Ignores its signal altogether: the runner must not wait for it.
        synthetic('demo/never-returns', () => new Promise<void>(() => undefined)),
        pass('demo/after'),
      ],
    });
    expect(report.results.map((r) => r.status)).toEqual(['TIMEOUT', 'TIMEOUT', 'PASS']);
    expect(sawAbort).toBe(true);
    expect(report.results[0]!.durationMs).toBeLessThan(5_000);
    expect(report.exitCode).toBe(2);
  });

  it('E2EE-CONF-001: out-of-claims, other status profile and missing feature are SKIP with a reason', async () => {
    let ran = 0;
    const counted = async () => {
      ran++;
    };
    const { report } = await runChecks({
      target,
      checks: [
        synthetic('demo/hsm', counted, { profiles: ['server-hsm'] }),
        synthetic('demo/nc30-only', counted, { statusProfiles: ['nc30'] }),
        synthetic('demo/needs-ttl', counted, { needs: ['short-lock-ttl'] }),
        synthetic('demo/needs-management', counted, { needs: ['management'] }),
      ],
    });
    expect(report.results.map((r) => [r.status, r.reason])).toEqual([
      ['SKIP', 'not claimed: needs one of the profiles server-hsm'],
      ['SKIP', 'status profile nc32 not covered: applies to nc30'],
      ['SKIP', 'feature not declared by the target: short-lock-ttl'],
      ['PASS', undefined],
    ]);
    expect(ran).toBe(1);
    // A profile nobody claimed is not in the verdicts, and SKIPs do not block.
    expect(report.verdicts.every((v) => v.status === 'CERTIFIABLE')).toBe(true);
    expect(report.exitCode).toBe(0);
  });

  it('E2EE-CONF-800: E2EE-CONF-801: E2EE-CONF-802: a test list with a duplicate, malformed id or unknown requirement is refused', async () => {
    const bad = [
      [pass('demo/a'), pass('demo/a')],
      [pass('Demo A')],
      [{ ...pass('demo/a'), requirements: ['E2EE-API-999'] }],
      [{ ...pass('demo/a'), requirements: [] }],
    ];
    for (const checks of bad) {
      await expect(runChecks({ checks, target })).rejects.toBeInstanceOf(ConfigError);
    }
  });

  it('E2EE-CONF-006: a claimed profile that no test belongs to is refused', async () => {
    await expect(
      runChecks({
        target: {
          ...target,
          claims: { ...target.claims, profiles: ['server-core', 'server-hsm'] },
        },
        checks: [pass('demo/a')],
      }),
    ).rejects.toThrow('the suite has no test for the profile server-hsm, so it cannot be claimed');
  });

  it('E2EE-CONF-005: each test gets its own existing run folder and a seed from the run seed and its id', async () => {
    const seen: Array<{ folder: string; seed: number; status: number }> = [];
    const probe = async (ctx: Parameters<Parameters<typeof synthetic>[1]>[0]) => {
      const folder = ctx.runFolder('alice');
      // The folder exists by the time the test's next request is sent.
      const status = (
        await ctx.request('alice', 'PROPFIND', davPath('alice', folder), {
          headers: { depth: '0' },
        })
      ).status;
      seen.push({ folder, seed: ctx.seed, status });
    };
    const { report, runFolder } = await runChecks({
      target,
      seed: 1234,
      checks: [synthetic('demo/one', probe), synthetic('demo/two', probe)],
      runId: 'fixed-run',
    });
    expect(report.exitCode).toBe(0);
    expect(runFolder).toBe('sealfold-conformance/fixed-run');
    expect(seen).toEqual([
      { folder: `${runFolder}/demo--one`, seed: testSeed(1234, 'demo/one'), status: 207 },
      { folder: `${runFolder}/demo--two`, seed: testSeed(1234, 'demo/two'), status: 207 },
    ]);
    expect(seen[0]!.seed).not.toBe(seen[1]!.seed);
  });

  it('E2EE-CONF-030: the run folder is deleted after a successful run and kept after a failing one', async () => {
    const touch = async (ctx: Parameters<Parameters<typeof synthetic>[1]>[0]) => {
      await ctx.request('alice', 'PUT', davPath('alice', `${ctx.runFolder('alice')}/f.txt`), {
        body: 'hello',
      });
    };
    const ok = await runChecks({ target, checks: [synthetic('demo/writes', touch)] });
    expect(ok.report.exitCode).toBe(0);
    expect(await exists('alice', ok.runFolder)).toBe(404);
    const failing = await runChecks({
      target,
      checks: [
        synthetic('demo/writes-then-fails', async (ctx) => {
          await touch(ctx);
          throw new CheckFailure('deliberate');
        }),
      ],
    });
    expect(failing.report.exitCode).toBe(1);
    expect(await exists('alice', failing.runFolder)).toBe(207);
    expect(await exists('alice', `${failing.runFolder}/demo--writes-then-fails`)).toBe(207);
  });

  it('E2EE-CONF-020: the embedded mock claims what the suite tests, with its features and four fresh actors', () => {
    expect(mock.target.claims).toEqual({
      profiles: [
        'server-core',
        'server-sharing',
        'server-filedrop',
        'server-recovery-key',
        'server-log',
      ],
      statusProfile: 'nc32',
      features: ['management', 'brute-force-limit', 'server-key-rate-limit', 'sealfold-mock'],
    });
    expect(Object.keys(mock.target.accounts)).toEqual(['alice', 'bob', 'carol', 'mallory']);
    expect(new Set(Object.values(mock.target.accounts).map((a) => a.password)).size).toBe(4);
    expect(mock.target.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('E2EE-CONF-033: the report records the advertised version and E2EE capability', async () => {
    const { report } = await runChecks({ target, checks: [pass('demo/a')] });
    const s = report.subjects.server;
    expect(s.kind).toBe('mock');
    expect(s.statusProfile).toBe('nc32');
    expect(s.reportedVersion).toMatch(/^32\./);
    expect(s.capabilities).toEqual({
      'end-to-end-encryption': expect.objectContaining({ enabled: true, 'api-version': '2.0' }),
    });
  });

  it('E2EE-CONF-050: a replayed test gets the recorded case through ctx.replay, others do not', async () => {
    const got: Record<string, unknown> = {};
    const record = (id: string) =>
      synthetic(id, async (ctx) => {
        got[id] = ctx.replay;
      });
    const replay = { seed: 99, path: '3:1', commands: ['lock(alice)', 'unlock(alice)'] };
    await runChecks({
      target,
      checks: [record('demo/model'), record('demo/other')],
      replay: new Map([['demo/model', replay]]),
    });
    expect(got).toEqual({ 'demo/model': replay, 'demo/other': undefined });
  });
});

describe('pre-flight on accounts that hold keys (E2EE-CONF-031)', () => {
  it('E2EE-CONF-031: refuses (exit 3) when an actor holds keys, and resets them only when allowed', async () => {
    const m = await startEmbeddedTarget({ statusProfile: 'nc30' });
    try {
      const bob = m.target.accounts.bob;
      const res = await fetch(
        `${m.target.baseUrl}/ocs/v2.php/apps/end_to_end_encryption/api/v1/private-key?format=json`,
        {
          method: 'POST',
          headers: {
            authorization: `Basic ${Buffer.from(`${bob.userId}:${bob.password}`).toString('base64')}`,
            'ocs-apirequest': 'true',
            'user-agent': 'Mozilla/5.0 (Linux) mirall/3.16.0',
            'content-type': 'application/x-www-form-urlencoded',
          },
          body: 'privateKey=a-key-bob-already-has',
        },
      );
      expect(res.status).toBe(200);
      const core = {
        ...m.target,
        claims: { ...m.target.claims, profiles: ['server-core' as const] },
      };
      await expect(runChecks({ target: core, checks: [pass('demo/a')] })).rejects.toThrow(
        /bob \(bob\) already holds E2EE keys \(private-key\)/,
      );
      const allowed = await runChecks({
        target: { ...core, isolation: { ...core.isolation, allowKeyReset: true } },
        checks: [pass('demo/a')],
      });
      expect(allowed.report.exitCode).toBe(0);
    } finally {
      await m.close();
    }
  });
});

describe('certifyServer: deviations and modes (E2EE-CONF-040, E2EE-CONF-041)', () => {
  const checks = [
    synthetic('demo/known-bug', async () => {
      throw new CheckFailure('the known bug');
    }),
    pass('demo/fixed-bug'),
  ];
  const file = join(scratch, 'deviations.json');
  const run = async (mode: 'certification' | 'development', entries: unknown[]) => {
    writeFileSync(file, JSON.stringify(entries));
    const notices: string[] = [];
    const result = await certifyServer({
      target: { kind: 'embedded', statusProfiles: ['nc32'] },
      checks,
      claims: ['server-core'],
      mode,
      deviationsFile: file,
      outDir: null,
      onNotice: (l) => notices.push(l),
    });
    return { result, notices };
  };

  it('E2EE-CONF-041: in development mode an expected failure does not fail the run; the verdict stays honest', async () => {
    const { result } = await run('development', [
      { testId: 'demo/known-bug', expected: 'FAIL', reason: 'issue 12' },
    ]);
    const report = result.runs[0]!.report;
    expect(result.exitCode).toBe(0);
    expect(report.verdicts[0]).toMatchObject({
      status: 'NOT CERTIFIABLE',
      blocking: ['demo/known-bug'],
    });
    expect(report.deviations).toEqual({
      mode: 'applied',
      applied: [{ testId: 'demo/known-bug', expected: 'FAIL', reason: 'issue 12', actual: 'FAIL' }],
      stale: [],
    });
    expect(report.results[0]!.deviation).toEqual({ expected: 'FAIL', reason: 'issue 12' });
  });

  it('E2EE-CONF-041: an entry that no longer happens is STALE and fails the run', async () => {
    const { result } = await run('development', [
      { testId: 'demo/known-bug', expected: 'FAIL', reason: 'issue 12' },
      { testId: 'demo/fixed-bug', expected: 'FAIL', reason: 'issue 9 (fixed since)' },
    ]);
    expect(result.exitCode).toBe(1);
    expect(result.runs[0]!.report.deviations.stale).toEqual([
      {
        testId: 'demo/fixed-bug',
        expected: 'FAIL',
        reason: 'issue 9 (fixed since)',
        actual: 'PASS',
      },
    ]);
  });

  it('E2EE-CONF-040: certification mode ignores the file, says so, and fails on the known bug', async () => {
    const { result, notices } = await run('certification', [
      { testId: 'demo/known-bug', expected: 'FAIL', reason: 'issue 12' },
    ]);
    expect(result.exitCode).toBe(1);
    expect(result.runs[0]!.report.deviations).toEqual({ mode: 'ignored', applied: [], stale: [] });
    expect(notices.join('\n')).toMatch(/ignored: certification mode takes no deviations/);
  });

  it('E2EE-CONF-041: a malformed file or an unknown test id is a configuration error (exit 3)', async () => {
    for (const entries of [
      [{ testId: 'demo/nope', expected: 'FAIL', reason: 'x' }],
      [{ testId: 'demo/known-bug', expected: 'ERROR', reason: 'harness errors cannot be excused' }],
      [{ testId: 'demo/known-bug', expected: 'FAIL' }],
    ]) {
      const { result } = await run('development', entries);
      expect(result.exitCode).toBe(3);
      expect(result.runs).toEqual([]);
      expect(result.error).toMatch(/deviations file/);
    }
  });
});

describe('certifyServer: reports on disk and several profiles (E2EE-CONF-011, E2EE-CONF-020)', () => {
  it('E2EE-CONF-020 E2EE-CONF-011: one fresh mock per status profile, reports per profile, highest exit code wins', async () => {
    const out = join(scratch, 'out');
    const seenUrls = new Set<string>();
    const result = await certifyServer({
      target: { kind: 'embedded' },
      checks: [
        synthetic('demo/only-nc30-fails', async (ctx) => {
          seenUrls.add(ctx.absoluteUrl!(''));
          const me = await ctx.request('carol', 'GET', '/ocs/v2.php/cloud/user?format=json');
          if (me.status !== 200) throw new Error(`carol cannot log in: ${me.status}`);
          if (ctx.statusProfile === 'nc30') throw new CheckFailure('deliberate on nc30');
        }),
      ],
      claims: ['server-core'],
      outDir: out,
      junit: join(out, 'junit.xml'),
      html: join(out, 'html'),
    });
    expect(result.runs.map((r) => [r.label, r.report.exitCode])).toEqual([
      ['nc30', 1],
      ['nc32', 0],
      ['nc33', 0],
    ]);
    expect(result.exitCode).toBe(1);
    expect(seenUrls.size).toBe(3);
    expect(result.runs[0]!.report.claims.server).toEqual(['server-core']);
    expect(result.runs[0]!.paths).toEqual({
      json: join(out, 'nc30', 'report.json'),
      junit: join(out, 'junit-nc30.xml'),
      html: join(out, 'html', 'nc30', 'index.html'),
    });
    for (const p of Object.values(result.runs[1]!.paths))
      expect(statSync(p).size).toBeGreaterThan(0);
    expect(readdirSync(out).sort()).toEqual([
      'html',
      'junit-nc30.xml',
      'junit-nc32.xml',
      'junit-nc33.xml',
      'nc30',
      'nc32',
      'nc33',
    ]);
    expect(JSON.parse(readFileSync(join(out, 'nc32', 'report.json'), 'utf8')).exitCode).toBe(0);
  });
});
