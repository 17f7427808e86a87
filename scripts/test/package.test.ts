/**
 * The package as a vendor gets it: `npm pack`, installed into an empty project from the tarball
 * (dependencies from the registry or npm's cache), then used the three ways a vendor uses it —
 * the `sealfold` command through `npx`, `import … from 'sealfold/<module>'` in a plain `.mjs`
 * file, and the type declarations from TypeScript. Slow (a build and an install): one test file.
 *
 * @module
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');

// `npm test` runs under npm, which exports its own state (npm_package_*, npm_lifecycle_*,
// npm_config_local_prefix, …) to children; the nested npm must see the consumer project
// instead. Only the cache and registry settings carry over.
const KEEP = new Set(['npm_config_cache', 'npm_config_registry', 'npm_config_userconfig']);
const ENV = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_') || KEEP.has(k)),
);

function sh(
  cmd: string,
  args: string[],
  cwd: string,
  timeoutMs = 60_000,
): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd, env: ENV, encoding: 'utf8', timeout: timeoutMs });
}

/** Runs and expects exit 0; on failure the assertion shows stderr. */
function ok(cmd: string, args: string[], cwd: string, timeoutMs?: number): string {
  const r = sh(cmd, args, cwd, timeoutMs);
  expect({ status: r.status, stderr: r.status === 0 ? '' : r.stderr }).toEqual({
    status: 0,
    stderr: '',
  });
  return r.stdout;
}

