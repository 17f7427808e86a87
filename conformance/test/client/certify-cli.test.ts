/**
 * `sealfold certify client` end to end, as a vendor runs it: the reference driver started as
 * `node bin/sealfold.js driver reference` (a real child process per device) is CERTIFIABLE with
 * report.json, JUnit and HTML written. The whole battery takes over a minute on a busy machine,
 * so this file certifies client-identity and client-filedrop through the CLI, and
 * reference-scenarios.test.ts certifies client-core and client-sharing through the API.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../src/runner/suite-info.js';
import { parseJsonReport } from '../../src/report/json.js';

const BIN = join(REPO_ROOT, 'bin', 'sealfold.js');
const dir = mkdtempSync(join(tmpdir(), 'sealfold-certify-client-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runCli(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: dir });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}

describe(
  'sealfold certify client (E2EE-DRV-072, E2EE-DRV-070, E2EE-DRV-071)',
  { timeout: 240_000 },
  () => {
    it(
      'the reference driver run as `sealfold driver reference` is CERTIFIABLE, exit 0, with report.json, JUnit and HTML',
      {
        meta: {
          requirements: [
            'E2EE-DRV-072',
            'E2EE-DRV-070',
            'E2EE-DRV-025',
            'E2EE-DRV-001',
            'E2EE-DRV-003',
            'E2EE-DRV-013',
          ],
        },
      },
      async () => {
        const out = join(dir, 'ref');
        const r = await runCli([
          'certify',
          'client',
          '--driver',
          `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} driver reference`,
          '--claims',
          'client-identity,client-filedrop',
          // The honest scenarios (the adversarial ones have tests of their own), plus one outside
          // the claims to see it SKIP.
          '--only',
          'identity/',
          '--only',
          'filedrop/',
          '--only',
          'core/tree-written-by-reference',
          '--out',
          out,
          '--junit',
          join(out, 'junit.xml'),
          '--html',
          join(out, 'html'),
        ]);
        expect(r.err).not.toContain('harness error');
        expect(r.code).toBe(0);
        expect(r.out).toMatch(/client-identity\s+CERTIFIABLE/);
        expect(r.out).toMatch(/client-filedrop\s+CERTIFIABLE/);
        const report = parseJsonReport(readFileSync(join(out, 'report.json'), 'utf8'));
        expect(report.claims.client).toEqual(['client-identity', 'client-filedrop']);
        expect(report.subjects.client?.hello.name).toBe('sealfold-reference');
        // The role matrix: the vendor plays both the dropper and the merger.
        const ids = report.results.filter((x) => x.status === 'PASS').map((x) => x.testId);
        expect(ids).toEqual(
          expect.arrayContaining([
            'filedrop/drop-and-merge-as-alice',
            'filedrop/drop-and-merge-as-bob',
          ]),
        );
        // Out-of-claim scenarios are SKIP with a reason, not silently dropped.
        expect(report.results.find((x) => x.testId.startsWith('core/'))).toMatchObject({
          status: 'SKIP',
          reason: expect.stringContaining('client-core'),
        });
        const junit = new XMLParser({ ignoreAttributes: false }).parse(
          readFileSync(join(out, 'junit.xml'), 'utf8'),
        ) as { testsuites: unknown };
        expect(junit.testsuites).toBeDefined();
        expect(readFileSync(join(out, 'html', 'index.html'), 'utf8')).toContain(
          'filedrop/drop-and-merge-as-bob',
        );
      },
    );
  },
);
