/**
 * `npm run bench`: performance of the reference's file and sharing code, printed as one table.
 *
 * - memory of a 1 GiB file encrypted and decrypted file to file (`encryptFileToPath`,
 *   `decryptFileToPath`): RSS right before the operation, peak RSS, and their difference, next
 *   to raw node:crypto streaming with node's file streams. Each operation runs in a child process
 *   started with plain `node` on a JavaScript copy of the code (`_compile.ts`), so neither this
 *   process's heap nor the TypeScript loader is counted; the peak is the kernel's exact
 *   high-water mark where available (`_rss-child.ts`);
 * - throughput of the same file-to-file runs (median of the rounds), and of the in-memory
 *   streaming API over the same chunks as a raw node:crypto `update()` loop (`_throughput.ts`);
 *   sides alternate, the order flips every round, the ratio is the median of per-round ratios;
 * - whole bodies in memory (`encryptFile`, `decryptFile`) of 64 and 256 MiB against one raw
 *   node:crypto `update()`: throughput and peak RSS growth, each side in its own child
 *   processes (`_memory-child.ts`), sides alternating;
 * - start-up of the compiled CLI (`sealfold --help`, and a command that loads the reference)
 *   next to `node -e 0` in the same run (`_startup.ts`);
 * - revoking one member from a folder of 1,000 files totalling 1 GiB: time and bytes to
 *   re-upload, metadata-only rotation versus re-encrypting the whole folder (`_revocation.ts`);
 * - the wall clock of `sealfold certify server` on the embedded mock per status profile, against
 *   the CLI's start-up alone (`_certify.ts`; `--quick` runs only the `keys/` tests).
 *
 * Raw and reference runs encrypt with the same key and nonce; the bench checks that their bodies
 * are identical and that decryption gives the plaintext back, so both sides did the same work.
 *
 * `--quick` uses small sizes (a smoke test; the numbers mean little). `--json` prints the rows as
 * JSON instead of the table.
 *
 * @module
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHUNK_SIZE } from '../reference/src/files/index.js';
import { compileForNode } from './_compile.js';
import { measureThroughput, median } from './_throughput.js';
import { measureRevocation } from './_revocation.js';
import { measureStartup } from './_startup.js';
import { measureCertify } from './_certify.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MIB = 1024 * 1024;

/** One row of the table. */
export interface BenchRow {
  measurement: string;
  sealfold: string;
  baseline: string;
  ratio: string;
}

interface ChildResult {
  ms: number;
  cpuMs: number;
  baselineMiB: number;
  peakMiB: number;
  peakFrom: string;
  tag: string;
}

const fmt = (n: number, digits = 0) => n.toFixed(digits);
const kib = (n: number) => `${n / 1024} KiB`;

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(path, { highWaterMark: MIB })) h.update(c as Buffer);
  return h.digest('hex');
}

