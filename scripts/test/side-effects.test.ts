/**
 * `package.json` `sideEffects` is honest: it lists exactly the reference modules that do
 * something when they load (a top-level statement that is not a declaration, an import or an
 * export, such as pkijs's process-wide `setEngine`), so that a bundler may drop every other
 * unused module and must keep these.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Reference source files whose top level runs a statement at load. */
function modulesWithLoadEffects(): string[] {
  const dir = join(ROOT, 'reference', 'src');
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter(
    (f) => f.endsWith('.ts') && !f.endsWith('.d.ts'),
  );
  const found: string[] = [];
  for (const f of files) {
    const sf = ts.createSourceFile(f, readFileSync(join(dir, f), 'utf8'), ts.ScriptTarget.ES2022);
    const effect = sf.statements.some(
      (st) =>
        ts.isExpressionStatement(st) ||
        ts.isIfStatement(st) ||
        ts.isForStatement(st) ||
        ts.isForOfStatement(st) ||
        ts.isTryStatement(st) ||
        (ts.isImportDeclaration(st) && st.importClause === undefined),
    );
    if (effect)
      found.push(`./dist/reference/src/${f.split('\\').join('/').replace(/\.ts$/, '.js')}`);
  }
  return found.sort();
}

describe('package.json sideEffects', () => {
  it('lists exactly the reference modules with a statement that runs at load', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      sideEffects: string[] | boolean;
    };
    expect(Array.isArray(pkg.sideEffects)).toBe(true);
    expect([...(pkg.sideEffects as string[])].sort()).toEqual(modulesWithLoadEffects());
  });
});
