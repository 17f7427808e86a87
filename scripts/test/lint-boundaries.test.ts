/**
 * The import boundaries of eslint.config.js, run through ESLint itself on probe sources placed
 * (by name only; nothing is written) in the folders the rules are about: a boundary that no probe
 * can trip would pass any tree.
 *
 * @module
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const eslint = new ESLint({ cwd: ROOT });

/** The `no-restricted-imports` messages for a file at `path` that imports `specifier`. */
async function boundaryMessages(path: string, specifier: string): Promise<string[]> {
  const code = `export { x } from '${specifier}';\n`;
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, path) });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

const PRIVATE_TO_MODULE = /private to its module folder/;

describe('reference/src module boundaries', () => {
  it.each([
    ['reference/src/certs/probe.ts', '../keys/_parse.js'],
    ['reference/src/sharing/probe.ts', '../folders/_commit.js'],
    ['reference/src/signature/probe.ts', '../certs/_parse.js'],
    ['reference/src/sharing/probe.ts', '../folders/_sub/x.js'],
    ['reference/src/metadata/v1/probe.ts', '../../folders/_commit.js'],
    ['reference/src/_internal/probe.ts', '../keys/_parse.js'],
  ])('%s may not import %s (another module folder’s `_` file)', async (path, specifier) => {
    const messages = await boundaryMessages(path, specifier);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(PRIVATE_TO_MODULE);
  });

  it.each([
    ['reference/src/certs/probe.ts', '../_internal/key-der.js'],
    ['reference/src/certs/probe.ts', '../keys/index.js'],
    ['reference/src/certs/probe.ts', './_own.js'],
    ['reference/src/metadata/v1/probe.ts', '../_json.js'],
    ['reference/src/metadata/v1/probe.ts', '../../_internal/bytes.js'],
    ['reference/src/_internal/probe.ts', './bytes.js'],
  ])('%s may import %s', async (path, specifier) => {
    expect(await boundaryMessages(path, specifier)).toEqual([]);
  });

  it('keeps the package boundary for reference/src files', async () => {
    const messages = await boundaryMessages(
      'reference/src/certs/probe.ts',
      '../../../server-mock/src/_adversary.js',
    );
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/internal to its package/);
  });
});

describe('package boundaries', () => {
  it.each([
    ['server-mock/src/e2ee/probe.ts', '../../../reference/src/_internal/bytes.js'],
    ['cli/commands/probe.ts', '../../reference/src/keys/_parse.js'],
    ['conformance/src/probe.ts', '../../reference/src/certs/csr.js'],
  ])('%s may not import %s', async (path, specifier) => {
    expect(await boundaryMessages(path, specifier)).not.toEqual([]);
  });

  it('lets other packages import a module entry and package-files', async () => {
    expect(
      await boundaryMessages('cli/commands/probe.ts', '../../reference/src/keys/index.js'),
    ).toEqual([]);
    expect(
      await boundaryMessages(
        'cli/commands/probe.ts',
        '../../reference/src/_internal/package-files.js',
      ),
    ).toEqual([]);
  });
});
