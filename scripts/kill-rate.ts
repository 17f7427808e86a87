/**
 * `npm run kill-rate [-- ID...]`: proves that `sealfold certify client` catches broken clients.
 * Every entry of conformance/broken-drivers.json is the reference driver with one security check
 * disabled by a source edit. The edits are applied in a scratch copy of the built package
 * (dist/ copied, the mutated modules re-transpiled there with esbuild), never in the working tree,
 * so the disabled check is not reachable from the reference library's public API. Each broken
 * driver is certified (`certifyClient`, the API behind `certify client`) and counts as caught
 * when the run is NOT CERTIFIABLE with a failing test that cites one of the requirements its
 * disabled check enforces. The kill rate is caught / total.
 *
 * Before the broken drivers, the honest driver from the same scratch copy must pass the same
 * checks (a red baseline would "catch" every broken driver). By default each broken driver is
 * run against the checks its entry names as killers (a run of the whole battery per driver takes
 * minutes); `--full` runs the whole battery. Needs a current build (`npm run build`).
 *
 * @module
 */
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { transform } from 'esbuild';
import { occurrences } from './mutants.js';
import { certifyClient } from '../conformance/src/client/run.js';
import { CLIENT_CHECKS } from '../conformance/src/client/checks/index.js';

export interface BrokenDriver {
  id: string;
  category: string;
  requirements: string[];
  edits: Array<{ file: string; find: string; replace: string }>;
  killers: string[];
  description: string;
}

/** `caught`: NOT CERTIFIABLE naming a requirement of the disabled check. */
export type KillOutcome = 'caught' | 'survived' | 'stale' | 'error';

