/**
 * The command-line contract every command keeps, tried as a new user would: one exit-code rule,
 * usage errors on stderr, a JSON error object with `--json`, typed codes for errors of the
 * environment, bounded input reads, and outputs that never replace what they must not.
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../commands.js';
import { environmentError } from '../input.js';
import { runCli, type CliRun } from './_run.js';
import { encryptFile } from '../../reference/src/files/index.js';
import { toBase64 } from '../../reference/src/bytes/index.js';

const BIN = fileURLToPath(new URL('../../bin/sealfold.js', import.meta.url));

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sealfold-contract-'));
  writeFileSync(join(dir, 'file.txt'), 'x');
  mkdirSync(join(dir, 'folder'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (argv: string[]) => runCli(argv, dir);

/** The exit code and the parsed JSON error object of a `--json` failure. */
function jsonError(r: CliRun): { exitCode: number; error: { code?: string; message: string } } {
  const lines = r.out.trim().split('\n');
  expect(lines).toHaveLength(1);
  const parsed = JSON.parse(lines[0]!);
  expect(parsed.ok).toBe(false);
  expect(parsed.exitCode).toBe(r.code);
  return parsed;
}

/** One refusal: exit 1, one `sealfold: CODE: …` line on stderr, nothing on stdout. */
function expectRefused(r: CliRun, code: string): void {
  expect([r.code, r.out], r.err).toEqual([1, '']);
  expect(r.err).toMatch(new RegExp(`^sealfold: ${code}: [^\\n]+\\n$`));
}

describe('usage errors: exit 2 (3 for certify server/replay/client), one line on stderr, JSON with --json', () => {
  const usageExit = (name: string) =>
    ['certify server', 'certify replay', 'certify client'].includes(name) ? 3 : 2;

  it.each(COMMANDS.map((c) => c.name))('sealfold %s --no-such-option', async (name) => {
    const argv = [...name.split(' '), '--no-such-option'];
    const r = await run(argv);
    expect(r.code).toBe(usageExit(name));
    expect(r.out).toBe('');
    expect(r.err.trim().split('\n')).toHaveLength(1);
    const j = await run([...argv, '--json']);
    expect(jsonError(j)).toMatchObject({ exitCode: usageExit(name) });
    expect(jsonError(j).error.code).toBeUndefined();
    expect(j.err.trim().split('\n')).toHaveLength(1);
  });

  it.each(COMMANDS.map((c) => c.name))(
    'sealfold %s: a single-valued option given twice is a usage error',
    async (name) => {
      const { command } = await COMMANDS.find((c) => c.name === name)!.load();
      const single = Object.entries(command.options).find(
        ([, o]) => o.type === 'string' && o.multiple !== true,
      );
      const flag = Object.entries(command.options).find(([, o]) => o.type === 'boolean');
      const [option, value] =
        single !== undefined
          ? [single[0], ['x']]
          : flag !== undefined
            ? [flag[0], []]
            : ['json', []];
      // `vectors generate` writes into the package unless --check: if the rule were broken, the
      // run must not rewrite the committed vectors.
      const safe = name === 'vectors generate' ? ['--check'] : [];
      const argv = [...name.split(' '), ...safe, `--${option}`, ...value, `--${option}`, ...value];
      const r = await run(argv);
      expect(r.code).toBe(usageExit(name));
      // A command without options of its own repeats --json, which asks for the JSON error.
      if (option === 'json') expect(jsonError(r).error.message).toContain('more than once');
      else expect(r.out).toBe('');
      expect(r.err).toContain(`--${option} given more than once`);
    },
  );

  it('a repeatable option (serve --fault) may repeat', async () => {
    // Refused for the unknown names, not for the repetition.
    const r = await run(['serve', '--fault', 'nope', '--fault', 'nope2', '--port', '0']);
    expect(r.code).toBe(2);
    expect(r.err).not.toContain('more than once');
  });

  it('no command, or a group without its command: the list on stderr, exit 2', async () => {
    for (const argv of [[], ['key'], ['certify']]) {
      const r = await run(argv);
      expect([argv.join(' '), r.code, r.out]).toEqual([argv.join(' '), 2, '']);
      expect(r.err).toMatch(/sealfold/);
    }
    const help = await run(['key', '--help']);
    expect([help.code, help.err]).toEqual([0, '']);
    expect(help.out).toMatch(/key new/);
  });

  it('an unknown command with --json prints the JSON error object', async () => {
    const r = await run(['frobnicate', '--json']);
    expect(jsonError(r)).toMatchObject({ exitCode: 2 });
  });
});

