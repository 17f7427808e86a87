/**
 * Every code block of the README runs, as the spec's `ts example` blocks do
 * (spec/tools/test/spec.test.ts): shell blocks in a temporary folder with the checkout's
 * `sealfold` binary, the TypeScript and JavaScript snippets typechecked and run against a served
 * mock, the target file validated against its schema. A block that cannot run here says why in a
 * `<!-- readme-test: not-run: REASON -->` marker; its `sealfold` command lines still have to parse.
 *
 * Two substitutions, and only these: `npx sealfold` runs `node bin/sealfold.js` of this checkout
 * (nothing is installed), and the port 8080 of the examples is the port the test server got
 * (tests bind port 0 only).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { COMMANDS } from '../../cli/commands.js';
import { codeBlocks, markerLines, sealfoldCommands, type CodeBlock } from '../readme-blocks.js';
import { packageRoot } from '../../reference/src/_internal/package-files.js';
import { validateOrThrow } from '../../conformance/src/runner/schemas.js';
import { parseConfig } from '../../server-mock/src/config.js';
import { startServer } from '../../server-mock/src/main.js';
import { findSoftHsmLibrary } from '../../server-mock/src/ca/softhsm.js';

const ROOT = packageRoot();
const BIN = join(ROOT, 'bin', 'sealfold.js');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const blocks = codeBlocks(README);
const USERS = join(ROOT, 'server-mock', 'users.example.json');

/** Options that would put a secret on the command line, where `ps` shows it. */
const SECRET_OPTIONS = ['mnemonic', 'hsm-pin', 'password', 'management-token'];

/** The most blocks that may be exempt: a new one needs a reason and a change here. */
const MAX_NOT_RUN = 9;

