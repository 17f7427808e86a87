import { describe, expect, it } from 'vitest';
import { runCli } from './_run.js';

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
});