export interface KillResult {
  id: string;
  outcome: KillOutcome;
  /** Failing test ids of the run (with the requirement that named the disabled check). */
  failing: string[];
  seconds: number;
  detail?: string;
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const LIST = join(ROOT, 'conformance', 'broken-drivers.json');
const SCHEMA = join(ROOT, 'conformance', 'broken-drivers.schema.json');

export function loadBrokenDrivers(): BrokenDriver[] {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  const validate = ajv.compile(JSON.parse(readFileSync(SCHEMA, 'utf8')) as object);
  const list = JSON.parse(readFileSync(LIST, 'utf8')) as unknown;
  if (!validate(list)) throw new Error(`broken-drivers.json: ${ajv.errorsText(validate.errors)}`);
  const drivers = (list as { brokenDrivers: BrokenDriver[] }).brokenDrivers;
  const ids = new Set<string>();
  for (const d of drivers) {
    if (ids.has(d.id)) throw new Error(`broken-drivers.json: duplicate id ${d.id}`);
    ids.add(d.id);
  }
  return drivers;
}

/** The mutated sources of `d` (file → text), or the first edit that does not apply exactly once. */
export function mutatedSources(d: BrokenDriver): Map<string, string> | string {
  const out = new Map<string, string>();
  for (const e of d.edits) {
    const text = out.get(e.file) ?? readFileSync(join(ROOT, e.file), 'utf8');
    if (occurrences(text, e.find) !== 1) return `${e.file}: the find text does not occur once`;
    out.set(
      e.file,
      text.replace(e.find, () => e.replace),
    );
  }
  return out;
}

/** A scratch package: dist/, bin/, spec/ and package.json copied, node_modules linked. */
export function scratchPackage(): string {
  if (!existsSync(join(ROOT, 'dist', 'conformance', 'drivers', 'reference', 'driver.js')))
    throw new Error('no build: run `npm run build` first');
  const dir = mkdtempSync(join(tmpdir(), 'sealfold-kill-rate-'));
  for (const part of ['dist', 'bin', 'spec', 'package.json'])
    cpSync(join(ROOT, part), join(dir, part), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

const compiledPath = (dir: string, file: string) => join(dir, 'dist', file.replace(/\.ts$/, '.js'));

/** Writes the transpiled mutated modules over the scratch copy's dist; returns the restorer. */
export async function applyBroken(dir: string, sources: Map<string, string>): Promise<() => void> {
  const originals: Array<[string, string]> = [];
  for (const [file, text] of sources) {
    const target = compiledPath(dir, file);
    originals.push([target, readFileSync(target, 'utf8')]);
    const js = await transform(text, { loader: 'ts', format: 'esm', target: 'node20' });
    writeFileSync(target, js.code);
  }
  return () => {
    for (const [target, text] of originals) writeFileSync(target, text);
  };
}

/** Certifies the driver of the scratch copy against the checks `only` names (all when empty). */
export async function certifyScratch(dir: string, only: readonly string[]) {
  const r = await certifyClient({
    driver: `"${process.execPath}" "${join(dir, 'bin', 'sealfold.js')}" driver reference`,
    checks: CLIENT_CHECKS,
    outDir: null,
    ...(only.length > 0 ? { only } : {}),
  });
  if (r.report === undefined)
    throw new Error(`certify client: no report (${r.error ?? r.exitCode})`);
  return r.report;
}

/** Runs one broken driver in the scratch package `dir`. */
export async function judge(dir: string, d: BrokenDriver, full: boolean): Promise<KillResult> {
  const start = Date.now();
  const seconds = () => Math.round((Date.now() - start) / 100) / 10;
  const sources = mutatedSources(d);
  if (typeof sources === 'string')
    return { id: d.id, outcome: 'stale', failing: [], seconds: 0, detail: sources };
  const restore = await applyBroken(dir, sources);
  try {
    const report = await certifyScratch(dir, full ? [] : d.killers);
    const failing = report.results.filter((t) => t.status === 'FAIL');
    const naming = failing.filter((t) => t.requirements.some((id) => d.requirements.includes(id)));
    const notCertifiable = report.verdicts.some((v) => v.status === 'NOT CERTIFIABLE');
    return {
      id: d.id,
      outcome: notCertifiable && naming.length > 0 ? 'caught' : 'survived',
      failing: naming.map((t) => t.testId),
      seconds: seconds(),
      ...(naming.length === 0
        ? {
            detail: report.results
              .map((t) => `${t.testId} ${t.status}${t.message ? `: ${t.message}` : ''}`)
              .join('; '),
          }
        : {}),
    };
  } catch (e) {
    return { id: d.id, outcome: 'error', failing: [], seconds: seconds(), detail: String(e) };
  } finally {
    restore();
  }
}

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { full: { type: 'boolean' }, json: { type: 'boolean' } },
  });
  const all = loadBrokenDrivers();
  const unknown = positionals.filter((id) => !all.some((d) => d.id === id));
  if (unknown.length > 0) {
    process.stderr.write(`kill-rate: no broken driver named ${unknown.join(', ')}\n`);
    return 2;
  }
  const chosen = positionals.length === 0 ? all : all.filter((d) => positionals.includes(d.id));
  const full = values.full === true;
  const dir = scratchPackage();
  try {
    const killers = full ? [] : [...new Set(chosen.flatMap((d) => d.killers))].sort();
    process.stdout.write(
      `baseline: the honest driver against ${full ? 'every check' : `${killers.length} check(s)`}\n`,
    );
    const baseline = await certifyScratch(dir, killers);
    const bad = baseline.results.filter((t) => t.status !== 'PASS');
    if (bad.length > 0) {
      for (const t of bad)
        process.stdout.write(`  ${t.status} ${t.testId}: ${t.message ?? t.reason ?? ''}\n`);
      process.stdout.write('baseline: FAILED; fix the checks before judging broken drivers\n');
      return 1;
    }
    const results: KillResult[] = [];
    for (const d of chosen) {
      const r = await judge(dir, d, full);
      results.push(r);
      process.stdout.write(
        `${r.outcome.padEnd(8)} ${d.id.padEnd(32)} ${String(r.seconds).padStart(5)} s  ${
          r.failing.length > 0 ? r.failing.join(', ') : (r.detail ?? '')
        }\n`,
      );
    }
    const caught = results.filter((r) => r.outcome === 'caught').length;
    if (values.json === true) process.stdout.write(JSON.stringify(results, null, 2) + '\n');
    const pct = Math.round((1000 * caught) / results.length) / 10;
    process.stdout.write(
      `\nkill rate: ${caught} of ${results.length} broken drivers caught (${pct} %)\n`,
    );
    return caught === results.length ? 0 : 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (
  process.argv[1] !== undefined &&
  import.meta.url === (await import('node:url')).pathToFileURL(process.argv[1]).href
) {
  process.exitCode = await main();
}
