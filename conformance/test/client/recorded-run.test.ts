/**
 * Recorded runs of failing attacks (spec/17, E2EE-CONF-540..544), end to end: a broken driver (the
 * reference driver without metadata signature verification, in a scratch copy as
 * `npm run kill-rate` builds it) fails two adversarial checks; each failing result carries the
 * run the suite reader replayed, with the reader's key by id and none of the vendor's secrets;
 * `vectors freeze --report R --test ID` turns it into a scenario vector that lints and verifies,
 * expecting the rejection the reference makes. The honest driver passes and carries no run.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../src/runner/suite-info.js';
import { certifyClient } from '../../src/client/run.js';
import { CLIENT_CHECKS } from '../../src/client/checks/index.js';
import { reportProblems } from '../../src/report/json.js';
import type { Report } from '../../src/report/types.js';
import type { ClientCheck } from '../../src/client/check.js';
import { mount } from '../../src/client/adversarial/attack.js';
import {
  applyBroken,
  loadBrokenDrivers,
  mutatedSources,
  scratchPackage,
} from '../../../scripts/kill-rate.js';
import { runFromReport } from '../../../cli/commands/vectors-freeze.js';
import { runCli } from '../../../cli/test/_run.js';
import { fullReport } from '../report/_fixtures.js';
import { renderJsonReport } from '../../src/report/json.js';
import { freezeRun } from '../../../vectors/src/freeze.js';
import { DEFAULT_SEED, VECTORS_DIR } from '../../../vectors/src/context.js';
import { generateAll, writeAll } from '../../../vectors/src/generate.js';
import { lintAll } from '../../../vectors/src/lint.js';
import { verifyAll } from '../../../vectors/src/verify.js';

const TEE = join(REPO_ROOT, 'conformance', 'test', 'client', 'fixtures', 'tee-driver.mjs');
/** Killers of the broken driver signature-not-verified: an owner's read and a member's read. */
const FAILING = ['adversarial/metadata-byte-flipped-as-alice', 'adversarial/member-dropped-as-bob'];
const SUITE_KEY = readFileSync(join(VECTORS_DIR, 'keys', 'suite-reader.pem'), 'utf8');

const q = (s: string) => JSON.stringify(s);

