import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('npm run bench -- --quick', () => {
  it('E2EE-FILE-011: prints the full table: memory and throughput vs raw node:crypto (file to file, whole bodies and streams in memory), CLI start-up vs node, revocation metadata-only vs re-encryption', () => {
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
      'memory, encrypt N MiB file to file: RSS at start / peak / peak minus start, worst of N (MiB)',
      'memory, decrypt N MiB file to file: RSS at start / peak / peak minus start, worst of N (MiB)',
      'throughput, encrypt N MiB file to file, N KiB chunks, median of N (MiB/s)',
      'throughput, decrypt N MiB file to file, N KiB chunks, median of N (MiB/s)',
      ...[1, 2].flatMap(() => [
        'whole body in memory, encrypt N MiB: throughput, median of N × N (MiB/s); peak RSS minus start, worst of N (MiB)',
        'whole body in memory, decrypt N MiB: throughput, median of N × N (MiB/s); peak RSS minus start, worst of N (MiB)',
      ]),
      'start-up, `sealfold --help`: time, median of N (ms)',
      'start-up, `sealfold metadata open --help` (loads the reference): time, median of N (ms)',
      'throughput, encrypt N MiB in memory, N KiB chunks, median of N (MiB/s)',
      'throughput, decrypt N MiB in memory, N KiB chunks, median of N (MiB/s)',
      'revoke N member, N files, N MiB: time (ms)',
      'revoke N member, N files, N MiB: bytes to re-upload',
      'certify server, embedded mock ncN, N tests: wall clock including start-up (s)',
      'certify server, embedded mock ncN, N tests: wall clock including start-up (s)',
    ]);
    // The certify rows (--quick: keys/ only) end with the verdict of every claimed profile (five:
    // core, sharing, filedrop, recovery-key, log).
    for (const row of rows.slice(-2)) expect(row[1]).toMatch(/^[\d.]+ \(CERTIFIABLE ×5\)$/);
    // Memory cells: start / peak / +growth, for sealfold and for raw node:crypto.
    for (const row of rows.slice(0, 2)) {
      for (const cell of row.slice(1, 3)) {
        const m = /^(\d+) \/ (\d+) \/ \+(\d+)/.exec(cell!);
        expect(m).not.toBeNull();
        const [start, peak, growth] = m!.slice(1).map(Number) as [number, number, number];
        expect(peak).toBeGreaterThanOrEqual(start);
        expect(Math.abs(peak - start - growth)).toBeLessThanOrEqual(1);
      }
    }
    // Whole-body cells: throughput and RSS growth, for sealfold and for raw node:crypto.
    for (const row of rows.slice(4, 8)) {
      for (const cell of row.slice(1, 3)) expect(cell).toMatch(/^\d+ MiB\/s, [+-]\d+ MiB/);
    }
    // Start-up: both sides in the same run, the ratio is of their times.
    for (const row of rows.slice(8, 10)) {
      expect(row[2]).toMatch(/^\d+ \(`node -e 0`\)$/);
      const ratio = Number(row[1]) / Number(row[2]!.split(' ')[0]);
      expect(Math.abs(ratio - Number(row[3]))).toBeLessThan(0.05 * ratio + 0.01);
    }
    expect(r.stdout).toMatch(/^node v\d+\.\d+\.\d+, \d+ CPUs, load average /m);
    for (const row of rows) {
      expect(row).toHaveLength(4);
      expect(row[1]).toMatch(/^\d/);
      expect(row[2]).toMatch(/^\d/);
      expect(Number(row[3])).toBeGreaterThan(0);
    }
    // Shape, not speed: metadata-only revocation re-uploads fewer bytes than re-encryption.
    const bytes = rows
      .find((row) => row[0]!.endsWith('bytes to re-upload'))!
      .slice(1, 3)
      .map((c) => Number(c.split(' ')[0]));
    expect(bytes[0]).toBeLessThan(bytes[1]!);
  });
});
