/**
 * `sealfold spec check`: extracts the requirement registry to `spec/requirements.json` and checks
 * that the spec and the code agree.
 *
 * Citations are classified by spec/tools/citations.ts: code *enforces* an ID with a line comment
 * opening with it and otherwise *mentions* it; a test *evidences* it in its title (at most three
 * IDs) or its `meta.requirements`, conditionally so under `skipIf`/`runIf`.
 *
 * Failures: a malformed or duplicated ID; a test or implementation file citing an unknown ID, or
 * implementation code citing a withdrawn one; a MUST / MUST NOT with no test citing it; a test
 * title with more than three IDs; a range opening an enforcing line comment; the spec's error-code table differing
 * from `E2EE_CODES`, or its fixed-message column from the reference's; a JSON Schema that does not compile or a chapter linking a missing schema.
 *
 * @module
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsNs from 'ajv-formats';
import { E2EE_CODES, FIXED_MESSAGE_CODES } from '../../reference/src/errors/index.js';
import { extractRequirements, LEVELS, type Requirement, type SpecFile } from './registry.js';
import { codeCitations, testCitations } from './citations.js';
import { vectorCoverage, type VectorCoverage } from './vector-citations.js';
import { suiteChecks, suiteCitations } from './suite-citations.js';
import { serverCoverage, type ServerCoverage } from './server-coverage.js';

const addFormats = addFormatsNs.default;

/**
 * Parts whose sources and tests are scanned for citations. `spec/tools` is not among them: the
 * checker's own tests use made-up IDs as data.
 */
const PARTS = ['reference', 'server-mock', 'conformance', 'cli', 'vectors', 'bench'];

export interface RegistryEntry extends Requirement {
  /** Test files whose citing tests always run. */
  tests: string[];
  /** Test files whose citing tests run only under a condition (`skipIf`/`runIf`). */
  conditionalTests: string[];
  /** Implementation files with a line comment opening with the ID on an enforcing line. */
  code: string[];
  /** `file:line` of each enforcing line comment. */
  enforcedAt: string[];
  /** Implementation files that only mention the ID (doc comments, ranges, strings). */
  mentions: string[];
  /** How many test vectors (vectors/) cite it. */
  vectors: number;
  /** Conformance-suite checks (test ids) that evidence this requirement against a target. */
  suite: string[];
}

export interface CheckReport {
  ok: boolean;
  problems: string[];
  counts: {
    total: number;
    withdrawn: number;
    perLevel: Record<string, number>;
    /** MUSTs cited by at least one test (run or conditional). */
    mustCited: number;
    mustTotal: number;
    /** MUSTs whose every citing test may be skipped (skipIf/runIf). */
    mustOnlyConditional: string[];
    citedByTests: number;
    /** Requirements enforced (line comment) by code; mentioned only. */
    enforcedByCode: number;
    mentionedOnly: number;
    citedByReference: number;
    citedByServer: number;
    vectors: VectorCoverage['counts'];
    /** Requirements checked by the conformance suite against a (live or mock) target. */
    checkedBySuite: number;
    /** ... by the suite and by unit tests. */
    checkedByBoth: number;
    /** Suite checks found, and their citations. */
    suiteChecks: number;
    suiteCitations: number;
    /** Server MUSTs: checked by the suite, not checkable live, not yet checked, neither. */
    server: ServerCoverage['counts'];
  };
  requirements: RegistryEntry[];
}

function walk(root: string, dir: string): string[] {
  const abs = join(root, dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs, { recursive: true, encoding: 'utf8' })
    .map((p) => join(dir, p).split(sep).join('/'))
    .filter((p) => !p.includes('node_modules/'));
}

/** Reads the spec chapters (`spec/NN-*.md`) in order. */
export function readChapters(root: string): SpecFile[] {
  return readdirSync(join(root, 'spec'))
    .filter((f) => /^\d\d-.*\.md$/.test(f))
    .sort()
    .map((f) => ({ path: `spec/${f}`, text: readFileSync(join(root, 'spec', f), 'utf8') }));
}

/** Error codes listed in the first column of the table in `spec/01-errors.md`. */
export function specErrorCodes(chapters: SpecFile[]): string[] {
  const errors = chapters.find((c) => c.path.endsWith('-errors.md'));
  if (!errors) return [];
  return [...errors.text.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]!);
}

/** Orders `file:line` strings by file, then numerically by line. */
function byFileLine(a: string, b: string): number {
  const [fa, la] = a.split(':');
  const [fb, lb] = b.split(':');
  return fa === fb ? Number(la) - Number(lb) : fa! < fb! ? -1 : 1;
}

