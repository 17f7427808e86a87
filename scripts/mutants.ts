/**
 * `npm run mutants [-- ID...]`: checks that every hand-written mutant in scripts/mutants.json is
 * killed. A mutant removes or weakens one enforcing line of a security check; with it applied,
 * at least one of its test files must fail. A check that no test notices when it is gone is no
 * check (the kill table, reference/test/client/KILL-TABLE.md).
 *
 * The mutants are applied in a scratch copy of the repository (tracked and untracked files,
 * node_modules linked), never in the working tree, so that other work in the same tree is not
 * disturbed and an interrupted run leaves nothing mutated behind. The run first checks that the
 * named test files pass unmutated (a red baseline would "kill" every mutant) and that every
 * mutant's `find` text occurs exactly once (otherwise the mutant is stale and fails the run).
 *
 * Slow (one vitest run per mutant), so `npm test` only checks that every mutant still applies
 * (`--stale-only`); CI (`.ci/run`) runs the whole set after `npm test`. `--markdown` prints the
 * list as kill-table rows instead of running it; `--committed` judges HEAD instead of the
 * working tree; `--json` adds a JSON summary of a run.
 *
 * @module
 */
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Ajv2020 } from 'ajv/dist/2020.js';

interface Mutant {
  id: string;
  requirements: string[];
  file: string;
  find: string;
  replace: string;
  tests: string[];
  description: string;
}

/** `broken`: the mutated code did not load, so no test judged it. */
type Outcome = 'killed' | 'survived' | 'stale' | 'broken';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const LIST = join(ROOT, 'scripts', 'mutants.json');
const SCHEMA = join(ROOT, 'scripts', 'mutants.schema.json');
/** One vitest run may start servers; a hung run is a failure, not a wait without end. */
const RUN_TIMEOUT_MS = 10 * 60_000;

function loadMutants(): Mutant[] {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  const validate = ajv.compile(JSON.parse(readFileSync(SCHEMA, 'utf8')) as object);
  const list = JSON.parse(readFileSync(LIST, 'utf8')) as unknown;
  if (!validate(list)) {
    throw new Error(`scripts/mutants.json: ${ajv.errorsText(validate.errors)}`);
  }
  const mutants = (list as { mutants: Mutant[] }).mutants;
  const seen = new Set<string>();
  for (const m of mutants) {
    if (seen.has(m.id)) throw new Error(`scripts/mutants.json: duplicate id ${m.id}`);
    seen.add(m.id);
  }
  return mutants;
}

