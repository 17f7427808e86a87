/**
 * The report writers on a real run: the runner certifies the embedded mock over loopback with a
 * check that sends and reads back planted secrets and then fails, and every artefact on disk is
 * read back with its own reader and searched for each secret the run planted.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseJunit, type TestSuites } from 'junit2json';
import { certifyServer } from '../../src/runner/certify.js';
import { CheckFailure, type ServerCheck } from '../../src/server/check.js';
import { parseJsonReport } from '../../src/report/json.js';

const dir = mkdtempSync(join(tmpdir(), 'sealfold-real-run-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MNEMONIC = 'legal winner thank year wave sausage worth useful legal winner thank yellow';

const leaksOnPurpose: ServerCheck = {
  id: 'reports/secrets-sent-and-echoed',
  title: 'stores a planted mnemonic, reads it back, then fails on purpose',
  requirements: ['E2EE-API-010'],
  level: 'MUST',
  importance: 'high',
  profiles: ['server-core'],
  async run(ctx) {
    ctx.plantSecret(MNEMONIC);
    const path = `/remote.php/dav/files/${ctx.userId('alice')}/${ctx.runFolder('alice')}/note.txt`;
    const put = await ctx.request('alice', 'PUT', path, { body: `mnemonic: ${MNEMONIC}` });
    const get = await ctx.request('alice', 'GET', path);
    ctx.note(`stored with ${put.status}, read back with ${get.status}`);
    throw new CheckFailure('deliberate failure carrying evidence', {
      expected: { status: 201 },
      actual: { status: put.status },
    });
  },
};

const passes: ServerCheck = {
  ...leaksOnPurpose,
  id: 'reports/login-works',
  title: 'alice can log in',
  async run(ctx) {
    const me = await ctx.request('alice', 'GET', '/ocs/v2.php/cloud/user?format=json');
    if (me.status !== 200) throw new CheckFailure(`login failed: ${me.status}`);
  },
};

function forms(secret: string): string[] {
  const b64 = Buffer.from(secret).toString('base64');
  return [secret, b64, b64.replace(/=+$/, ''), encodeURIComponent(secret)];
}

describe('artefacts of a real run against the embedded mock (E2EE-CONF-200, E2EE-CONF-230)', () => {
  it('report.json validates, JUnit parses, HTML is written, and no planted secret is in any of them (E2EE-CONF-200, E2EE-CONF-210, E2EE-CONF-230)', async () => {
    const out = join(dir, 'out');
    const result = await certifyServer({
      target: { kind: 'embedded', statusProfiles: ['nc32'] },
      checks: [passes, leaksOnPurpose],
      // Both checks are server-core; claiming a profile no check belongs to is refused (E2EE-CONF-006).
      claims: ['server-core'],
      outDir: out,
      junit: join(out, 'junit.xml'),
      html: join(out, 'html'),
      cwd: dir,
    });
    expect(result.exitCode).toBe(1);
    const run = result.runs[0]!;
    const secrets = run.secrets;
    // the actors' passwords and the mnemonic were planted
    expect(secrets).toContain(MNEMONIC);
    expect(secrets.length).toBeGreaterThanOrEqual(5);

    const report = parseJsonReport(readFileSync(run.paths.json!, 'utf8'));
    const failed = report.results.find((r) => r.testId === leaksOnPurpose.id)!;
    expect(failed.status).toBe('FAIL');
    expect(failed.evidence.http.map((x) => x.method)).toEqual(['PUT', 'GET']);
    // the secret really went to the server and came back: the evidence holds its redaction token
    expect(failed.evidence.http[0]!.requestBody).toMatch(/^mnemonic: «secret:[^»]+»$/);
    expect(failed.evidence.http[1]!.responseBody).toMatch(/^mnemonic: «secret:[^»]+»$/);

    const junit = (await parseJunit(readFileSync(run.paths.junit!, 'utf8'))) as TestSuites;
    expect(junit.testsuite!.map((s) => s.name)).toEqual(['reports', 'verdicts']);
    expect(junit.testsuite![0]!.testcase![1]!.failure![0]!.message).toBe(
      'deliberate failure carrying evidence',
    );

    const html = readFileSync(run.paths.html!, 'utf8');
    expect(html).toContain(`id="evidence-${leaksOnPurpose.id}"`);

    const files = readdirSync(out, { recursive: true, encoding: 'utf8' })
      .map((f) => join(out, f))
      .filter((f) => statSync(f).isFile());
    expect(files.length).toBe(3);
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      for (const s of secrets) for (const form of forms(s)) expect(text).not.toContain(form);
    }
  });
});
