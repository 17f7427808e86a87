/**
 * Files that ship beside the code (the spec's JSON Schemas, the requirement registry, the test
 * vectors, package.json), located from this module so that they resolve in every layout the
 * code runs in: the TypeScript sources of a checkout (`reference/src/_internal/*.ts`, under
 * tsx or vitest), the compiled JavaScript of a checkout (`dist/reference/src/_internal/*.js`)
 * and the installed package (`node_modules/sealfold/dist/…`, with `spec/` beside `dist/`).
 *
 * @module
 */
import { fileURLToPath } from 'node:url';

// The compiled layout is the source layout one folder deeper (`dist/`), and only the compiled
// module is a `.js` file: the extension tells the two apart without touching the file system.
const COMPILED = import.meta.url.endsWith('.js');

/** The package root (the folder holding package.json and `spec/`), as a URL ending in `/`. */
export const PACKAGE_ROOT_URL: URL = new URL(
  COMPILED ? '../../../../' : '../../../',
  import.meta.url,
);

/** The package root as a path, without a trailing separator. */
export function packageRoot(): string {
  return fileURLToPath(PACKAGE_ROOT_URL).replace(/[\\/]$/, '');
}

/** URL of a file under the package root, e.g. `packageFileUrl('spec/schemas/x.json')`. */
export function packageFileUrl(relativePath: string): URL {
  return new URL(relativePath, PACKAGE_ROOT_URL);
}