function git(args: string[]): string {
  const r = spawnSync('git', args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

/**
 * Copies the working tree's files (not .git, not node_modules) to a scratch directory, or with
 * `committed` the files of HEAD (so that uncommitted work of others in a shared tree is left out).
 */
function scratchCopy(committed: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), 'sealfold-mutants-'));
  if (committed) {
    const tar = spawnSync('git', ['archive', '--format=tar', 'HEAD'], {
      cwd: ROOT,
      maxBuffer: 1 << 30,
    });
    if (tar.status !== 0) throw new Error(`git archive failed: ${String(tar.stderr)}`);
    const x = spawnSync('tar', ['-x', '-C', dir], { input: tar.stdout });
    if (x.status !== 0) throw new Error(`tar failed: ${String(x.stderr)}`);
    linkShared(dir);
    return dir;
  }
  const files = git(['ls-files', '-z', '--cached', '--others', '--exclude-standard'])
    .split('\0')
    .filter((f) => f !== '');
  for (const f of files) {
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    try {
      copyFileSync(join(ROOT, f), join(dir, f));
    } catch (e) {
      // A tracked file deleted in the working tree is simply absent from the copy.
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  linkShared(dir);
  return dir;
}

/**
 * Links what the copy does not hold: node_modules, and the built dist/ when there is one. The
 * adversarial tests start `sealfold serve` (the mock server, from dist/); the mutated client code
 * runs from the sources in the copy, so an unmutated server build is the honest opponent.
 */
function linkShared(dir: string): void {
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  if (existsSync(join(ROOT, 'dist'))) symlinkSync(join(ROOT, 'dist'), join(dir, 'dist'), 'dir');
}

/**
 * Runs vitest on `tests` in `cwd`: `pass` when every test passed, `fail` when at least one test
 * ran and failed, `broken` when the run failed without a failing test (a file that no longer
 * loads, a timeout): a mutant that breaks the build is not a mutant the tests noticed.
 */
function runTests(cwd: string, tests: readonly string[]): 'pass' | 'fail' | 'broken' {
  const report = join(cwd, '.mutants-report.json');
  rmSync(report, { force: true });
  const r = spawnSync(
    process.execPath,
    [
      join(cwd, 'node_modules', 'vitest', 'vitest.mjs'),
      'run',
      // The first failing test kills the mutant; the rest of the file need not run.
      '--bail=1',
      '--reporter=json',
      `--outputFile=${report}`,
      ...tests,
    ],
    { cwd, encoding: 'utf8', timeout: RUN_TIMEOUT_MS, maxBuffer: 64 << 20 },
  );
  if (r.status === 0) return 'pass';
  let failed = 0;
  try {
    const json = JSON.parse(readFileSync(report, 'utf8')) as {
      testResults?: Array<{ status: string; assertionResults?: Array<{ status: string }> }>;
    };
    for (const file of json.testResults ?? []) {
      const results = file.assertionResults ?? [];
      failed += results.filter((t) => t.status === 'failed').length;
      // A file that loaded (it has tests) but failed in a hook: the mutated code ran and failed.
      if (file.status === 'failed' && results.length > 0) failed++;
    }
  } catch {
    return 'broken';
  }
  return failed > 0 ? 'fail' : 'broken';
}

/** How often `needle` occurs in `haystack` (a mutant applies only where it occurs once). */
export function occurrences(haystack: string, needle: string): number {
  let n = 0;
  for (let i = haystack.indexOf(needle); i !== -1; i = haystack.indexOf(needle, i + 1)) n++;
  return n;
}

function runMutant(copy: string, m: Mutant): Outcome {
  const path = join(copy, m.file);
  const original = readFileSync(path, 'utf8');
  if (occurrences(original, m.find) !== 1) return 'stale';
  writeFileSync(
    path,
    original.replace(m.find, () => m.replace),
  );
  try {
    const r = runTests(copy, m.tests);
    return r === 'pass' ? 'survived' : r === 'fail' ? 'killed' : 'broken';
  } finally {
    writeFileSync(path, original);
  }
}

/** The list as the rows of a kill table (requirement, mutated line, killing tests, mutant id). */
function markdownTable(mutants: readonly Mutant[]): string {
  const cell = (t: string) => t.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const rows = mutants.map(
    (m) =>
      `| ${m.requirements.join(' ')} | \`${m.file}\`: ${cell(m.description)} | ${m.tests.map((t) => `\`${t}\``).join(', ')} | \`${m.id}\` |`,
  );
  return [
    '| Requirement | Enforcing line (what the mutant removes) | Killing test | Mutant |',
    '|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}

function main(): number {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      json: { type: 'boolean' },
      markdown: { type: 'boolean' },
      'stale-only': { type: 'boolean' },
      committed: { type: 'boolean' },
    },
  });
  const all = loadMutants();
  if (values.markdown === true) {
    process.stdout.write(markdownTable(all));
    return 0;
  }
  if (values['stale-only'] === true) {
    // Fast: only whether every `find` still occurs exactly once in the working tree.
    const stale = all.filter(
      (m) => occurrences(readFileSync(join(ROOT, m.file), 'utf8'), m.find) !== 1,
    );
    for (const m of stale) process.stdout.write(`stale    ${m.id} (${m.file})\n`);
    process.stdout.write(`${all.length - stale.length} of ${all.length} mutants apply\n`);
    return stale.length === 0 ? 0 : 1;
  }
  const unknown = positionals.filter((id) => !all.some((m) => m.id === id));
  if (unknown.length > 0) {
    process.stderr.write(`mutants: no mutant named ${unknown.join(', ')}\n`);
    return 2;
  }
  const chosen = positionals.length === 0 ? all : all.filter((m) => positionals.includes(m.id));
  const copy = scratchCopy(values.committed === true);
  try {
    const tests = [...new Set(chosen.flatMap((m) => m.tests))].sort();
    process.stdout.write(`baseline: ${tests.length} test file(s) unmutated\n`);
    if (runTests(copy, tests) !== 'pass') {
      process.stdout.write('baseline: FAILED; fix the tests before judging mutants\n');
      return 1;
    }
    const results: Array<{ id: string; requirements: string[]; outcome: Outcome }> = [];
    for (const m of chosen) {
      const outcome = runMutant(copy, m);
      results.push({ id: m.id, requirements: m.requirements, outcome });
      process.stdout.write(`${outcome.padEnd(8)} ${m.id} (${m.requirements.join(' ')})\n`);
    }
    const bad = results.filter((r) => r.outcome !== 'killed');
    if (values.json === true) process.stdout.write(JSON.stringify(results, null, 2) + '\n');
    process.stdout.write(
      `\n${results.length - bad.length} of ${results.length} mutants killed` +
        (bad.length > 0
          ? `; not killed: ${bad.map((b) => `${b.id} (${b.outcome})`).join(', ')}`
          : '') +
        '\n',
    );
    return bad.length === 0 ? 0 : 1;
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

// Run only as a script: scripts/kill-rate.ts imports the helpers above.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main();
}