describe('errors of the environment have a code of the closed list (exit 1)', () => {
  it('a missing input file is NOT_FOUND in every command that reads one', async () => {
    const cases: string[][] = [
      ['key', 'open', '--blob', 'missing', '--mnemonic-file', 'file.txt'],
      ['cert', 'verify', '--cert', 'missing', '--server-key', 'file.txt', '--user', 'u'],
      ['metadata', 'open', '--metadata', 'missing', '--private-key', 'file.txt', '--user', 'u'],
      ['pins', 'list', '--pins', 'missing'],
      ['pins', 'verify', '--pins', 'missing', '--user', 'u', '--fingerprint', 'ab'],
      ['serve', '--port', '0', '--users', 'missing'],
      ['serve', '--port', '0', '--management', '--management-token-file', 'missing'],
      [
        'file',
        'decrypt',
        '--key',
        toBase64(new Uint8Array(16)),
        '--nonce',
        'AAAAAAAAAAAAAAAA',
        'missing',
        'out',
      ],
    ];
    for (const argv of cases) {
      const r = await run(argv);
      expectRefused(r, 'NOT_FOUND');
      expect(r.err).toContain('missing');
      const j = await run([...argv, '--json']);
      expect(jsonError(j).error.code, argv.join(' ')).toBe('NOT_FOUND');
    }
  });

  it('a folder where a file is needed, or a path through a file, is IO_FAILED', async () => {
    const eisdir = await run(['key', 'open', '--blob', 'folder', '--mnemonic-file', 'file.txt']);
    expectRefused(eisdir, 'IO_FAILED');
    expect(eisdir.err).toContain('EISDIR');
    const enotdir = await run(['pins', 'list', '--pins', 'file.txt/pins.json']);
    expectRefused(enotdir, 'IO_FAILED');
    expect(enotdir.err).toContain('ENOTDIR');
    const out = await run(['key', 'new', '--user', 'u', '--out', 'file.txt/keys']);
    expect(out.code).toBe(1);
    expect(out.err).toMatch(/^sealfold: (?:IO_FAILED|NOT_FOUND): .*E(?:NOTDIR|EXIST)/);
  });

  it.skipIf(process.getuid?.() === 0)('an unreadable file is IO_FAILED (EACCES)', async () => {
    writeFileSync(join(dir, 'secret.blob'), 'x', { mode: 0o000 });
    const r = await run(['key', 'open', '--blob', 'secret.blob', '--mnemonic-file', 'file.txt']);
    expectRefused(r, 'IO_FAILED');
    expect(r.err).toContain('EACCES');
  });

  it('a port in use is IO_FAILED (EADDRINUSE), and the failed start leaves no signal handler', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((ok) => blocker.listen(0, '127.0.0.1', ok));
    const { port } = blocker.address() as { port: number };
    const handlers = process.listenerCount('SIGTERM');
    try {
      const r = await run(['serve', '--port', String(port), '--quiet']);
      expect(r.code).toBe(1);
      expect(r.err).toContain(`sealfold: IO_FAILED: 127.0.0.1:${port}: EADDRINUSE\n`);
      expect(process.listenerCount('SIGTERM')).toBe(handlers);
    } finally {
      await new Promise((ok) => blocker.close(ok));
    }
  });

  it('errno names map onto the closed list: EEXIST, ENOENT, ENOTFOUND, EACCES, EADDRINUSE', () => {
    const errno = (code: string) => Object.assign(new Error(code), { code });
    expect(environmentError(errno('EEXIST'), 'x')?.code).toBe('ALREADY_EXISTS');
    expect(environmentError(errno('ENOENT'), 'x')?.code).toBe('NOT_FOUND');
    expect(environmentError(errno('ENOTFOUND'), 'x')?.code).toBe('SERVER_ERROR');
    expect(environmentError(errno('ECONNREFUSED'), 'x')?.code).toBe('SERVER_ERROR');
    expect(environmentError(errno('EACCES'), 'x')?.code).toBe('IO_FAILED');
    expect(environmentError(errno('EADDRINUSE'), 'x')?.code).toBe('IO_FAILED');
    expect(environmentError(new Error('no errno'), 'x')).toBeUndefined();
  });
});

