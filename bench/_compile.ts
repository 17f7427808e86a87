/**
 * Benchmark helper: turns one TypeScript entry of this repository and every module it imports
 * through relative paths into plain JavaScript in a scratch folder, so that a child process can
 * run it with `node` alone. A library user runs compiled JavaScript; a child started through the
 * TypeScript loader would carry the loader's own memory (tens of MiB) into every RSS figure.
 *
 * The code is only transpiled (types erased by the `typescript` compiler already used for
 * type-checking); nothing is bundled or rewritten, so the child runs the same module code.
 * Bare imports other than `node:` builtins are refused: the measured code must not need them.
 *
 * @module
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/** Runtime imports and re-exports (`import type` / `export type` are erased, so skipped). */
const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s(?!type\s)[^;]*?\sfrom\s+'([^']+)'|(?:^|\n)\s*import\s+'([^']+)'/g;

/**
 * Transpiles `entry` (a `.ts` file under `root`) and its relative-import closure into `outDir`,
 * keeping the paths relative to `root`. Returns the path of the entry's `.js` file.
 */
export function compileForNode(root: string, entry: string, outDir: string): string {
  const seen = new Set<string>();
  const todo = [resolve(entry)];
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    for (const m of source.matchAll(IMPORT)) {
      const spec = (m[1] ?? m[2])!;
      if (spec.startsWith('node:')) continue;
      if (!spec.startsWith('.') || !spec.endsWith('.js')) {
        throw new Error(`${relative(root, file)}: import '${spec}' cannot run without a loader`);
      }
      todo.push(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
    }
    const { outputText } = ts.transpileModule(source, {
      fileName: file,
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        verbatimModuleSyntax: true,
        sourceMap: false,
      },
    });
    const out = join(outDir, relative(root, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, outputText);
  }
  writeFileSync(join(outDir, 'package.json'), '{ "type": "module" }\n');
  return join(outDir, relative(root, resolve(entry))).replace(/\.ts$/, '.js');
}
