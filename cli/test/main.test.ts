import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../paths.js';
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

  it('E2EE-CONF-805: spec check prints the server MUSTs checked, not checkable live, not yet checked and neither', async () => {
    const json = JSON.parse((await run(['spec', 'check', '--no-write', '--json'])).out);
    const s = json.counts.server;
    const r = await run(['spec', 'check', '--no-write']);
    const line = r.out.split('\n').find((l) => l.startsWith('server MUSTs: '));
    expect(line).toBeDefined();
    expect(line).toContain(`${s.checked} checked by the suite`);
    expect(line).toContain(`${s.notLiveCheckable} not checkable live`);
    expect(line).toContain(`${s.notYetChecked} observable but not yet checked`);
    expect(line).toContain(`${s.neither} neither (of ${s.serverMusts})`);
  });

  it('spec check --json reports counts', async () => {
    const r = await run(['spec', 'check', '--no-write', '--json']);
    const report = JSON.parse(r.out);
    expect(report.counts.total).toBeGreaterThan(0);
    expect(r.code).toBe(report.ok ? 0 : 1);
  });

  it('--version prints the package version, the spec version and the vector-set hash', async () => {
    const root = repoRoot();
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    const intro = readFileSync(join(root, 'spec/00-introduction.md'), 'utf8');
    const spec = /^Specification version: (\d+\.\d+\.\d+)\. /m.exec(intro)?.[1];
    expect(spec).toBeDefined();
    const sums = join(root, 'vectors/SHA256SUMS');
    const vectors = existsSync(sums)
      ? `sha256:${createHash('sha256').update(readFileSync(sums)).digest('hex')}`
      : 'none';
    const r = await run(['--version']);
    expect(r.code).toBe(0);
    expect(r.out).toBe(`sealfold ${pkg.version}\nspec ${spec}\nvectors ${vectors}\n`);
    const j = await run(['--version', '--json']);
    expect(j.code).toBe(0);
    expect(JSON.parse(j.out)).toEqual({ package: pkg.version, spec, vectors });
  });

  it('--version takes no other argument (exit 2)', async () => {
    const r = await run(['--version', 'extra']);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
  });
});