describe('E2EE-SEC-001: every input read is bounded by its format', () => {
  it('key open --blob /dev/zero fails at once with KEY_BLOB_MALFORMED', async () => {
    const started = Date.now();
    const r = await run(['key', 'open', '--blob', '/dev/zero', '--mnemonic-file', 'file.txt']);
    expectRefused(r, 'KEY_BLOB_MALFORMED');
    expect(r.err).toContain('larger than 65536 bytes');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('each input has its format code when it is too large', async () => {
    writeFileSync(join(dir, 'blob'), 'AAAA|AAAA|AAAA');
    const cases: [string[], string][] = [
      [['key', 'open', '--blob', 'blob', '--mnemonic-file', '/dev/zero'], 'MNEMONIC_INVALID'],
      [
        ['cert', 'verify', '--cert', '/dev/zero', '--server-key', 'file.txt', '--user', 'u'],
        'CERT_MALFORMED',
      ],
      [
        ['cert', 'verify', '--cert', 'file.txt', '--server-key', '/dev/zero', '--user', 'u'],
        'KEY_MALFORMED',
      ],
      [
        ['serve', '--port', '0', '--management', '--management-token-file', '/dev/zero'],
        'INPUT_MALFORMED',
      ],
    ];
    for (const [argv, code] of cases) expectRefused(await run(argv), code);
  });

  it('a file of exactly the bound is read; one byte more is refused', async () => {
    writeFileSync(join(dir, 'words-4096'), 'a'.repeat(4096));
    writeFileSync(join(dir, 'words-4097'), 'a'.repeat(4097));
    const at = await run(['key', 'open', '--blob', 'blob', '--mnemonic-file', 'words-4096']);
    expect(at.err).not.toContain('larger than');
    const over = await run(['key', 'open', '--blob', 'blob', '--mnemonic-file', 'words-4097']);
    expectRefused(over, 'MNEMONIC_INVALID');
    expect(over.err).toContain('larger than 4096 bytes');
  });
});

describe('outputs never replace what they must not', () => {
  it('file decrypt IN IN (or through a hard link) is a usage error and leaves IN unchanged', async () => {
    const { body, key, nonce, tag } = encryptFile(new TextEncoder().encode('plain'));
    writeFileSync(join(dir, 'body'), body);
    linkSync(join(dir, 'body'), join(dir, 'body-link'));
    const args = [
      'file',
      'decrypt',
      '--key',
      toBase64(key),
      '--nonce',
      toBase64(nonce),
      '--tag',
      toBase64(tag),
    ];
    for (const out of ['body', './body', 'body-link']) {
      const r = await run([...args, 'body', out]);
      expect([out, r.code, r.out]).toEqual([out, 2, '']);
      expect(r.err).toContain('OUT is IN');
      expect(new Uint8Array(readFileSync(join(dir, 'body')))).toEqual(body);
    }
    const ok = await run([...args, 'body', 'plain.txt']);
    expect(ok.code, ok.err).toBe(0);
    expect(readFileSync(join(dir, 'plain.txt'), 'utf8')).toBe('plain');
  });

  it('key new refuses to replace a key set (ALREADY_EXISTS, files unchanged)', async () => {
    const first = await run(['key', 'new', '--user', 'erin', '--out', 'erin']);
    expect(first.code, first.err).toBe(0);
    const before = readFileSync(join(dir, 'erin', 'private-key.pem'), 'utf8');
    const again = await run(['key', 'new', '--user', 'erin', '--out', 'erin', '--json']);
    expect(again.code).toBe(1);
    expect(jsonError(again).error.code).toBe('ALREADY_EXISTS');
    expect(again.err).toMatch(/^sealfold: ALREADY_EXISTS: .*private-key\.pem/);
    expect(readFileSync(join(dir, 'erin', 'private-key.pem'), 'utf8')).toBe(before);
    // One file of the set is enough to refuse.
    mkdirSync(join(dir, 'partial'));
    writeFileSync(join(dir, 'partial', 'csr.pem'), 'keep');
    expectRefused(
      await run(['key', 'new', '--user', 'erin', '--out', 'partial']),
      'ALREADY_EXISTS',
    );
    expect(existsSync(join(dir, 'partial', 'mnemonic.txt'))).toBe(false);
  });

  it('key new refuses user ids the server refuses (INPUT_MALFORMED), before making a key', async () => {
    for (const id of ['a:b', 'a/b', 'x'.repeat(65), 'tab\there', 'é']) {
      const r = await run(['key', 'new', '--user', id, '--out', 'bad-id']);
      expectRefused(r, 'INPUT_MALFORMED');
      expect(existsSync(join(dir, 'bad-id'))).toBe(false);
    }
  });
});

describe('standard input as "-" (the real binary)', () => {
  it('key open --blob - reads the blob from stdin; two inputs cannot both be stdin', async () => {
    const made = await run(['key', 'new', '--user', 'frank', '--out', 'frank']);
    expect(made.code).toBe(0);
    const blob = readFileSync(join(dir, 'frank', 'private-key.blob'), 'utf8');
    const sh = (args: string[], input: string) =>
      spawnSync(process.execPath, [BIN, ...args], { cwd: dir, input, encoding: 'utf8' });
    const opened = sh(
      ['key', 'open', '--blob', '-', '--mnemonic-file', 'frank/mnemonic.txt'],
      blob,
    );
    expect([opened.status, opened.stderr]).toEqual([0, '']);
    expect(opened.stdout).toBe(readFileSync(join(dir, 'frank', 'private-key.pem'), 'utf8'));
    const twice = sh(['key', 'open', '--blob', '-', '--mnemonic-file', '-'], blob);
    expect(twice.status).toBe(2);
    expect(twice.stderr).toContain('standard input');
  });
});
