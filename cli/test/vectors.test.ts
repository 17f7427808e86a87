import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './_run.js';
import { runFromReport } from '../commands/vectors-freeze.js';
import { VECTORS_DIR } from '../../vectors/src/context.js';

const RUN = join(
  VECTORS_DIR,
  'producers',
  'sealfold-reference',
  '1.0.0',
  'server-drops-member-unsigned.json',
);

describe('sealfold vectors', () => {
  it('lint: exit 0 and the counts', async () => {
    const r = await runCli(['vectors', 'lint']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/vectors lint: \d+ files, \d+ tests, 0 problem\(s\)/);
  });
  it('verify --type: per-file and per-family counts', async () => {
    const r = await runCli(['vectors', 'verify', '--type', 'file-decrypt', '--type', 'csr']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /primitives\/file-decrypt: \d+ passed \(valid \d+, invalid \d+, acceptable 0\)/,
    );
    expect(r.out).toMatch(/family primitives: \d+/);
    expect(r.out).toMatch(/vectors verify: ok/);
  });
  it('generate: an empty seed is a usage error', async () => {
    const r = await runCli(['vectors', 'generate', '--seed', '']);
    expect(r.code).toBe(2);
  });
  describe('freeze (E2EE-CONF-501)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sealfold-freeze-cli-'));
    it('E2EE-CONF-501: a run the reference disagrees with: exit 1, the reason, nothing frozen', async () => {
      const run = JSON.parse(readFileSync(RUN, 'utf8'));
      run.expect[1] = { result: 'valid' };
      run.name = 'cli-disagrees';
      writeFileSync(join(dir, 'run.json'), JSON.stringify(run));
      const r = await runCli(['vectors', 'freeze', 'run.json'], dir);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/the reference disagrees: step 1 .*SIGNATURE_INVALID/);
      expect(existsSync(join(VECTORS_DIR, 'frozen', 'cli-disagrees.json'))).toBe(false);
    });
    it('E2EE-CONF-501: usage: RUN.json or --report with --test, not both, not neither', async () => {
      expect((await runCli(['vectors', 'freeze'], dir)).code).toBe(2);
      expect((await runCli(['vectors', 'freeze', '--test', 'x'], dir)).code).toBe(2);
      expect((await runCli(['vectors', 'freeze', 'a', '--report', 'r.json'], dir)).code).toBe(2);
      writeFileSync(join(dir, 'report.json'), JSON.stringify({ results: [{ testId: 'a/b' }] }));
      const r = await runCli(
        ['vectors', 'freeze', '--report', 'report.json', '--test', 'a/b'],
        dir,
      );
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/no evidence.recordedRun/);
    });
    it('E2EE-CONF-501: --report takes results[].evidence.recordedRun of the named test', () => {
      const run = JSON.parse(readFileSync(RUN, 'utf8'));
      const report = JSON.stringify({
        results: [
          { testId: 'other/test', evidence: {} },
          { testId: 'client/rollback', evidence: { recordedRun: run } },
        ],
      });
      expect(JSON.parse(runFromReport(report, 'client/rollback'))).toEqual(run);
      expect(() => runFromReport(report, 'client/none')).toThrow(/no result for client\/none/);
      expect(() => runFromReport('{}', 'client/rollback')).toThrow(/no results/);
    });
    it("E2EE-CONF-544: a run that names the suite reader's key gets the committed key; any other key reference is refused with exit 1", async () => {
      const run = JSON.parse(readFileSync(RUN, 'utf8'));
      const named = { ...run, actor: { userId: run.actor.userId, privateKeyRef: 'suite-reader' } };
      const report = (r: unknown) =>
        JSON.stringify({ results: [{ testId: 'adversarial/x', evidence: { recordedRun: r } }] });
      const resolved = JSON.parse(runFromReport(report(named), 'adversarial/x'));
      expect(resolved.actor).toEqual({
        userId: run.actor.userId,
        privateKeyPemWire: readFileSync(join(VECTORS_DIR, 'keys', 'suite-reader.pem'), 'utf8'),
      });
      for (const ref of ['alice', '../keys/alice', 'server']) {
        const other = { ...named, actor: { userId: 'u', privateKeyRef: ref } };
        expect(() => runFromReport(report(other), 'adversarial/x')).toThrow(/only suite-reader/);
        writeFileSync(join(dir, 'ref.json'), report(other));
        const r = await runCli(
          ['vectors', 'freeze', '--report', 'ref.json', '--test', 'adversarial/x'],
          dir,
        );
        expect(r.code).toBe(1);
        expect(r.err).toMatch(/only suite-reader is a committed key/);
      }
    });
  });
});
