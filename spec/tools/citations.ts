/**
 * Finds where tests and implementation code cite requirement IDs, and what each citation claims.
 *
 * Tests evidence an ID in one of two places of an `it`/`test`/`describe`/`suite` call (including
 * `.each`, `.for`, `.skipIf` and similar forms), both read with the TypeScript parser so that an
 * ID in a comment or a helper string does not count:
 * - the title, for at most {@link MAX_TITLE_IDS} IDs (`'E2EE-META-045: a foreign key is refused'`);
 * - the options' structured field, for the IDs of an umbrella test (a model-based property that
 *   evidences many sentences at once): `it('title', { meta: { requirements: ['E2EE-…', …] } }, fn)`.
 *
 * A citation under `.skipIf(…)` / `.runIf(…)` (on the test or an enclosing `describe`) is
 * *conditional*: the test may not run, so the registry flags it. One under `.skip` / `.todo` is no
 * evidence at all.
 *
 * Implementation code *enforces* an ID only with a line comment that starts with the ID, on (or
 * directly above) the enforcing line: `// E2EE-META-815 (MUST, client): authenticate before …`.
 * Every other occurrence (a doc comment, a later ID in a line comment, a string) *mentions* it. A
 * range such as `E2EE-META-001..019` mentions every ID of the registry in it; it never enforces.
 *
 * @module
 */
import ts from 'typescript';
import { idsIn } from './registry.js';

const TEST_FUNCTIONS = new Set(['it', 'test', 'describe', 'suite']);
/** A title citing more IDs than this is an umbrella: declare them in `meta.requirements`. */
export const MAX_TITLE_IDS = 3;

/** `run`: always runs; `conditional`: under skipIf/runIf; `skipped`: under skip/todo. */
export type Evidence = 'run' | 'conditional' | 'skipped';

export interface TestCitation {
  id: string;
  /** 1-based line of the test call. */
  line: number;
  evidence: Evidence;
  via: 'title' | 'meta';
}

export interface CodeCitation {
  id: string;
  line: number;
  kind: 'enforces' | 'mentions';
}

const RANK: Record<Evidence, number> = { run: 0, conditional: 1, skipped: 2 };
const weaker = (a: Evidence, b: Evidence): Evidence => (RANK[a] >= RANK[b] ? a : b);

/** The identifier at the root of `it`, `it.each(t)`, `describe.skipIf(c)`, ... and its modifiers. */
function callee(e: ts.Expression): { root?: string; modifiers: string[] } {
  const modifiers: string[] = [];
  let cur: ts.Expression = e;
  for (;;) {
    if (ts.isIdentifier(cur)) return { root: cur.text, modifiers };
    if (ts.isPropertyAccessExpression(cur)) {
      modifiers.push(cur.name.text);
      cur = cur.expression;
    } else if (ts.isCallExpression(cur)) cur = cur.expression;
    else return { modifiers };
  }
}

function ownEvidence(modifiers: readonly string[]): Evidence {
  if (modifiers.includes('skip') || modifiers.includes('todo')) return 'skipped';
  if (modifiers.includes('skipIf') || modifiers.includes('runIf')) return 'conditional';
  return 'run';
}

function property(obj: ts.ObjectLiteralExpression, name: string): ts.Expression | undefined {
  for (const p of obj.properties) {
    if (
      ts.isPropertyAssignment(p) &&
      (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) &&
      p.name.text === name
    ) {
      return p.initializer;
    }
  }
  return undefined;
}

function unwrap(e: ts.Expression): ts.Expression {
  let cur = e;
  while (
    ts.isAsExpression(cur) ||
    ts.isSatisfiesExpression(cur) ||
    ts.isParenthesizedExpression(cur)
  )
    cur = cur.expression;
  return cur;
}

/**
 * The IDs of `{ meta: { requirements: [...] } }` in a test call's options, `[]` when there is no
 * such field, `null` when the field is not a literal array of literal strings.
 */
function metaRequirements(options: ts.Expression | undefined): string[] | null {
  if (options === undefined) return [];
  const obj = unwrap(options);
  if (!ts.isObjectLiteralExpression(obj)) return [];
  const meta = property(obj, 'meta');
  if (meta === undefined) return [];
  const m = unwrap(meta);
  if (!ts.isObjectLiteralExpression(m)) return null;
  const list = property(m, 'requirements');
  if (list === undefined) return [];
  const arr = unwrap(list);
  if (!ts.isArrayLiteralExpression(arr)) return null;
  const ids: string[] = [];
  for (const el of arr.elements) {
    if (!ts.isStringLiteralLike(el) || idsIn(el.text).join(' ') !== el.text) return null;
    ids.push(el.text);
  }
  return ids;
}

/** Titles of every test-declaring call in a test file. */
export function testTitles(path: string, source: string): string[] {
  return scanTests(path, source).titles;
}

