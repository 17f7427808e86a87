/**
 * Locations inside the Sealfold checkout, independent of the working directory.
 *
 * @module
 */
import { fileURLToPath } from 'node:url';

/** The repository root (the folder holding package.json). */
export function repoRoot(): string {
  return fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
}
