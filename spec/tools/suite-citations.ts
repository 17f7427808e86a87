/**
 * The conformance suite's citations: which requirement IDs the server checks evidence against a
 * live target (spec/17-conformance.md). A check is an object literal with a string `id` and a
 * `requirements` array of string literals, under `conformance/src/server/`; the files are read
 * with the TypeScript parser rather than imported, so `spec check` stays a static check that runs
 * no suite code.
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
  requirements: string[];
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

/** The checks declared in one source file. */
export function checksIn(file: string, source: string): SuiteCheck[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const found: SuiteCheck[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isObjectLiteralExpression(node)) {
      const id = propertyText(node, 'id');
      const reqs = propertyText(node, 'requirements');
      if (id && ts.isStringLiteralLike(id) && reqs && ts.isArrayLiteralExpression(reqs)) {
        const requirements = reqs.elements
          .filter(ts.isStringLiteralLike)
          .flatMap((e) => idsIn(e.text));
        found.push({ id: id.text, requirements: [...new Set(requirements)], file });
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
    for (const r of c.requirements) by.set(r, [...(by.get(r) ?? []), c.id]);
  }
  return by;
}
