/**
 * Locations inside the Sealfold checkout or installed package, independent of the working
 * directory and of whether the sources or the compiled code run.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../reference/src/_internal/package-files.js';

/** The repository (or installed package) root: the folder holding package.json and `spec/`. */
export function repoRoot(): string {
  return packageRoot();
}

/**
 * Whether the root is a source checkout (the TypeScript sources and tests are there), not an
 * installed package, which ships compiled code only.
 */
export function isSourceCheckout(root: string = repoRoot()): boolean {
  return existsSync(join(root, 'cli', 'main.ts'));
}
