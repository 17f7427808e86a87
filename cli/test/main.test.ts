import { describe, expect, it } from 'vitest';
import { runCli } from './_run.js';

const run = (argv: string[]) => runCli(argv);

describe('sealfold CLI', () => {
  it('prints the command list on --help and exits 0', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/spec check/);
  });

  it('exits 2 with one line on an unknown command', async () => {
    const r = await run(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });

  it('exits 2 on an unknown option', async () => {
    const r = await run(['spec', 'check', '--bogus']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/bogus/);
  });

  it('prints command help with usage', async () => {
    const r = await run(['spec', 'check', '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^usage: sealfold spec check/);
  });

  it('spec check --json reports counts', async () => {
    const r = await run(['spec', 'check', '--no-write', '--json']);
    const report = JSON.parse(r.out);
    expect(report.counts.total).toBeGreaterThan(0);
    expect(r.code).toBe(report.ok ? 0 : 1);
  });
});