describe('the npm package, installed from its tarball into an empty project', () => {
  let dir: string;
  let consumer: string;
  let packed: { filename: string; files: { path: string }[] };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sealfold-package-'));
    consumer = join(dir, 'consumer');
    // Packed from a copy of the working tree (the files git tracks or would track, as a fresh
    // clone has them), so that the `prepare` build that `npm pack` runs empties and rewrites the
    // copy's dist/, not the one other tests are running the CLI from at the same time.
    const source = join(dir, 'source');
    const files = sh('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], ROOT);
    expect(files.status).toBe(0);
    for (const f of files.stdout.split('\0')) {
      if (f === '' || !existsSync(join(ROOT, f))) continue; // a tracked file deleted here
      mkdirSync(dirname(join(source, f)), { recursive: true });
      copyFileSync(join(ROOT, f), join(source, f));
    }
    symlinkSync(join(ROOT, 'node_modules'), join(source, 'node_modules'), 'dir');
    const out = ok('npm', ['pack', '--json', '--pack-destination', dir], source, 300_000);
    packed = (JSON.parse(out) as (typeof packed)[])[0]!;
    mkdirSync(consumer);
    writeFileSync(
      join(consumer, 'package.json'),
      JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
    );
    ok(
      'npm',
      ['install', '--no-audit', '--no-fund', join(dir, packed.filename)],
      consumer,
      600_000,
    );
  }, 900_000); // a build and an install on a loaded machine

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the tarball holds the compiled code, its types, the spec, README, LICENSE and CHANGELOG, and nothing else', () => {
    const paths = packed.files.map((f) => f.path).sort();
    for (const p of [
      'package.json',
      'README.md',
      'LICENSE',
      'CHANGELOG.md',
      'bin/sealfold.js',
      'dist/cli/main.js',
      'dist/reference/src/mnemonic/index.js',
      'dist/reference/src/mnemonic/index.d.ts',
      'spec/00-introduction.md',
      'spec/requirements.json',
      'spec/schemas/metadata-v2.schema.json',
    ]) {
      expect(paths).toContain(p);
    }
    const allowed =
      /^(dist\/.+\.(js|js\.map|d\.ts)|spec\/[^/]+\.(md|json)|spec\/schemas\/(driver\/)?[^/]+\.json|vectors\/.+|bin\/sealfold\.js|package\.json|README\.md|LICENSE|CHANGELOG\.md)$/;
    expect(paths.filter((p) => !allowed.test(p))).toEqual([]);
    // No tests, no TypeScript sources (the source maps carry them inline), no fixtures.
    expect(paths.filter((p) => /(^|\/)test\/|\.test\.|fixtures?\//.test(p))).toEqual([]);
    expect(paths.filter((p) => p.endsWith('.ts') && !p.endsWith('.d.ts'))).toEqual([]);
    // The requirement checker is a tool of the source checkout (it reads the tests); only the
    // chapter reader it is built on ships, because certify reads the spec's requirement IDs.
    expect(
      paths.filter((p) => p.startsWith('dist/spec/') && !p.startsWith('dist/spec/tools/registry.')),
    ).toEqual([]);
  });

  it('`npx sealfold --version` prints the package version, the spec version and the vector-set hash', () => {
    const intro = readFileSync(join(ROOT, 'spec/00-introduction.md'), 'utf8');
    const spec = /^Specification version: (\d+\.\d+\.\d+)\. /m.exec(intro)?.[1];
    expect(spec).toBeDefined();
    const sums = join(ROOT, 'vectors/SHA256SUMS');
    const vectors = existsSync(sums)
      ? `sha256:${createHash('sha256').update(readFileSync(sums)).digest('hex')}`
      : 'none';
    expect(ok('npx', ['--no-install', 'sealfold', '--version'], consumer)).toBe(
      `sealfold ${PKG.version}\nspec ${spec}\nvectors ${vectors}\n`,
    );
  });

  it('`npx sealfold --help` lists the commands; a command runs from the installed package', () => {
    const help = ok('npx', ['--no-install', 'sealfold', '--help'], consumer);
    expect(help).toMatch(/^usage: sealfold <command>/);
    for (const c of ['key new', 'key open', 'metadata open', 'serve']) expect(help).toContain(c);
    ok(
      'npx',
      ['--no-install', 'sealfold', 'key', 'new', '--user', 'alice', '--out', 'k'],
      consumer,
    );
    const mnemonic = readFileSync(join(consumer, 'k/mnemonic.txt'), 'utf8').trim();
    const pem = ok(
      'npx',
      [
        '--no-install',
        'sealfold',
        'key',
        'open',
        '--blob',
        'k/private-key.blob',
        '--mnemonic',
        mnemonic,
      ],
      consumer,
    );
    expect(pem).toBe(readFileSync(join(consumer, 'k/private-key.pem'), 'utf8'));
    // The requirement checker needs the sources and tests of a checkout: it says so (exit 2).
    const check = sh('npx', ['--no-install', 'sealfold', 'spec', 'check'], consumer);
    expect(check.status).toBe(2);
    expect(check.stderr).toMatch(/source checkout/);
  });

  it('`npx sealfold certify server --quiet` passes against the embedded default server', () => {
    const help = ok('npx', ['--no-install', 'sealfold', '--help'], consumer);
    expect(help).toMatch(/^\s*certify server\s/m);
    const out = ok(
      'npx',
      ['--no-install', 'sealfold', 'certify', 'server', '--quiet'],
      consumer,
      600_000,
    );
    expect(out).toMatch(/CERTIFIABLE/);
    expect(out).not.toMatch(/NOT CERTIFIABLE/);
  });

  it("a plain .mjs file imports the reference from 'sealfold/<module>'; the schemas load from the installed layout", () => {
    writeFileSync(
      join(consumer, 'use.mjs'),
      [
        "import { generateMnemonic, parseMnemonic } from 'sealfold/mnemonic';",
        "import { encryptFile, decryptFile } from 'sealfold/files';",
        "import { generateUserKeyPair } from 'sealfold/keys';",
        "import { parseMetadataDocument } from 'sealfold/metadata';",
        "import { SealfoldError } from 'sealfold/errors';",
        'const words = generateMnemonic();',
        'const parsed = parseMnemonic(words.join(" "));',
        'const plain = new TextEncoder().encode("hello vendor");',
        'const sealed = encryptFile(plain);',
        'const back = new TextDecoder().decode(decryptFile(sealed.body, sealed));',
        'const pair = await generateUserKeyPair();',
        // A 2.x document that breaks its JSON Schema: the schema file must be found and used.
        'let code;',
        'try { parseMetadataDocument(\'{"version":"2.0","metadata":{}}\'); }',
        'catch (e) { code = e instanceof SealfoldError ? e.code : String(e); }',
        'console.log(JSON.stringify({ words: parsed.length, back, keys: Object.keys(pair).sort(), code }));',
        '',
      ].join('\n'),
    );
    const out = JSON.parse(ok('node', ['use.mjs'], consumer)) as Record<string, unknown>;
    expect(out.words).toBe(12);
    expect(out.back).toBe('hello vendor');
    expect(out.keys).toEqual(['pkcs8', 'spki']);
    expect(out.code).toBe('METADATA_MALFORMED');
    // Internals are not part of the public surface.
    const internal = sh(
      'node',
      ['-e', "import('sealfold/_internal').catch((e) => console.log(e.code))"],
      consumer,
    );
    expect(internal.stdout.trim()).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED');
  });

  it("TypeScript resolves the declarations of 'sealfold/<module>' (NodeNext, strict)", () => {
    writeFileSync(
      join(consumer, 'use.ts'),
      [
        "import { generateMnemonic } from 'sealfold/mnemonic';",
        "import { encryptFile, type FileEncryptionResult } from 'sealfold/files';",
        'const words: string[] = generateMnemonic();',
        'const r: FileEncryptionResult & { body: Uint8Array } = encryptFile(new Uint8Array(1));',
        '// @ts-expect-error: encryptFile takes bytes, not a string',
        "encryptFile('text');",
        'export { words, r };',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          strict: true,
          noEmit: true,
          // The declarations are checked too; Node's own types come from this checkout (a
          // vendor's TypeScript project has @types/node).
          skipLibCheck: false,
          typeRoots: [join(ROOT, 'node_modules/@types')],
          types: ['node'],
          lib: ['ES2023', 'DOM'],
        },
        files: ['use.ts'],
      }),
    );
    ok('node', [TSC, '-p', 'tsconfig.json'], consumer, 120_000);
  });
});
