/**
 * `npm run bench`: performance of the reference's file and sharing code, printed as one table.
 *
 * - file encryption / decryption throughput (streaming API, 1 MiB chunks) next to raw
 *   node:crypto AES-128-GCM streaming over the same chunks in the same run (ratio);
 * - peak RSS while encrypting and decrypting a 1 GiB body, measured in child processes (the
 *   parent's heap would pollute it), next to raw node:crypto in a child of the same kind;
 * - revoking one member from a folder of 1,000 files totalling 1 GiB: time and bytes to
 *   re-upload, metadata-only rotation versus re-encrypting the whole folder.
 *
 * `--quick` uses small sizes (a smoke test; the numbers mean little). `--json` prints the rows as
 * JSON instead of the table.
 *
 * @module
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measureThroughput } from './_throughput.js';
import { measureRevocation } from './_revocation.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** One row of the table. */
export interface BenchRow {
  measurement: string;
  sealfold: string;
  baseline: string;
  ratio: string;
}

const fmt = (n: number, digits = 0) => n.toFixed(digits);

function child(mode: string, sizeMiB: number, dir: string) {
  const r = spawnSync(
    process.execPath,
    [join(ROOT, 'bin/run-ts.js'), join(ROOT, 'bench/_rss-child.ts'), mode, String(sizeMiB), dir],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`bench child ${mode} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as {
    ms: number;
    baselineRssMiB: number;
    peakRssMiB: number;
  };
}

async function run(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const json = process.argv.includes('--json');
  const size = quick
    ? { throughput: 8, repeats: 1, rss: 16, files: 20, folderMiB: 4 }
    : { throughput: 256, repeats: 3, rss: 1024, files: 1000, folderMiB: 1024 };
  const rows: BenchRow[] = [];

  // Memory first, before this process holds the throughput buffers.

  const dir = mkdtempSync(join(tmpdir(), 'sealfold-bench-rss-'));
  try {
    const raw = child('raw-encrypt', size.rss, dir);
    const enc = child('encrypt', size.rss, dir);
    const dec = child('decrypt', size.rss, dir);
    const growth = (r: typeof enc) => r.peakRssMiB - r.baselineRssMiB;
    rows.push({
      measurement: `peak RSS, encrypt ${size.rss} MiB (MiB; growth over ${fmt(enc.baselineRssMiB)} at start)`,
      sealfold: `${fmt(enc.peakRssMiB)} (+${fmt(growth(enc))})`,
      baseline: `${fmt(raw.peakRssMiB)} (+${fmt(growth(raw))}) (raw node:crypto)`,
      ratio: fmt(growth(enc) / growth(raw), 2),
    });
    rows.push({
      measurement: `peak RSS, decrypt to file ${size.rss} MiB (MiB; growth over ${fmt(dec.baselineRssMiB)} at start)`,
      sealfold: `${fmt(dec.peakRssMiB)} (+${fmt(growth(dec))})`,
      baseline: `${fmt(raw.peakRssMiB)} (+${fmt(growth(raw))}) (raw encrypt)`,
      ratio: fmt(growth(dec) / growth(raw), 2),
    });
    rows.push({
      measurement: `file-to-file time, ${size.rss} MiB (encrypt / decrypt, ms)`,
      sealfold: `${fmt(enc.ms)} / ${fmt(dec.ms)}`,
      baseline: `${fmt(raw.ms)} (raw encrypt)`,
      ratio: fmt(enc.ms / raw.ms, 2),
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const tp = await measureThroughput(size.throughput, size.repeats);
  for (const [name, t] of [
    ['encrypt', tp.encrypt],
    ['decrypt', tp.decrypt],
  ] as const) {
    rows.push({
      measurement: `file ${name} throughput, ${size.throughput} MiB in 1 MiB chunks (MiB/s)`,
      sealfold: fmt(t.sealfoldMiBs),
      baseline: `${fmt(t.rawMiBs)} (raw node:crypto)`,
      ratio: fmt(t.sealfoldMiBs / t.rawMiBs, 2),
    });
  }

  const rv = await measureRevocation(size.files, size.folderMiB);
  const what = `${rv.files} files, ${rv.totalMiB} MiB`;
  rows.push({
    measurement: `revoke 1 member, ${what}: time (ms)`,
    sealfold: `${fmt(rv.metadataOnly.ms)} (metadata only)`,
    baseline: `${fmt(rv.reencrypt.ms)} (re-encrypt folder)`,
    ratio: fmt(rv.metadataOnly.ms / rv.reencrypt.ms, 4),
  });
  rows.push({
    measurement: `revoke 1 member, ${what}: bytes to re-upload`,
    sealfold: `${rv.metadataOnly.uploadBytes} (metadata only)`,
    baseline: `${rv.reencrypt.uploadBytes} (re-encrypt folder)`,
    ratio: fmt(rv.metadataOnly.uploadBytes / rv.reencrypt.uploadBytes, 6),
  });

  if (json) {
    process.stdout.write(JSON.stringify({ quick, rows }) + '\n');
    return;
  }
  const header: BenchRow = {
    measurement: 'measurement',
    sealfold: 'sealfold',
    baseline: 'baseline',
    ratio: 'ratio',
  };
  const lines = [header, ...rows].map(
    (r) => `| ${r.measurement} | ${r.sealfold} | ${r.baseline} | ${r.ratio} |`,
  );
  lines.splice(1, 0, '|---|---|---|---|');
  process.stdout.write(
    `Sealfold benchmark${quick ? ' (--quick: small sizes, smoke test only)' : ''}, node ${process.version}\n\n` +
      lines.join('\n') +
      '\n',
  );
}

await run();
