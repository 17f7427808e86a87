/**
 * The conformance suite's citations: which requirement IDs the server checks evidence against a
 * live target (spec/17-conformance.md). A check is an object literal with a string `id` and a
 * `requirements` list (string literals, spreads and same-file `const` arrays of them) under
 * `conformance/src/server/`; the files are read with the TypeScript parser rather than imported,
 * so `spec check` stays a static check that runs no suite code.
 *
 * @module
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import ts from 'typescript';
import { idsIn } from './registry.js';

/** Where server checks live. */
export const SUITE_DIR = 'conformance/src/server';

/** One check as found in the source. */
export interface SuiteCheck {
  id: string;
  /** Null when the list is not made of literals and same-file `const` arrays. */
  requirements: string[] | null;
  file: string;
}

function propertyText(obj: ts.ObjectLiteralExpression, name: string): ts.Expression | undefined {
  for (const p of obj.properties) {
    if (ts.isPropertyAssignment(p) && ts.isIdentifier(p.name) && p.name.text === name) {
      return p.initializer;
    }
  }
  return undefined;
}

/** `x as const`, `x satisfies T`, `(x)` → `x`. */
function unwrap(e: ts.Expression): ts.Expression {
  let cur = e;
  while (
    ts.isAsExpression(cur) ||
    ts.isSatisfiesExpression(cur) ||
    ts.isParenthesizedExpression(cur)
  ) {
    cur = cur.expression;
  }
  return cur;
}

/**
 * The requirement IDs an expression lists: string literals, arrays of them, spreads and names of
 * `const` arrays declared in the same file. Null when some part cannot be read statically.
 */
function idsOf(
  e: ts.Expression,
  consts: ReadonlyMap<string, ts.Expression>,
  depth = 0,
): string[] | null {
  const x = unwrap(e);
  if (depth > 8) return null;
  if (ts.isStringLiteralLike(x)) return idsIn(x.text);
  if (ts.isIdentifier(x)) {
    const v = consts.get(x.text);
    return v ? idsOf(v, consts, depth + 1) : null;
  }
  if (ts.isArrayLiteralExpression(x)) {
    const out: string[] = [];
    for (const el of x.elements) {
      const ids = idsOf(ts.isSpreadElement(el) ? el.expression : el, consts, depth + 1);
      if (ids === null) return null;
      out.push(...ids);
    }
    return out;
  }
  return null;
}

/** The `const NAME = …` declarations of a file, by name. */
function constants(sf: ts.SourceFile): Map<string, ts.Expression> {
  const out = new Map<string, ts.Expression>();
  const visit = (node: ts.Node): void => {
    if (ts.isVariableDeclarationList(node) && (node.flags & ts.NodeFlags.Const) !== 0) {
      for (const d of node.declarations) {
        if (ts.isIdentifier(d.name) && d.initializer) out.set(d.name.text, d.initializer);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/**
 * The checks declared in one source file. A check whose requirement list cannot be read
 * statically is returned with `requirements` null, so that `spec check` can say so.
 */
export function checksIn(file: string, source: string): SuiteCheck[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const consts = constants(sf);
  const found: SuiteCheck[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isObjectLiteralExpression(node)) {
      const id = propertyText(node, 'id');
      const reqs = propertyText(node, 'requirements');
      if (id && ts.isStringLiteralLike(id) && reqs) {
        const ids = idsOf(reqs, consts);
        found.push({
          id: id.text,
          requirements: ids === null ? null : [...new Set(ids)],
          file,
        });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

/** Every server check of the suite in the repository at `root`. */
export function suiteChecks(root: string): SuiteCheck[] {
  const dir = join(root, SUITE_DIR);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((p) => `${SUITE_DIR}/${p.split(sep).join('/')}`)
    .filter((p) => p.endsWith('.ts') && !p.endsWith('.test.ts'))
    .sort()
    .flatMap((p) => checksIn(p, readFileSync(join(root, p), 'utf8')));
}

/** Requirement ID → the suite's test ids that cite it. */
export function suiteCitations(checks: readonly SuiteCheck[]): Map<string, string[]> {
  const by = new Map<string, string[]>();
  for (const c of checks) {
    for (const r of c.requirements ?? []) by.set(r, [...(by.get(r) ?? []), c.id]);
  }
  return by;
}