const work = mkdtempSync(join(tmpdir(), 'sealfold-readme-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A fresh folder for one block, with the repository's example files reachable by their paths. */
function blockDir(b: CodeBlock): string {
  const d = join(work, `line-${b.line}`);
  mkdirSync(d);
  symlinkSync(join(ROOT, 'server-mock'), join(d, 'server-mock'));
  return d;
}

const withBinary = (line: string) =>
  line.replace(/\bnpx sealfold\b/g, `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)}`);

describe('README code blocks', () => {
  it('markers are few, each has a reason and stands right above a fence', () => {
    const marked = blocks.filter((b) => b.notRun !== undefined);
    expect(marked.length).toBeLessThanOrEqual(MAX_NOT_RUN);
    expect(marked.every((b) => b.notRun!.length >= 10)).toBe(true);
    expect(markerLines(README)).toEqual(marked.map((b) => b.line - 1));
    expect(blocks.length - marked.length).toBeGreaterThanOrEqual(5);
  });

  it('every sealfold command line of every block parses and keeps secrets off the command line', async () => {
    const lines = blocks.flatMap((b) => sealfoldCommands(b.code).map((argv) => ({ b, argv })));
    expect(lines.length).toBeGreaterThan(5);
    for (const { b, argv } of lines) {
      if (argv[0] === '--version') continue;
      const entry = COMMANDS.find((c) => c.name.split(' ').every((w, i) => argv[i] === w));
      expect(entry, `README line ${b.line}: sealfold ${argv.join(' ')}`).toBeDefined();
      const { command } = await entry!.load();
      const rest = argv.slice(command.name.length);
      // Throws on an unknown option or a missing value, as the command line would.
      const parsed = parseArgs({
        args: rest,
        options: { ...command.options, json: { type: 'boolean' } },
        allowPositionals: command.allowPositionals ?? false,
        strict: true,
      });
      for (const s of SECRET_OPTIONS) expect(parsed.values, `line ${b.line}`).not.toHaveProperty(s);
    }
  });

  for (const b of blocks.filter((x) => x.notRun === undefined)) {
    if (b.lang === 'sh' && /sealfold serve\b/.test(b.code)) {
      const softhsm = /--ca softhsm/.test(b.code);
      it.skipIf(softhsm && findSoftHsmLibrary() === undefined)(
        `line ${b.line}: the server starts, prints its URL and stops on SIGTERM`,
        async () => {
          expect(b.code.trim().split('\n')).toHaveLength(1);
          const line = withBinary(b.code.trim()).replace('--port 8080', '--port 0');
          const child = spawn('bash', ['-c', `exec ${line}`], { cwd: blockDir(b) });
          let out = '';
          let err = '';
          child.stderr.on('data', (d: Buffer) => void (err += d.toString()));
          const url = await new Promise<string>((ok, fail) => {
            const timer = setTimeout(() => fail(new Error(`no URL: ${err}`)), 60_000);
            child.stdout.on('data', (d: Buffer) => {
              out += d.toString();
              const m = /^(http:\/\/127\.0\.0\.1:\d+)\n/.exec(out);
              if (m) ok((clearTimeout(timer), m[1]!));
            });
            child.on('exit', (code) => fail(new Error(`exited ${code}: ${err}`)));
          });
          const caps = await fetch(`${url}/ocs/v2.php/cloud/capabilities?format=json`, {
            headers: { 'OCS-APIRequest': 'true' },
          });
          expect(caps.status).toBeLessThan(500);
          const exit = new Promise<number | null>((ok) => child.on('exit', ok));
          child.kill('SIGTERM');
          expect(await exit).toBe(0);
        },
      );
    } else if (b.lang === 'sh') {
      it(`line ${b.line}: the shell block runs and exits 0`, () => {
        const r = spawnSync('bash', ['-euo', 'pipefail', '-c', withBinary(b.code)], {
          cwd: blockDir(b),
          encoding: 'utf8',
          timeout: 120_000,
        });
        expect(r.status, r.stderr).toBe(0);
        // No secret reaches the output: the mnemonic files made by the block stay unprinted.
        expect(r.stdout).not.toMatch(/mnemonic"\s*:\s*"/);
      });
    } else if (b.lang === 'json') {
      it(`line ${b.line}: the target file is valid against its schema`, () => {
        const doc = JSON.parse(b.code) as unknown;
        expect(() =>
          validateOrThrow('conformance-target.schema.json', doc, `README line ${b.line}`),
        ).not.toThrow();
      });
    } else if (b.lang === 'ts' || b.lang === 'js') {
      it(`line ${b.line}: the ${b.lang} snippet typechecks and runs against a served mock`, async () => {
        const dir = join(ROOT, '.tmp', 'readme-examples');
        mkdirSync(dir, { recursive: true });
        const file = join(dir, `README_${b.line}.ts`);
        const config = parseConfig({ port: '0', usersFile: USERS, requestLog: false });
        const server = await startServer(config);
        const users = JSON.parse(readFileSync(USERS, 'utf8')) as {
          users: { uid: string; password: string }[];
        };
        for (const u of users.users)
          vi.stubEnv(`SEALFOLD_${u.uid.toUpperCase()}_PASSWORD`, u.password);
        const log = vi.spyOn(console, 'log').mockImplementation(() => {});
        try {
          writeFileSync(file, b.code.replaceAll('http://127.0.0.1:8080', server.url));
          expect(typecheck(file)).toEqual([]);
          await import(pathToFileURL(file).href);
          expect(log).toHaveBeenCalledTimes(1);
          expect(String(log.mock.calls[0]![0])).toMatch(/^(?:hi|hello)$/);
        } finally {
          log.mockRestore();
          vi.unstubAllEnvs();
          await server.close();
        }
      });
    } else {
      it(`line ${b.line}: a ${b.lang || 'plain'} block is either run or marked`, () => {
        expect.fail(
          `README line ${b.line}: no runner for "${b.lang}" blocks; mark it not-run with a reason`,
        );
      });
    }
  }
});

/** The diagnostics of typechecking `file` with the project's compiler options. */
function typecheck(file: string): string[] {
  const config = ts.readConfigFile(join(ROOT, 'tsconfig.json'), (p) => ts.sys.readFile(p));
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
  const program = ts.createProgram([file], { ...options, noEmit: true });
  return ts
    .getPreEmitDiagnostics(program)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}