/** The vendor driver's secrets, from the lines the tee wrapper logged. */
function vendorSecrets(log: string): string[] {
  const secrets: string[] = [];
  for (const l of readFileSync(log, 'utf8').split('\n').filter(Boolean)) {
    const { line } = JSON.parse(l) as { line: string };
    const msg = JSON.parse(line) as {
      method?: string;
      params?: { account?: { password?: string } };
      result?: { mnemonic?: string[] };
    };
    if (msg.method === 'session.configure' && msg.params?.account?.password)
      secrets.push(msg.params.account.password);
    if (Array.isArray(msg.result?.mnemonic)) {
      secrets.push(msg.result.mnemonic.join(' '));
      secrets.push(Buffer.from(msg.result.mnemonic.join(' ')).toString('base64'));
    }
  }
  return secrets;
}

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'sealfold-recorded-client-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('recorded runs of failing attacks', { timeout: 600_000 }, () => {
  let scratch: string;
  let report: Report;
  let reportText: string;
  let reportPath: string;
  let log: string;
  beforeAll(async () => {
    scratch = scratchPackage();
    const broken = loadBrokenDrivers().find((d) => d.id === 'signature-not-verified')!;
    const sources = mutatedSources(broken);
    if (typeof sources === 'string') throw new Error(sources);
    const restore = await applyBroken(scratch, sources);
    log = join(root, 'driver-lines.jsonl');
    try {
      const driver = [
        process.execPath,
        TEE,
        log,
        process.execPath,
        join(scratch, 'bin', 'sealfold.js'),
        'driver',
        'reference',
      ];
      const r = await certifyClient({
        driver: driver.map(q).join(' '),
        checks: CLIENT_CHECKS,
        only: FAILING,
        outDir: join(root, 'out'),
        seed: 11,
      });
      report = r.report!;
      reportPath = r.paths.json!;
      reportText = readFileSync(reportPath, 'utf8');
    } finally {
      restore();
    }
  });
  afterAll(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('E2EE-CONF-540 E2EE-CONF-541 E2EE-CONF-542: each failing read carries the run the suite reader replayed: the honest folder, then the tampered state it refused', () => {
    expect(report.results.map((r) => `${r.testId} ${r.status}`)).toEqual(
      FAILING.map((id) => `${id} FAIL`),
    );
    for (const r of report.results) {
      const run = r.evidence.recordedRun!;
      expect(run, r.testId).toBeDefined();
      expect(run.name).toBe(r.testId.slice('adversarial/'.length));
      expect(run.actor).toEqual({
        userId: expect.stringMatching(/-reader$/),
        privateKeyRef: 'suite-reader',
      });
      expect(run.steps).toHaveLength(2);
      expect(run.expect[0]).toMatchObject({
        result: 'valid',
        root: { counter: expect.any(Number) },
      });
      expect(run.expect[1]).toEqual({ result: 'invalid', error: 'SIGNATURE_INVALID' });
      // The tampered step is the honest tree (same folders) with tampered documents in it.
      expect(run.steps[1]).not.toEqual(run.steps[0]);
      expect(Object.keys(run.steps[1]!.subfolders)).toEqual(Object.keys(run.steps[0]!.subfolders));
    }
    // The owner's folder has two sub-folders, which the reader's steps carry.
    expect(Object.keys(report.results[0]!.evidence.recordedRun!.steps[0]!.subfolders)).toHaveLength(
      2,
    );
  });

  it("E2EE-CONF-543: the report holds none of the vendor driver's secrets, no private key and no redacted value in a run, and its schema refuses a run that carries a key", () => {
    const secrets = vendorSecrets(log);
    // Two devices enrolled and configured at least (one per test), each with a password and a mnemonic.
    expect(secrets.length).toBeGreaterThanOrEqual(6);
    for (const s of secrets) expect(reportText.includes(s)).toBe(false);
    expect(reportText).not.toContain('PRIVATE KEY');
    const body = SUITE_KEY.split('\n')[1]!;
    expect(reportText).not.toContain(body);
    for (const r of report.results)
      expect(JSON.stringify(r.evidence.recordedRun)).not.toContain('«secret:');
    expect(reportProblems(report)).toEqual([]);
    const leaky = structuredClone(report) as unknown as {
      results: Array<{ evidence: { recordedRun: { actor: Record<string, string> } } }>;
    };
    leaky.results[0]!.evidence.recordedRun.actor.privateKeyPemWire = SUITE_KEY;
    expect(reportProblems(leaky).join('\n')).toMatch(/recordedRun\/actor/);
  });

  it("E2EE-CONF-544 E2EE-CONF-501: vectors freeze --report turns the failing case into a scenario vector that lints and verifies and expects the reference's rejection", async () => {
    const dir = join(root, 'set', 'vectors');
    cpSync(VECTORS_DIR, dir, { recursive: true });
    cpSync(join(REPO_ROOT, 'package.json'), join(root, 'set', 'package.json'));
    mkdirSync(join(root, 'set', 'spec'), { recursive: true });
    cpSync(
      join(REPO_ROOT, 'spec', 'requirements.json'),
      join(root, 'set', 'spec', 'requirements.json'),
    );
    const testId = FAILING[0]!;
    const frozen = await freezeRun(runFromReport(reportText, testId), { vectorsDir: dir });
    expect(frozen).toEqual({
      id: 'scenario/frozen-metadata-byte-flipped-as-alice',
      path: 'frozen/metadata-byte-flipped-as-alice.json',
      written: true,
    });
    writeAll(await generateAll(DEFAULT_SEED, dir), dir);
    expect(lintAll(dir).problems).toEqual([]);
    const verified = await verifyAll(dir, ['scenario']);
    expect(verified.flatMap((f) => f.failures)).toEqual([]);
    const file = JSON.parse(readFileSync(join(dir, 'scenarios', 'scenario.json'), 'utf8')) as {
      testGroups: Array<{
        tests: Array<{
          id: string;
          flags: string[];
          in: { privateKeyPemWire: string };
          expect: { steps: unknown[] };
        }>;
      }>;
    };
    const vector = file.testGroups.flatMap((g) => g.tests).find((t) => t.id === frozen.id)!;
    expect(vector.flags).toEqual(['MockAttack', 'Frozen']);
    expect(vector.in.privateKeyPemWire).toBe(SUITE_KEY);
    expect(vector.expect.steps.at(-1)).toEqual({ result: 'invalid', error: 'SIGNATURE_INVALID' });
    // Freezing the same case again changes nothing.
    expect((await freezeRun(runFromReport(reportText, testId), { vectorsDir: dir })).written).toBe(
      false,
    );
  });
});

