/**
 * `sealfold --version`: what a certification report must be reproducible against — the package
 * version, the version of the specification it implements, and the hash of the test-vector set.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { packageFileUrl } from '../reference/src/_internal/package-files.js';

export interface VersionInfo {
  /** `version` of package.json. */
  package: string;
  /** The `Specification version: X.Y.Z` line of spec/00-introduction.md. */
  spec: string;
  /** `sha256:<hex>` of vectors/SHA256SUMS (which lists every vector file), or `none`. */
  vectors: string;
}

/** Reads the three versions from the files that ship with the package. */
export function versionInfo(): VersionInfo {
  const pkg = JSON.parse(readFileSync(packageFileUrl('package.json'), 'utf8')) as {
    version: string;
  };
  const intro = readFileSync(packageFileUrl('spec/00-introduction.md'), 'utf8');
  const spec = /^Specification version: (\d+\.\d+\.\d+)\b/m.exec(intro)?.[1];
  if (!spec) throw new Error('spec/00-introduction.md states no "Specification version: X.Y.Z"');
  const sums = packageFileUrl('vectors/SHA256SUMS');
  const vectors = existsSync(sums)
    ? `sha256:${createHash('sha256').update(readFileSync(sums)).digest('hex')}`
    : 'none';
  return { package: pkg.version, spec, vectors };
}

/** The `--version` text: one `name value` pair per line. */
export function versionText(v: VersionInfo = versionInfo()): string {
  return `sealfold ${v.package}\nspec ${v.spec}\nvectors ${v.vectors}\n`;
}
