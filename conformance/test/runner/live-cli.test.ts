/**
 * Certifying a live server by URL, exactly as a user would: `sealfold serve` runs as a separate
 * process with a users file, and `sealfold certify server` (another process) reaches it through a
 * target file whose secrets come from the environment and from a file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../src/runner/suite-info.js';
import { parseJsonReport } from '../../src/report/json.js';
import { fakeKeyBlob } from '../../src/server/checks/_support.js';

const BIN = join(REPO_ROOT, 'bin', 'sealfold.js');
const dir = mkdtempSync(join(tmpdir(), 'sealfold-live-'));
const children: ChildProcess[] = [];
const PASSWORDS = {
  alice: 'live-alice-9f3Kq2',
  bob: 'live-bob-7Hn4Wz',
  carol: 'live-carol-2Lp8Rt',
  mallory: 'live-mallory-5Xc1Vb',
};
const ENV = {
  SF_ALICE: PASSWORDS.alice,
  SF_BOB: PASSWORDS.bob,
  SF_CAROL: PASSWORDS.carol,
};
let url = '';

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

beforeAll(async () => {
  const users = join(dir, 'users.json');
  writeFileSync(
    users,
    JSON.stringify({
      users: Object.entries(PASSWORDS).map(([a, password]) => ({ uid: `conf-${a}`, password })),
    }),
  );
  // mallory's password is read from a file named in the target file.
  writeFileSync(join(dir, 'mallory.password'), `${PASSWORDS.mallory}\n`);
  const child = spawn(
    process.execPath,
    [BIN, 'serve', '--port', '0', '--management', '--users', users, '--quiet'],
    {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /^(http:\/\/\S+)\n/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}`)));
  });
});

function certify(
  args: string[],
  env: Record<string, string> = ENV,
): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [BIN, 'certify', ...args], {
    cwd: dir,
    // Only what the run needs: PATH for git, the secrets by name.
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    }),
  );
}

function targetFile(name: string, patch: (doc: Record<string, any>) => void = () => undefined) {
  const doc: Record<string, any> = {
    target: { name: 'local serve', baseUrl: url },
    users: {
      alice: { userId: 'conf-alice', secret: { env: 'SF_ALICE' } },
      bob: { userId: 'conf-bob', secret: { env: 'SF_BOB' } },
      carol: { userId: 'conf-carol', secret: { env: 'SF_CAROL' } },
      mallory: { userId: 'conf-mallory', secret: { file: './mallory.password' } },
    },
    claims: {
      profiles: ['server-core', 'server-sharing', 'server-filedrop'],
      statusProfile: 'nc32',
    },
    limits: { maxRps: 500, parallelism: 1 },
    budget: { numRuns: 3, maxCommands: 10, wallClockMs: 20000 },
  };
  patch(doc);
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(doc, null, 2));
  return file;
}

async function propfind(user: string, password: string, path: string): Promise<number> {
  const res = await fetch(`${url}/remote.php/dav/files/${user}/${path}`, {
    method: 'PROPFIND',
    headers: {
      depth: '0',
      authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
      'user-agent': 'Mozilla/5.0 (Linux) mirall/3.16.0',
    },
  });
  await res.arrayBuffer();
  return res.status;
}

// Child processes on a shared 2-core machine: minutes, not seconds, under load.
describe(
  'certify a live server by URL (E2EE-CONF-021, E2EE-CONF-030, E2EE-CONF-031)',
  { timeout: 300_000 },
  () => {
    it('E2EE-CONF-021 E2EE-CONF-030 E2EE-CONF-033: a target file with env and file secrets certifies `sealfold serve`, then cleans up', async () => {
      const file = targetFile('target.json');
      const r = await certify(['server', '--target', file, '--plain', '--out', join(dir, 'out')]);
      expect(r.code, r.out + r.err).toBe(0);
      expect(r.out).toMatch(/server-core\s+CERTIFIABLE/);
      expect(r.out).toMatch(/server-sharing\s+CERTIFIABLE/);
      expect(r.out).toMatch(/server-filedrop\s+CERTIFIABLE/);
      expect(r.out).not.toMatch(/NOT CERTIFIABLE/);
      const report = parseJsonReport(readFileSync(join(dir, 'out', 'report.json'), 'utf8'));
      expect(report.subjects.server).toMatchObject({
        kind: 'live',
        baseUrl: url,
        statusProfile: 'nc32',
      });
      expect(report.subjects.server.reportedVersion).toMatch(/^32\./);
      expect(report.results.filter((x) => x.status === 'PASS').length).toBeGreaterThan(10);
      // Run folder and enrolled keys are gone: a second run finds fresh accounts again.
      expect(
        await propfind('conf-alice', PASSWORDS.alice, `sealfold-conformance/${report.run.id}`),
      ).toBe(404);
      for (const [, p] of Object.entries(PASSWORDS)) {
        expect(JSON.stringify(report)).not.toContain(p);
        expect(r.out + r.err).not.toContain(p);
      }
    });

    it('E2EE-CONF-023: the short form takes ACTOR=USERID:ENVVAR and refuses a literal password without echoing it', async () => {
      const users = ['alice', 'bob', 'carol'].map(
        (a) => `--user=${a}=conf-${a}:SF_${a.toUpperCase()}`,
      );
      const ok = await certify(
        [
          'server',
          '--url',
          url,
          ...users,
          '--user=mallory=conf-mallory:SF_MALLORY',
          '--only',
          'keys/csr',
          '--plain',
          '--out',
          join(dir, 'short'),
        ],
        { ...ENV, SF_MALLORY: PASSWORDS.mallory },
      );
      expect(ok.code, ok.out + ok.err).toBe(0);
      expect(ok.out).toMatch(/server-core\s+CERTIFIABLE/);

      const literal = await certify([
        'server',
        '--url',
        url,
        ...users,
        `--user=mallory=conf-mallory:${PASSWORDS.mallory}`,
      ]);
      expect(literal.code).toBe(3);
      expect(literal.err).toMatch(/--user must be ACTOR=USERID:ENVVAR/);
      expect(literal.out + literal.err).not.toContain(PASSWORDS.mallory);

      const unset = await certify([
        'server',
        '--url',
        url,
        ...users,
        '--user=mallory=conf-mallory:SF_MALLORY',
      ]);
      expect(unset.code).toBe(3);
      expect(unset.err).toMatch(/\$SF_MALLORY, which is not set/);
    });

    it('E2EE-CONF-021 E2EE-CONF-022: an invalid target file, a literal secret or an unset variable is exit 3 before any request', async () => {
      const literal = targetFile('literal.json', (d) => {
        d.users.bob.secret = PASSWORDS.bob;
      });
      const a = await certify(['server', '--target', literal]);
      expect(a.code).toBe(3);
      expect(a.err).toMatch(/does not match conformance-target.schema.json: \/users\/bob\/secret/);
      expect(a.out + a.err).not.toContain(PASSWORDS.bob);

      const unknownKey = targetFile('extra.json', (d) => {
        d.users.bob.password = 'x';
      });
      expect((await certify(['server', '--target', unknownKey])).code).toBe(3);

      const noEnv = await certify(['server', '--target', targetFile('target.json')], {
        SF_ALICE: PASSWORDS.alice,
      });
      expect(noEnv.code).toBe(3);
      expect(noEnv.err).toMatch(/\$SF_BOB, which is not set/);

      const missing = await certify(['server', '--target', join(dir, 'nope.json')]);
      expect(missing.code).toBe(3);
    });

    it('E2EE-CONF-031: refuses (exit 3) when an account already holds E2EE keys', async () => {
      const res = await fetch(
        `${url}/ocs/v2.php/apps/end_to_end_encryption/api/v1/private-key?format=json`,
        {
          method: 'POST',
          headers: {
            authorization: `Basic ${Buffer.from(`conf-carol:${PASSWORDS.carol}`).toString('base64')}`,
            'ocs-apirequest': 'true',
            'user-agent': 'Mozilla/5.0 (Linux) mirall/3.16.0',
            'x-e2ee-supported': 'true',
            'content-type': 'application/x-www-form-urlencoded',
          },
          body: new URLSearchParams({ privateKey: fakeKeyBlob(1, 'carol-has-one') }).toString(),
        },
      );
      expect(res.status).toBe(200);
      const r = await certify(['server', '--target', targetFile('target.json'), '--only', 'keys/']);
      expect(r.code).toBe(3);
      expect(r.err).toMatch(/carol \(conf-carol\) already holds E2EE keys/);
    });
  },
);