/** Writes `sizeMiB` MiB of pseudo-random plaintext (every MiB differs); returns its SHA-256. */
async function writePlaintext(path: string, sizeMiB: number): Promise<string> {
  const h = createHash('sha256');
  const out = createWriteStream(path, { highWaterMark: MIB });
  const seed = randomBytes(MIB);
  for (let n = 0; n < sizeMiB; n++) {
    const chunk = Buffer.from(seed);
    chunk.set(createHash('sha256').update(String(n)).digest());
    h.update(chunk);
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return h.digest('hex');
}

/** Runs file-to-file encryption and decryption, raw and reference, in child processes. */
async function measureFiles(sizeMiB: number, rounds: number) {
  const dir = mkdtempSync(join(tmpdir(), 'sealfold-bench-files-'));
  try {
    const child = compileForNode(ROOT, join(ROOT, 'bench/_rss-child.ts'), join(dir, 'js'));
    const key = randomBytes(16).toString('hex');
    const nonce = randomBytes(12).toString('hex');
    const run = (mode: string, input: string, output: string, tag = ''): ChildResult => {
      const r = spawnSync(process.execPath, [child, mode, input, output, key, nonce, tag], {
        encoding: 'utf8',
      });
      if (r.status !== 0) throw new Error(`bench child ${mode} failed: ${r.stderr}`);
      return JSON.parse(r.stdout.trim().split('\n').pop()!) as ChildResult;
    };
    const plain = join(dir, 'plain');
    const plainSha = await writePlaintext(plain, sizeMiB);
    const results: Record<string, ChildResult[]> = {};
    const record = (mode: string, r: ChildResult) => (results[mode] ??= []).push(r);
    for (let round = 0; round < rounds; round++) {
      // Fresh output paths every run (replacing an existing file costs extra on some file
      // systems, and only the reference renames); the order flips every round.
      const flip = <T>(pair: [T, T]) => (round % 2 === 0 ? pair : [pair[1], pair[0]]);
      const bodies: Record<string, string> = {};
      for (const mode of flip(['raw-encrypt', 'encrypt'])) {
        bodies[mode] = join(dir, `${mode}-${round}`);
        record(mode, run(mode, plain, bodies[mode]!));
      }
      const [rawEnc, enc] = [results['raw-encrypt']!.at(-1)!, results['encrypt']!.at(-1)!];
      if (rawEnc.tag !== enc.tag) throw new Error('raw and reference tags differ');
      if (round === 0) {
        const [a, b] = [
          await sha256File(bodies['raw-encrypt']!),
          await sha256File(bodies.encrypt!),
        ];
        if (a !== b) throw new Error('raw and reference bodies differ');
      }
      rmSync(bodies['raw-encrypt']!);
      for (const mode of flip(['raw-decrypt', 'decrypt'])) {
        const out = join(dir, `${mode}-${round}`);
        record(mode, run(mode, bodies.encrypt!, out, enc.tag));
        if (round === 0 && (await sha256File(out)) !== plainSha) {
          throw new Error(`${mode} did not give the plaintext back`);
        }
        rmSync(out);
      }
      rmSync(bodies.encrypt!);
    }
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface BodyResult {
  ms: number;
  baselineMiB: number;
  peakMiB: number;
  peakFrom: string;
  tag: string;
}

/**
 * Whole bodies in memory, raw and reference, each run in a fresh child process; returns the
 * results by `<size>:<mode>`. Raw and reference encryption must give the same tag.
 */
function measureBodies(
  sizesMiB: number[],
  rounds: number,
  runs: number,
): Record<string, BodyResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'sealfold-bench-bodies-'));
  try {
    const child = compileForNode(ROOT, join(ROOT, 'bench/_memory-child.ts'), join(dir, 'js'));
    const key = randomBytes(16).toString('hex');
    const nonce = randomBytes(12).toString('hex');
    const results: Record<string, BodyResult[]> = {};
    for (const size of sizesMiB) {
      for (let round = 0; round < rounds; round++) {
        for (const op of ['encrypt', 'decrypt']) {
          const pair = [`raw-${op}`, op];
          for (const mode of round % 2 === 0 ? pair : pair.reverse()) {
            const args = ['--expose-gc', child, mode, String(size), key, nonce, String(runs)];
            const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
            if (r.status !== 0) throw new Error(`bench child ${mode} failed: ${r.stderr}`);
            const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as BodyResult;
            (results[`${size}:${mode}`] ??= []).push(out);
          }
          const [raw, sf] = [results[`${size}:raw-${op}`]!, results[`${size}:${op}`]!];
          if (raw.at(-1)!.tag !== sf.at(-1)!.tag) throw new Error(`raw and reference ${op} differ`);
        }
      }
    }
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function run(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const json = process.argv.includes('--json');
  const size = quick
    ? {
        ...{ file: 16, fileRounds: 1, memory: 8, memoryRounds: 3, files: 20, folderMiB: 4 },
        ...{ bodies: [4, 8], bodyRounds: 1, bodyRuns: 2, startupRounds: 3 },
      }
    : {
        ...{ file: 1024, fileRounds: 3, memory: 256, memoryRounds: 9, files: 1000 },
        ...{ folderMiB: 1024, bodies: [64, 256], bodyRounds: 3, bodyRuns: 5, startupRounds: 15 },
      };
  const loadBefore = loadavg();
  const rows: BenchRow[] = [];

  // Child processes first, before this process holds the throughput buffers.
  const files = await measureFiles(size.file, size.fileRounds);
  for (const op of ['encrypt', 'decrypt'] as const) {
    const sf = files[op]!;
    const raw = files[`raw-${op}`]!;
    const mem = (rs: ChildResult[]) => {
      const base = median(rs.map((r) => r.baselineMiB));
      const peak = Math.max(...rs.map((r) => r.peakMiB));
      const growth = Math.max(...rs.map((r) => r.peakMiB - r.baselineMiB));
      return { text: `${fmt(base)} / ${fmt(peak)} / +${fmt(growth)}`, growth };
    };
    const [a, b] = [mem(sf), mem(raw)];
    rows.push({
      measurement: `memory, ${op} ${size.file} MiB file to file: RSS at start / peak / peak minus start, worst of ${sf.length} (MiB)`,
      sealfold: a.text,
      baseline: `${b.text} (raw node:crypto)`,
      ratio: fmt(a.growth / b.growth, 2),
    });
  }
  for (const op of ['encrypt', 'decrypt'] as const) {
    const sf = files[op]!;
    const raw = files[`raw-${op}`]!;
    const mibs = (rs: ChildResult[]) => size.file / (median(rs.map((r) => r.ms)) / 1000);
    rows.push({
      measurement: `throughput, ${op} ${size.file} MiB file to file, ${kib(CHUNK_SIZE)} chunks, median of ${sf.length} (MiB/s)`,
      sealfold: fmt(mibs(sf)),
      baseline: `${fmt(mibs(raw))} (raw node:crypto)`,
      ratio: fmt(median(sf.map((r, i) => raw[i]!.ms / r.ms)), 2),
    });
  }

  const bodies = measureBodies(size.bodies, size.bodyRounds, size.bodyRuns);
  for (const mib of size.bodies) {
    for (const op of ['encrypt', 'decrypt'] as const) {
      const [sf, raw] = [bodies[`${mib}:${op}`]!, bodies[`${mib}:raw-${op}`]!];
      const cell = (rs: BodyResult[]) => {
        const speed = mib / (median(rs.map((r) => r.ms)) / 1000);
        // The peak of each child's first run; the later runs only add timings.
        const growth = Math.max(...rs.map((r) => r.peakMiB - r.baselineMiB));
        // The high-water mark is reset after the baseline, so a run that frees more than it
        // allocates shows a negative growth: print its sign instead of '+-'.
        return `${fmt(speed)} MiB/s, ${growth < 0 ? '' : '+'}${fmt(growth)} MiB`;
      };
      rows.push({
        measurement: `whole body in memory, ${op} ${mib} MiB: throughput, median of ${sf.length} × ${size.bodyRuns} (MiB/s); peak RSS minus start, worst of ${sf.length} (MiB)`,
        sealfold: cell(sf),
        baseline: `${cell(raw)} (raw node:crypto, one update())`,
        ratio: fmt(median(sf.map((r, i) => raw[i]!.ms / r.ms)), 2),
      });
    }
  }

  const start = measureStartup(ROOT, size.startupRounds);
  rows.push({
    measurement: `start-up, \`sealfold --help\`: time, median of ${start.rounds} (ms)`,
    sealfold: fmt(start.helpMs),
    baseline: `${fmt(start.nodeMs)} (\`node -e 0\`)`,
    ratio: fmt(start.helpMs / start.nodeMs, 2),
  });
  rows.push({
    measurement: `start-up, \`sealfold metadata open --help\` (loads the reference): time, median of ${start.rounds} (ms)`,
    sealfold: fmt(start.commandMs),
    baseline: `${fmt(start.nodeMs)} (\`node -e 0\`)`,
    ratio: fmt(start.commandMs / start.nodeMs, 2),
  });

  const tp = await measureThroughput(size.memory, size.memoryRounds);
  for (const [op, t] of [
    ['encrypt', tp.encrypt],
    ['decrypt', tp.decrypt],
  ] as const) {
    rows.push({
      measurement: `throughput, ${op} ${size.memory} MiB in memory, ${kib(tp.chunkSize)} chunks, median of ${size.memoryRounds} (MiB/s)`,
      sealfold: fmt(t.sealfoldMiBs),
      baseline: `${fmt(t.rawMiBs)} (raw node:crypto)`,
      ratio: fmt(t.ratio, 2),
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

  for (const c of measureCertify(ROOT, quick ? 'keys/' : undefined)) {
    const verdict = c.verdicts.every((v) => v === 'CERTIFIABLE')
      ? `CERTIFIABLE ×${c.verdicts.length}`
      : `exit ${c.exitCode}`;
    rows.push({
      measurement: `certify server, embedded mock ${c.statusProfile}, ${c.tests} tests: wall clock including start-up (s)`,
      sealfold: `${fmt(c.ms / 1000, 1)} (${verdict})`,
      baseline: `${fmt(c.startupMs / 1000, 1)} (start-up: sealfold --help)`,
      ratio: fmt(c.ms / c.startupMs, 1),
    });
  }

  const loadAfter = loadavg();
  const peakFrom = [
    ...new Set(
      [...Object.values(files), ...Object.values(bodies)].flatMap((rs) =>
        rs.map((r) => r.peakFrom),
      ),
    ),
  ];
  const machine = {
    node: process.version,
    cpus: cpus().length,
    loadBefore: loadBefore.map((l) => fmt(l, 2)).join(' '),
    loadAfter: loadAfter.map((l) => fmt(l, 2)).join(' '),
    peakFrom: peakFrom.join(', '),
  };
  if (json) {
    process.stdout.write(JSON.stringify({ quick, machine, rows }) + '\n');
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
    `Sealfold benchmark${quick ? ' (--quick: small sizes, smoke test only)' : ''}\n` +
      `node ${machine.node}, ${machine.cpus} CPUs, load average ${machine.loadBefore} before, ${machine.loadAfter} after\n` +
      `Memory: child processes running plain node on compiled JavaScript; peak RSS from ${machine.peakFrom}.\n` +
      `ratio = sealfold / baseline (memory: of the growth; throughput: median of the per-round ratios; start-up: of the median times).\n\n` +
      lines.join('\n') +
      '\n',
  );
}

await run();