describe('certify replay of a client report', { timeout: 600_000 }, () => {
  it('E2EE-CONF-545: replays one test of a client report with the driver given again (the honest one: FAIL → PASS), and refuses a target for a client report and --driver for a server report', async () => {
    const reportPath = join(root, 'out', 'report.json');
    const honest = [process.execPath, join(REPO_ROOT, 'bin', 'sealfold.js'), 'driver', 'reference']
      .map(q)
      .join(' ');
    const r = await runCli(
      ['certify', 'replay', reportPath, '--test', FAILING[1]!, '--driver', honest],
      root,
    );
    expect(r.err).toMatch(/re-running adversarial\/member-dropped-as-bob with run seed 11/);
    expect(r.out).toBe(`${FAILING[1]}: FAIL → PASS\n`);
    expect(r.code).toBe(0);
    const refused = await runCli(
      ['certify', 'replay', reportPath, '--test', FAILING[1]!, '--url', 'http://127.0.0.1:9'],
      root,
    );
    expect(refused.code).toBe(3);
    expect(refused.err).toMatch(/name no target/);
    const server = join(root, 'server-report.json');
    writeFileSync(server, renderJsonReport(fullReport()));
    const testId = fullReport().results[0]!.testId;
    const wrong = await runCli(
      ['certify', 'replay', server, '--test', testId, '--driver', honest],
      root,
    );
    expect(wrong.code).toBe(3);
    expect(wrong.err).toMatch(/--driver is for client reports/);
  });
});

describe('recorded runs with the honest driver', { timeout: 600_000 }, () => {
  it('E2EE-CONF-542 E2EE-CONF-541: a passing check carries no run, though the reader recorded one (its note says so)', async () => {
    const r = await certifyClient({
      driver: [process.execPath, join(REPO_ROOT, 'bin', 'sealfold.js'), 'driver', 'reference']
        .map(q)
        .join(' '),
      checks: CLIENT_CHECKS,
      only: [
        ...FAILING,
        'adversarial/file-body-byte-flipped',
        'adversarial/signer-certificate-from-another-ca',
        'adversarial/resigned-by-minted-member',
      ],
      outDir: null,
      seed: 11,
    });
    for (const x of r.report!.results) {
      expect(x.status, `${x.testId}: ${x.message}`).toBe('PASS');
      expect(x.evidence.recordedRun).toBeUndefined();
      expect(
        x.evidence.notes.filter((n) => n.startsWith('recorded run: ')),
        x.testId,
      ).toHaveLength(1);
    }
    const notes = Object.fromEntries(
      r.report!.results.map((x) => [
        x.testId,
        x.evidence.notes.find((n) => n.startsWith('recorded run: ')),
      ]),
    );
    expect(notes['adversarial/file-body-byte-flipped-as-alice']).toMatch(
      /2 step\(s\).*AEAD_TAG_MISMATCH/,
    );
    // A first open: the reader read nothing before the attack, so the run has one step.
    expect(notes['adversarial/signer-certificate-from-another-ca-as-bob']).toMatch(
      /1 step\(s\).*CERT_UNTRUSTED/,
    );
    // A minting attack is recorded from the bytes the mock served, like any other.
    expect(notes['adversarial/resigned-by-minted-member-as-alice']).toMatch(
      /2 step\(s\).*SIGNER_NOT_MEMBER/,
    );
  });

  it('E2EE-CONF-541: a failing check whose reader refuses with a code the check does not accept carries no run, and says why', async () => {
    // The victim is held to a code no reader reaches for a stripped signature: the check fails,
    // and the reader's SIGNATURE_MISSING is no expectation the check stands behind.
    const strict: ClientCheck = {
      id: 'adversarial/recorded-code-mismatch',
      title: 'strip-signature held to KEY_CHANGED',
      requirements: ['E2EE-CONF-541'],
      level: 'MUST',
      importance: 'critical',
      profile: 'client-core',
      actors: ['alice'],
      async run(ctx) {
        const alice = await ctx.enrolled('alice');
        const folder = ctx.folder('own');
        await alice.call('folder.create', { path: folder });
        await alice.call('share.add', { folder, userId: (await ctx.suiteReader()).userId });
        await alice.call('sync.refresh', { folder });
        await mount(ctx, {
          attack: 'strip-signature',
          victim: alice,
          folder,
          codes: ['KEY_CHANGED'],
          act: () => alice.call('sync.refresh', { folder }),
          record: { readFirst: true },
        });
      },
    };
    const r = await certifyClient({
      driver: [process.execPath, join(REPO_ROOT, 'bin', 'sealfold.js'), 'driver', 'reference']
        .map(q)
        .join(' '),
      checks: [strict],
      claims: ['client-core'],
      outDir: null,
      seed: 11,
    });
    const x = r.report!.results[0]!;
    expect(x.status).toBe('FAIL');
    expect(x.evidence.recordedRun).toBeUndefined();
    expect(x.evidence.notes).toContain(
      'no recorded run: the suite reader refused with SIGNATURE_MISSING, a code the check does not accept',
    );
  });
});