function scanTests(
  path: string,
  source: string,
): { titles: string[]; citations: TestCitation[]; problems: string[] } {
  const sf = ts.createSourceFile(path, source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const titles: string[] = [];
  const citations: TestCitation[] = [];
  const problems: string[] = [];
  const visit = (node: ts.Node, inherited: Evidence): void => {
    let evidence = inherited;
    if (ts.isCallExpression(node) && node.arguments.length > 0) {
      const { root, modifiers } = callee(node.expression);
      if (root !== undefined && TEST_FUNCTIONS.has(root)) {
        evidence = weaker(inherited, ownEvidence(modifiers));
        const first = node.arguments[0]!;
        const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
        let title: string | undefined;
        if (ts.isStringLiteral(first) || ts.isNoSubstitutionTemplateLiteral(first)) {
          title = first.text;
        } else if (ts.isTemplateExpression(first)) {
          title = first.getText(sf);
        }
        if (title !== undefined) {
          titles.push(title);
          const fromTitle = [...new Set(idsIn(title))];
          if (fromTitle.length > MAX_TITLE_IDS) {
            problems.push(
              `${path}:${line}: a test title cites ${fromTitle.length} IDs (at most ${MAX_TITLE_IDS}); declare an umbrella test's IDs in { meta: { requirements: [...] } }`,
            );
          }
          for (const id of fromTitle) citations.push({ id, line, evidence, via: 'title' });
        }
        const fromMeta = metaRequirements(
          node.arguments.length > 2 ? node.arguments[1] : undefined,
        );
        if (fromMeta === null) {
          problems.push(
            `${path}:${line}: meta.requirements must be an array of string literals, each one requirement ID`,
          );
        } else {
          for (const id of fromMeta) citations.push({ id, line, evidence, via: 'meta' });
        }
      }
    }
    ts.forEachChild(node, (child) => visit(child, evidence));
  };
  visit(sf, 'run');
  return { titles, citations, problems };
}

/**
 * Every test citation in a test file, with its evidence kind, and the file's citation problems
 * (an umbrella title, an unreadable `meta.requirements`).
 */
export function testCitations(
  path: string,
  source: string,
): { citations: TestCitation[]; problems: string[] } {
  const { citations, problems } = scanTests(path, source);
  return { citations, problems };
}

/** IDs evidenced by the tests of one test file that are not skipped outright. */
export function idsCitedByTest(path: string, source: string): string[] {
  return [
    ...new Set(
      testCitations(path, source)
        .citations.filter((c) => c.evidence !== 'skipped')
        .map((c) => c.id),
    ),
  ];
}

/** Every comment of a source file, in order: its text and start offset. */
function comments(source: string): { text: string; pos: number; line: boolean }[] {
  const sf = ts.createSourceFile('x.ts', source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const seen = new Map<number, { text: string; pos: number; line: boolean }>();
  const add = (ranges: ts.CommentRange[] | undefined) => {
    for (const r of ranges ?? []) {
      if (seen.has(r.pos)) continue;
      seen.set(r.pos, {
        text: source.slice(r.pos, r.end),
        pos: r.pos,
        line: r.kind === ts.SyntaxKind.SingleLineCommentTrivia,
      });
    }
  };
  const visit = (node: ts.Node): void => {
    add(ts.getLeadingCommentRanges(source, node.pos));
    add(ts.getTrailingCommentRanges(source, node.end));
    for (const child of node.getChildren(sf)) visit(child);
  };
  visit(sf);
  return [...seen.values()].sort((a, b) => a.pos - b.pos);
}

/** `E2EE-META-001..019`, `E2EE-META-001..E2EE-META-019`, with `..`, `–` or `—`. */
const RANGE = /E2EE-([A-Z]+)-(\d{3})\s*(?:\.\.|–|—)\s*(?:E2EE-\1-)?(\d{3})\b/g;
/** The IDs leading a line comment: `// E2EE-A-001, E2EE-A-002 (MUST, client): …`. */
const LEADING = /^\/\/\s*((?:E2EE-[A-Z]+-\d{3}(?:\s*(?:,|\/|and|&)\s*)?)+)/;

/**
 * Every citation in an implementation file. `known` lists the registry's IDs, so that a range is
 * expanded to the IDs that exist; a line comment that opens with a range is reported through
 * `problems`.
 */
export function codeCitations(
  source: string,
  known: readonly string[] = [],
): { citations: CodeCitation[]; problems: string[] } {
  const lineOf = (pos: number) => source.slice(0, pos).split('\n').length;
  const citations: CodeCitation[] = [];
  const problems: string[] = [];
  const enforcing = new Set<string>();
  for (const c of comments(source)) {
    if (!c.line) continue;
    const lead = LEADING.exec(c.text);
    if (lead === null) continue;
    if (/^\s*(?:\.\.|–|—)\s*\d/.test(c.text.slice(lead[0].length))) {
      problems.push(`line ${lineOf(c.pos)}: a range is not an enforcement citation; name each ID`);
      continue;
    }
    for (const id of idsIn(lead[1]!)) {
      citations.push({ id, line: lineOf(c.pos), kind: 'enforces' });
      enforcing.add(`${id}@${c.pos}`);
    }
  }
  // Everything else is a mention, at the offset where it stands.
  for (const m of source.matchAll(/E2EE-[A-Z]+-\d{3}/g)) {
    const at = m.index;
    const commentStart = source.lastIndexOf('//', at);
    const sameLine = commentStart > source.lastIndexOf('\n', at);
    if (sameLine && enforcing.has(`${m[0]}@${commentStart}`)) continue;
    citations.push({ id: m[0], line: lineOf(at), kind: 'mentions' });
  }
  for (const m of source.matchAll(RANGE)) {
    const [, area, from, to] = m as unknown as [string, string, string, string];
    const line = lineOf(m.index);
    for (const id of known) {
      const [, a, n] = /^E2EE-([A-Z]+)-(\d{3})$/.exec(id) ?? [];
      if (a === area && n! > from && n! <= to) citations.push({ id, line, kind: 'mentions' });
    }
  }
  return { citations, problems };
}

/** IDs cited anywhere in an implementation file (enforced or mentioned). */
export function idsCitedByCode(source: string): string[] {
  return [...new Set(idsIn(source))];
}
