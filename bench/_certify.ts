/**
 * Wall clock of `npx sealfold certify server` on the embedded mock, per status profile, as a user
 * runs it: a child process on `bin/sealfold.js`, start-up included. The baseline is the start-up
 * alone (`sealfold --help`, which loads the same TypeScript loader), so the ratio says how much
 * of the run is the certification itself. Nothing here asserts a time.
 *
 * @module
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface CertifyTiming {
  statusProfile: string;
  ms: number;
  tests: number;
  verdicts: string[];
  exitCode: number;
  startupMs: number;
}

function timed(root: string, args: string[], cwd: string) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [join(root, 'bin', 'sealfold.js'), ...args], {
    cwd,
    encoding: 'utf8',
    timeout: 600_000,
  });
  return { ms: performance.now() - t0, r };
}

/**
 * Certifies the embedded mock once per status profile and times each run. `only` narrows the
 * run to test ids with that prefix (the bench's `--quick` smoke run).
 */
export function measureCertify(root: string, only?: string): CertifyTiming[] {
  const dir = mkdtempSync(join(tmpdir(), 'sealfold-bench-certify-'));
  try {
    const startup = timed(root, ['--help'], dir).ms;
    return ['nc30', 'nc32'].map((statusProfile) => {
      const args = ['certify', 'server', '--profile', statusProfile, '--json', '--out', dir];
      const { ms, r } = timed(root, only ? [...args, '--only', only] : args, dir);
      const doc = JSON.parse(r.stdout) as {
        exitCode: number;
        runs: Array<{ summary: { total: number }; verdicts: Array<{ status: string }> }>;
      };
      return {
        statusProfile,
        ms,
        tests: doc.runs[0]?.summary.total ?? 0,
        verdicts: doc.runs[0]?.verdicts.map((v) => v.status) ?? [],
        exitCode: doc.exitCode,
        startupMs: startup,
      };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
