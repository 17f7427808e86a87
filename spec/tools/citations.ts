/**
 * Finds where tests and implementation code cite requirement IDs.
 *
 * Tests cite an ID in the title of an `it`/`test`/`describe` call (including `.each`, `.skipIf`
 * and similar forms); the title is read with the TypeScript parser, so an ID in a comment or a
 * helper string does not count as evidence. Implementation code cites IDs anywhere in its text,
 * normally in the doc comment of the function that implements the requirement or on the line
 * that enforces it.
 *
 * @module
 */
import ts from 'typescript';
import { idsIn } from './registry.js';

const TEST_FUNCTIONS = new Set(['it', 'test', 'describe', 'suite']);

/** The identifier at the root of `it`, `it.each(t)`, `describe.skipIf(c)`, ... */
function rootName(e: ts.Expression): string | undefined {
  let cur: ts.Expression = e;
  for (;;) {
    if (ts.isIdentifier(cur)) return cur.text;
    if (ts.isPropertyAccessExpression(cur)) cur = cur.expression;
    else if (ts.isCallExpression(cur)) cur = cur.expression;
    else return undefined;
  }
}

/** Titles of every test-declaring call in a test file. */
export function testTitles(path: string, source: string): string[] {
  const sf = ts.createSourceFile(path, source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const titles: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && node.arguments.length > 0) {
      const name = rootName(node.expression);
      const first = node.arguments[0]!;
      if (name && TEST_FUNCTIONS.has(name)) {
        if (ts.isStringLiteral(first) || ts.isNoSubstitutionTemplateLiteral(first)) {
          titles.push(first.text);
        } else if (ts.isTemplateExpression(first)) {
          titles.push(first.getText(sf));
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return titles;
}

/** IDs cited by the test titles of one test file. */
export function idsCitedByTest(path: string, source: string): string[] {
  return [...new Set(testTitles(path, source).flatMap(idsIn))];
}

/** IDs cited anywhere in an implementation file. */
export function idsCitedByCode(source: string): string[] {
  return [...new Set(idsIn(source))];
}
