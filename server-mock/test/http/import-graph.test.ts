/**
 * The shape of `server-mock/src/http` (review item: sub-folders per protocol, no import cycle,
 * the route table in one place). The imports are read with the TypeScript compiler's own
 * pre-processor, not a regular expression.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const HTTP_DIR = fileURLToPath(new URL('../../src/http/', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sourceFiles(join(dir, e.name))
      : e.name.endsWith('.ts')
        ? [join(dir, e.name)]
        : [],
  );
}

/** Module → the modules of the same folder tree it imports (type-only imports included). */
type Graph = ReadonlyMap<string, readonly string[]>;

function importGraph(root: string): Graph {
  const files = sourceFiles(root);
  const inside = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const targets = importedFiles
      .map((f) => f.fileName)
      .filter((spec) => spec.startsWith('.'))
      .map((spec) => resolve(dirname(file), spec.replace(/\.js$/, '.ts')))
      .filter((target) => inside.has(target));
    graph.set(file, targets);
  }
  return graph;
}

/** One import cycle as a path that starts and ends at the same module, or null. */
function findCycle(graph: Graph): string[] | null {
  const done = new Set<string>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const visit = (node: string): string[] | null => {
    if (onStack.has(node)) return [...stack.slice(stack.indexOf(node)), node];
    if (done.has(node)) return null;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    onStack.delete(node);
    done.add(node);
    return null;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return null;
}

describe('server-mock/src/http import graph', () => {
  it('the cycle finder finds a cycle of three and none in a chain', () => {
    const cyclic: Graph = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
    ]);
    expect(findCycle(cyclic)).toEqual(['a', 'b', 'c', 'a']);
    const chain: Graph = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', []],
    ]);
    expect(findCycle(chain)).toBeNull();
  });

  it('has no import cycle', () => {
    const graph = importGraph(HTTP_DIR);
    expect(graph.size).toBeGreaterThan(20);
    const cycle = findCycle(graph)?.map((f) => relative(HTTP_DIR, f));
    expect(cycle).toBeUndefined();
  });

  it('keeps one folder per protocol and the route table as the only importer of routers', () => {
    const graph = importGraph(HTTP_DIR);
    const rel = (f: string) => relative(HTTP_DIR, f);
    for (const folder of ['ocs', 'dav', 'e2ee'])
      expect([...graph.keys()].some((f) => rel(f).startsWith(`${folder}/`))).toBe(true);
    // A router module (one exporting `…Router`) is imported only by routes.ts (the route table).
    const routerModules = [...graph.keys()].filter((f) =>
      /export function \w+Router\(/.test(readFileSync(f, 'utf8')),
    );
    expect(routerModules.length).toBeGreaterThanOrEqual(8);
    for (const [file, targets] of graph) {
      if (rel(file) === 'routes.ts') continue;
      const importsRouter = targets.filter((t) => routerModules.includes(t)).map(rel);
      expect({ file: rel(file), importsRouter }).toEqual({ file: rel(file), importsRouter: [] });
    }
  });
});
