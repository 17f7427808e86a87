import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('npm run bench -- --quick', () => {
  it('E2EE-FILE-011: prints the full table: throughput vs raw node:crypto, peak RSS, revocation metadata-only vs re-encryption', () => {
    const r = spawnSync(process.execPath, ['bin/run-ts.js', 'bench/main.ts', '--quick'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => l.startsWith('|'));
    expect(lines[0]).toBe('| measurement | sealfold | baseline | ratio |');
    expect(lines[1]).toBe('|---|---|---|---|');
    const rows = lines.slice(2).map((l) =>
      l
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim()),
    );
    expect(rows.map((c) => c[0]!.replace(/[\d.]+/g, 'N'))).toEqual([
      'peak RSS, encrypt N MiB (MiB; growth over N at start)',
      'peak RSS, decrypt to file N MiB (MiB; growth over N at start)',
      'file-to-file time, N MiB (encrypt / decrypt, ms)',
      'file encrypt throughput, N MiB in N MiB chunks (MiB/s)',
      'file decrypt throughput, N MiB in N MiB chunks (MiB/s)',
      'revoke N member, N files, N MiB: time (ms)',
      'revoke N member, N files, N MiB: bytes to re-upload',
    ]);
    for (const row of rows) {
      expect(row).toHaveLength(4);
      expect(row[1]).toMatch(/^\d/);
      expect(row[2]).toMatch(/^\d/);
      expect(Number(row[3])).toBeGreaterThan(0);
    }
    // Shape, not speed: metadata-only revocation re-uploads fewer bytes than re-encryption.
    const bytes = rows[6]!.slice(1, 3).map((c) => Number(c.split(' ')[0]));
    expect(bytes[0]).toBeLessThan(bytes[1]!);
  });
});
