/**
 * `sealfold certify server` on the embedded mock, as a fresh clone runs it, plus the replay of a
 * recorded case and the planted-secret grep over every artefact of a run.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../../cli/main.js';
import { REPO_ROOT } from '../../src/runner/suite-info.js';
import { parseJsonReport } from '../../src/report/json.js';
import { certifyServer } from '../../src/runner/certify.js';
import { consoleProgress, summaryText } from '../../src/runner/console.js';
import { davPath } from '../../src/runner/folders.js';
import { SERVER_CHECKS } from '../../src/server/checks/index.js';
import { CheckFailure } from '../../src/server/check.js';
import { synthetic } from './_support.js';

const BIN = join(REPO_ROOT, 'bin', 'sealfold.js');
const dir = mkdtempSync(join(tmpdir(), 'sealfold-embedded-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, {
    stdout: (t) => void (out += t),
    stderr: (t) => void (err += t),
    cwd: dir,
  });
  return { code, out, err };
}

/** Every file below `root`, recursively. */
function files(root: string): string[] {
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .map((p) => join(root, p))
    .filter((p) => statSync(p).isFile());
}

// Child processes on a shared 2-core machine: minutes, not seconds, under load.
describe(
  'sealfold certify server, embedded (E2EE-CONF-020, E2EE-CONF-011)',
  { timeout: 300_000 },
  () => {
    it('E2EE-CONF-020 E2EE-CONF-011: `node bin/sealfold.js certify server` prints CERTIFIABLE for every profile of nc30, nc32 and nc33 and exits 0', async () => {
      const out = join(dir, 'main-job');
      const child = spawn(
        process.execPath,
        [
          BIN,
          'certify',
          'server',
          '--out',
          out,
          '--junit',
          join(out, 'junit.xml'),
          '--html',
          join(out, 'html'),
        ],
        { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      clearTimeout(timer);
      expect(code, stdout + stderr).toBe(0);
      for (const profile of ['nc30', 'nc32', 'nc33']) {
        const section = stdout.slice(stdout.indexOf(`${profile}: mock server`));
        for (const claim of [
          'server-core',
          'server-sharing',
          'server-filedrop',
          'server-recovery-key',
          'server-log',
        ]) {
          expect(section).toMatch(new RegExp(`${claim}\\s+CERTIFIABLE`));
        }
        const report = parseJsonReport(readFileSync(join(out, profile, 'report.json'), 'utf8'));
        expect(report.exitCode).toBe(0);
        expect(report.results.length).toBe(SERVER_CHECKS.length);
        const junit = new XMLParser({ ignoreAttributes: false }).parse(
          readFileSync(join(out, `junit-${profile}.xml`), 'utf8'),
        );
        expect(JSON.stringify(junit)).toContain('keys/');
        expect(readFileSync(join(out, 'html', profile, 'index.html'), 'utf8')).toContain(
          'CERTIFIABLE',
        );
      }
      expect(stdout).not.toMatch(/NOT CERTIFIABLE/);
      expect(stdout).toMatch(/exit code 0: every in-scope MUST passed/);
    });

    it('E2EE-CONF-011: a bad option is a configuration error (exit 3), not a usage error 2', async () => {
      expect((await cli(['certify', 'server', '--profile', 'nc99'])).code).toBe(3);
      expect((await cli(['certify', 'server', '--no-such-option'])).code).toBe(3);
      expect(
        (await cli(['certify', 'server', '--fault', 'no-such-fault', '--only', 'keys/'])).code,
      ).toBe(3);
    });
  },
);

describe('replay of a recorded case (E2EE-CONF-050)', { timeout: 300_000 }, () => {
  it('E2EE-CONF-050: certify replay re-runs exactly the recorded test against the same mock, faults included', async () => {
    const failing = join(dir, 'faulty');
    const run = await cli([
      'certify',
      'server',
      '--profile',
      'nc32',
      '--fault',
      'accept-second-public-key',
      '--only',
      'keys/',
      '--out',
      failing,
      '--quiet',
    ]);
    expect(run.code, run.out + run.err).toBe(1);
    const report = parseJsonReport(readFileSync(join(failing, 'report.json'), 'utf8'));
    expect(report.subjects.server.faults).toEqual(['accept-second-public-key']);
    const failed = report.results.filter((r) => r.status === 'FAIL').map((r) => r.testId);
    expect(failed).toContain('keys/second-public-key-rejected');

    const again = await cli([
      'certify',
      'replay',
      join(failing, 'report.json'),
      '--test',
      'keys/second-public-key-rejected',
    ]);
    expect(again.code, again.err).toBe(1);
    expect(again.out).toMatch(/^keys\/second-public-key-rejected: FAIL → FAIL/);

    const clean = join(dir, 'clean');
    expect(
      (
        await cli([
          'certify',
          'server',
          '--profile',
          'nc32',
          '--only',
          'keys/second',
          '--out',
          clean,
          '--quiet',
        ])
      ).code,
    ).toBe(0);
    const fine = await cli([
      'certify',
      'replay',
      join(clean, 'report.json'),
      '--test',
      'keys/second-public-key-rejected',
      '--json',
    ]);
    expect(fine.code).toBe(0);
    expect(JSON.parse(fine.out)).toMatchObject({ before: 'PASS', after: 'PASS', exitCode: 0 });

    const unknown = await cli([
      'certify',
      'replay',
      join(clean, 'report.json'),
      '--test',
      'keys/nope',
    ]);
    expect(unknown.code).toBe(3);
  });
});

describe('replay of a property-based counterexample (E2EE-CONF-050)', { timeout: 300_000 }, () => {
  it('E2EE-CONF-050: a failing model run records seed, path and commands, and certify replay re-runs that very case', async () => {
    const out = join(dir, 'model');
    const run = await cli([
      'certify',
      'server',
      '--profile',
      'nc32',
      '--fault',
      'commit-on-abort',
      '--only',
      'model/transactions',
      '--out',
      out,
      '--quiet',
    ]);
    expect(run.code, run.out + run.err).toBe(1);
    const report = parseJsonReport(readFileSync(join(out, 'report.json'), 'utf8'));
    const failed = report.results.find((r) => r.testId === 'model/transactions')!;
    expect(failed.status).toBe('FAIL');
    expect(failed.replay).toMatchObject({ seed: expect.any(Number), path: expect.any(String) });
    expect(failed.replay!.commands!.length).toBeGreaterThan(0);

    const again = await cli([
      'certify',
      'replay',
      join(out, 'report.json'),
      '--test',
      'model/transactions',
      '--json',
    ]);
    expect(again.code, again.err).toBe(1);
    expect(again.err).toContain(
      `replaying model/transactions: seed ${failed.replay!.seed}, path ${failed.replay!.path}`,
    );
    const doc = JSON.parse(again.out);
    expect(doc).toMatchObject({ before: 'FAIL', after: 'FAIL', exitCode: 1 });
    // The same counterexample, not a new search.
    expect(doc.result.replay).toEqual(failed.replay);
  });
});

describe('no secret in any artefact (E2EE-CONF-060, E2EE-CONF-061)', { timeout: 300_000 }, () => {
  it('E2EE-CONF-060 E2EE-CONF-061: planted markers and passwords appear in no report, JUnit, HTML or console line', async () => {
    const marker = 'PLANTED-m4rker-Zq81x-secret';
    const leaky = synthetic('demo/plants-and-leaks', async (ctx) => {
      ctx.plantSecret(marker);
      const folder = ctx.runFolder('alice');
      const file = davPath('alice', `${folder}/secret.txt`);
      await ctx.request('alice', 'PUT', `${file}?hint=${encodeURIComponent(marker)}`, {
        body: `the marker is ${marker}`,
        headers: { 'x-marker': marker },
      });
      const back = await ctx.request('alice', 'GET', file);
      await ctx.request('bob', 'GET', '/ocs/v2.php/cloud/user', { password: `${marker}-guess` });
      await ctx.request('carol', 'POST', '/ocs/v2.php/cloud/user', {
        body: `password=${encodeURIComponent(marker)}&note=${Buffer.from(marker).toString('base64')}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      ctx.note(`saw ${marker} in the body`);
      throw new CheckFailure(`server echoed ${marker}`, { expected: marker, actual: back.text() });
    });
    const out = join(dir, 'secrets');
    let console = '';
    const result = await certifyServer({
      target: { kind: 'embedded', statusProfiles: ['nc32'] },
      checks: [...SERVER_CHECKS.filter((c) => c.id.startsWith('keys/')), leaky],
      claims: ['server-core'],
      outDir: out,
      junit: join(out, 'junit.xml'),
      html: join(out, 'html'),
      onEvent: consoleProgress({ write: (t) => (console += t), live: false, quiet: false }),
    });
    console += summaryText(result, false);
    expect(result.exitCode).toBe(1);
    const run = result.runs[0]!;
    // Everything the run knows to be secret: the four passwords and the planted marker.
    expect(run.secrets).toContain(marker);
    expect(run.secrets.length).toBeGreaterThanOrEqual(5);
    const artefacts = files(out);
    expect(artefacts.length).toBe(3);
    const texts = [console, ...artefacts.map((f) => readFileSync(f, 'utf8'))];
    for (const secret of run.secrets) {
      for (const text of texts) expect(text.includes(secret)).toBe(false);
    }
    // The evidence is still there, with tokens in place of the secrets.
    const leak = run.report.results.find((r) => r.testId === 'demo/plants-and-leaks')!;
    const http = JSON.stringify(leak.evidence.http);
    expect(http).toContain('«secret:alice»');
    expect(http).toMatch(/«secret:planted-demo--plants-and-leaks-1»/);
    expect(leak.message).toBe('server echoed «secret:planted-demo--plants-and-leaks-1»');
    expect(leak.evidence.http.length).toBe(4);
  });
});