/** Codes whose row in `spec/01-errors.md` says `yes` in the fixed-message column. */
export function specFixedMessageCodes(chapters: SpecFile[]): string[] {
  const errors = chapters.find((c) => c.path.endsWith('-errors.md'));
  if (!errors) return [];
  return [...errors.text.matchAll(/^\| `([A-Z_]+)` \| [a-z]+ \| yes \|/gm)].map((m) => m[1]!);
}

/** Runs every check against the repository at `root`. */
export function checkSpec(root: string): CheckReport {
  const chapters = readChapters(root);
  const { requirements, problems } = extractRequirements(chapters);
  const byId = new Map(requirements.map((r) => [r.id, r]));
  const tests = new Map<string, Set<string>>();
  const conditional = new Map<string, Set<string>>();
  const code = new Map<string, Set<string>>();
  const enforcedAt = new Map<string, Set<string>>();
  const mentions = new Map<string, Set<string>>();
  const note = (map: Map<string, Set<string>>, id: string, file: string) => {
    if (!map.has(id)) map.set(id, new Set());
    map.get(id)!.add(file);
  };
  const liveIds = requirements.filter((r) => !r.withdrawn).map((r) => r.id);

  for (const part of PARTS) {
    for (const file of walk(root, part)) {
      if (!file.endsWith('.ts')) continue;
      const source = readFileSync(join(root, file), 'utf8');
      if (file.endsWith('.test.ts')) {
        const found = testCitations(file, source);
        problems.push(...found.problems);
        for (const c of found.citations) {
          if (!byId.has(c.id))
            problems.push(`${file}:${c.line}: cites unknown requirement ${c.id}`);
          else if (c.evidence === 'run') note(tests, c.id, file);
          else if (c.evidence === 'conditional') note(conditional, c.id, file);
        }
        continue;
      }
      const found = codeCitations(source, liveIds);
      problems.push(...found.problems.map((p) => `${file}: ${p}`));
      for (const c of found.citations) {
        const r = byId.get(c.id);
        if (!r) problems.push(`${file}:${c.line}: cites unknown requirement ${c.id}`);
        else if (r.withdrawn)
          problems.push(`${file}:${c.line}: cites withdrawn requirement ${c.id}`);
        else if (c.kind === 'enforces') {
          note(code, c.id, file);
          note(enforcedAt, c.id, `${file}:${c.line}`);
        } else note(mentions, c.id, file);
      }
    }
  }

  for (const r of requirements) {
    if (
      !r.withdrawn &&
      (r.level === 'MUST' || r.level === 'MUST NOT') &&
      !tests.has(r.id) &&
      !conditional.has(r.id)
    ) {
      problems.push(`${r.anchor}: ${r.level} requirement has no test citing it`);
    }
  }

  // Vector citations, and the coverage of byte-observable MUSTs (spec/tools/vector-citations.ts).
  const vectors = vectorCoverage(root, requirements);
  problems.push(...vectors.problems);
  // The conformance suite's checks cite requirements in their `requirements` arrays.
  const checks = suiteChecks(root);
  const bySuite = suiteCitations(checks);
  for (const c of checks) {
    if (c.requirements === null) {
      problems.push(`${c.file}: suite check ${c.id}: its requirements cannot be read statically`);
    }
  }
  for (const [id, testIds] of bySuite) {
    const r = byId.get(id);
    if (!r) problems.push(`${testIds[0]}: suite check cites unknown requirement ${id}`);
    else if (r.withdrawn)
      problems.push(`${testIds[0]}: suite check cites withdrawn requirement ${id}`);
  }
  // Every server MUST is checked by the suite or explained (spec/tools/server-coverage.ts).
  const server = serverCoverage(root, requirements, bySuite);
  problems.push(...server.problems);

  const specCodes = specErrorCodes(chapters);
  if (specCodes.join(',') !== E2EE_CODES.join(',')) {
    const missing = E2EE_CODES.filter((c) => !specCodes.includes(c));
    const extra = specCodes.filter((c) => !(E2EE_CODES as readonly string[]).includes(c));
    problems.push(
      `spec/01-errors.md: the error-code table and E2EE_CODES differ` +
        (missing.length ? `; not in spec: ${missing.join(', ')}` : '') +
        (extra.length ? `; not in code: ${extra.join(', ')}` : '') +
        (!missing.length && !extra.length ? '; same codes, different order' : ''),
    );
  }

  const fixed = specFixedMessageCodes(chapters).sort().join(', ');
  if (fixed !== [...FIXED_MESSAGE_CODES].sort().join(', ')) {
    problems.push(
      `spec/01-errors.md: the fixed-message codes (${fixed}) differ from the reference's (${[...FIXED_MESSAGE_CODES].sort().join(', ')})`,
    );
  }

  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats(ajv);
  const schemaDir = join(root, 'spec', 'schemas');
  const schemaFiles = existsSync(schemaDir)
    ? readdirSync(schemaDir).filter((f) => f.endsWith('.json'))
    : [];
  for (const f of schemaFiles) {
    try {
      ajv.addSchema(JSON.parse(readFileSync(join(schemaDir, f), 'utf8')) as object, f);
    } catch (e) {
      problems.push(`spec/schemas/${f}: ${(e as Error).message}`);
    }
  }
  for (const f of schemaFiles) {
    try {
      ajv.getSchema(f);
    } catch (e) {
      problems.push(`spec/schemas/${f}: does not compile: ${(e as Error).message}`);
    }
  }
  for (const c of chapters) {
    for (const m of c.text.matchAll(/\]\((?:\.\/)?schemas\/([^)#\s]+)\)/g)) {
      if (!schemaFiles.includes(m[1]!))
        problems.push(`${c.path}: links missing schema schemas/${m[1]}`);
    }
  }

  const entries: RegistryEntry[] = requirements.map((r) => ({
    ...r,
    tests: [...(tests.get(r.id) ?? [])].sort(),
    conditionalTests: [...(conditional.get(r.id) ?? [])]
      .filter((f) => !tests.get(r.id)?.has(f))
      .sort(),
    code: [...(code.get(r.id) ?? [])].sort(),
    enforcedAt: [...(enforcedAt.get(r.id) ?? [])].sort(byFileLine),
    mentions: [...(mentions.get(r.id) ?? [])].filter((f) => !code.get(r.id)?.has(f)).sort(),
    vectors: vectors.perRequirement.get(r.id) ?? 0,
    suite: [...new Set(bySuite.get(r.id) ?? [])].sort(),
  }));
  const live = entries.filter((r) => !r.withdrawn);
  const perLevel = Object.fromEntries(
    LEVELS.map((l) => [l, live.filter((r) => r.level === l).length]),
  );
  const musts = live.filter((r) => r.level === 'MUST' || r.level === 'MUST NOT');
  return {
    ok: problems.length === 0,
    problems,
    counts: {
      total: live.length,
      withdrawn: entries.length - live.length,
      perLevel,
      mustTotal: musts.length,
      mustCited: musts.filter((r) => r.tests.length + r.conditionalTests.length > 0).length,
      mustOnlyConditional: musts
        .filter((r) => r.tests.length === 0 && r.conditionalTests.length > 0)
        .map((r) => r.id),
      citedByTests: live.filter((r) => r.tests.length + r.conditionalTests.length > 0).length,
      enforcedByCode: live.filter((r) => r.code.length > 0).length,
      mentionedOnly: live.filter((r) => r.code.length === 0 && r.mentions.length > 0).length,
      citedByReference: live.filter((r) => r.code.some((f) => f.startsWith('reference/'))).length,
      citedByServer: live.filter((r) => r.code.some((f) => f.startsWith('server-mock/'))).length,
      vectors: vectors.counts,
      checkedBySuite: live.filter((r) => r.suite.length > 0).length,
      checkedByBoth: live.filter(
        (r) => r.suite.length > 0 && r.tests.length + r.conditionalTests.length > 0,
      ).length,
      suiteChecks: checks.length,
      suiteCitations: checks.reduce((n, c) => n + (c.requirements?.length ?? 0), 0),
      server: server.counts,
    },
    requirements: entries,
  };
}

/** Writes the registry as `spec/requirements.json` (stable order and formatting). */
export function writeRegistry(root: string, report: CheckReport): string {
  const path = join(root, 'spec', 'requirements.json');
  const doc = {
    description:
      'Requirement registry extracted from spec/*.md by `sealfold spec check`. Do not edit by hand.',
    requirements: report.requirements.map((r) => ({
      id: r.id,
      level: r.level,
      subject: r.subject,
      text: r.text,
      chapter: r.chapter,
      anchor: r.anchor,
      ...(r.withdrawn ? { withdrawn: true } : {}),
      tests: r.tests,
      ...(r.conditionalTests.length > 0 ? { conditionalTests: r.conditionalTests } : {}),
      code: r.code,
      enforcedAt: r.enforcedAt,
      ...(r.mentions.length > 0 ? { mentions: r.mentions } : {}),
      ...(r.vectors > 0 ? { vectors: r.vectors } : {}),
      ...(r.suite.length > 0 ? { suite: r.suite } : {}),
    })),
  };
  writeFileSync(path, JSON.stringify(doc, null, 2) + '\n');
  return relative(root, path);
}
