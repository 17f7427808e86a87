/**
 * `sealfold serve` as an operator meets it, as real processes: one server per data directory
 * (also after SIGKILL), the recorded CA identity, what startup shows, the non-loopback
 * management refusal, and stopping a background server exactly as the server README shows it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../paths.js';
import { pemDecode } from '../../reference/src/pem/index.js';
import { nextTestKey } from '../../reference/test/_support/test-keys.js';

const root = repoRoot();
const dir = mkdtempSync(join(tmpdir(), 'sealfold-serve-op-'));
const children: ChildProcess[] = [];
/** Servers started below a launcher (not our children): killed by pid if a test failed. */
const grandchildren: number[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const pid of grandchildren) {
    // Only a pid that still runs our server (a finished server's pid may have been reused).
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (cmdline.includes('sealfold') && cmdline.includes('serve')) process.kill(pid, 'SIGKILL');
  }
  rmSync(dir, { recursive: true, force: true });
});

const usersFile = join(dir, 'users.json');
writeFileSync(
  usersFile,
  JSON.stringify({
    users: [
      { uid: 'alice', password: 'a' },
      { uid: 'bob', password: 'b' },
    ],
  }),
);

interface Run {
  child: ChildProcess;
  exit: Promise<number | null>;
  stderr: () => string;
  /** Resolves with the URL line, or rejects when the process exits first. */
  url: Promise<string>;
}

function serve(args: string[]): Run {
  const child = spawn(
    process.execPath,
    [join(root, 'bin', 'sealfold.js'), 'serve', '--port', '0', '--quiet', ...args],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const exit = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  const url = new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /^(http:\/\/\S+)\n/.exec(out);
      if (m) resolve(m[1]!);
    });
    void exit.then((c) => reject(new Error(`serve exited ${c}: ${err}`)));
  });
  url.catch(() => {});
  return { child, exit, stderr: () => err, url };
}

function startupMessages(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { type: string; message?: string })
    .filter((e) => e.type === 'startup')
    .map((e) => e.message!);
}

async function serverKeySha256(url: string): Promise<string> {
  const r = await fetch(
    `${url}/ocs/v2.php/apps/end_to_end_encryption/api/v1/server-key?format=json`,
    {
      headers: { 'OCS-APIRequest': 'true', 'X-E2EE-Supported': 'true' },
    },
  );
  const pem = ((await r.json()) as { ocs: { data: { 'public-key': string } } }).ocs.data[
    'public-key'
  ];
  return createHash('sha256').update(pemDecode(pem, 'PUBLIC KEY')).digest('hex');
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('sealfold serve for operators', () => {
  it('E2EE-API-830 E2EE-API-831 E2EE-API-404: a second server on a data directory is refused; after SIGKILL the directory restarts', async () => {
    const data = join(dir, 'shared');
    const a = serve(['--data-dir', data, '--users', usersFile]);
    const url = await a.url;
    const lines = startupMessages(a.stderr());
    expect(lines).toContain(`listening on ${url} (pid ${a.child.pid})`);
    expect(lines).toContain(`data directory ${data}`);
    expect(lines).toContain('users created: alice, bob');
    expect(lines).toContain('CA key new (generated now) (software)');
    const fingerprint = await serverKeySha256(url);
    expect(lines).toContain(`server key sha256 ${fingerprint}`);

    const b = serve(['--data-dir', data]);
    expect(await b.exit).toBe(1);
    expect(b.stderr()).toMatch(
      new RegExp(
        `^sealfold: LOCK_CONFLICT: data directory .*shared is in use by .*\\(pid ${a.child.pid}\\)`,
      ),
    );
    // The refused server did not disturb the running one.
    expect(await serverKeySha256(url)).toBe(fingerprint);

    a.child.kill('SIGKILL');
    await a.exit;
    const c = serve(['--data-dir', data, '--users', usersFile]);
    const again = startupMessages((await c.url, c.stderr()));
    expect(again).toContain('users created: none');
    expect(again).toContain('CA key loaded (software)');
    expect(again).toContain(`server key sha256 ${fingerprint}`);
    c.child.kill('SIGTERM');
    expect(await c.exit).toBe(0);
  });

  it('E2EE-API-832: SIGTERM and SIGINT each stop the server with exit 0, close its port and release its data directory', async () => {
    const data = join(dir, 'signals');
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      // The second start on the same directory is refused (LOCK_CONFLICT) unless the first one
      // released it.
      const a = serve(['--data-dir', data]);
      const port = Number(new URL(await a.url).port);
      a.child.kill(signal);
      expect(await a.exit, signal).toBe(0);
      const refused = await new Promise<string | undefined>((done) => {
        const socket = connect(port, '127.0.0.1');
        socket.on('connect', () => {
          socket.destroy();
          done(undefined);
        });
        socket.on('error', (e: NodeJS.ErrnoException) => done(e.code));
      });
      expect(refused, signal).toBe('ECONNREFUSED');
    }
  });

  it('E2EE-API-401: a restart with the other --ca or a replaced CA key is refused with KEY_CHANGED', async () => {
    const data = join(dir, 'identity');
    const a = serve(['--data-dir', data]);
    await a.url;
    a.child.kill('SIGTERM');
    expect(await a.exit).toBe(0);

    const other = serve(['--data-dir', data, '--ca', 'softhsm']);
    expect(await other.exit).toBe(1);
    expect(other.stderr()).toMatch(
      /^sealfold: KEY_CHANGED: data directory .* was created with --ca software; this start asks for --ca softhsm/,
    );

    const privateKey = nextTestKey();
    writeFileSync(
      join(data, 'ca', 'ca-key.pem'),
      privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    );
    const replaced = serve(['--data-dir', data]);
    expect(await replaced.exit).toBe(1);
    expect(replaced.stderr()).toMatch(/^sealfold: KEY_CHANGED: the server key in data directory/);
    expect(JSON.parse(readFileSync(join(data, 'server-identity.json'), 'utf8')).ca).toBe(
      'software',
    );
  });

  it('E2EE-API-403: --management on 0.0.0.0 is refused (exit 2) before binding', async () => {
    const r = serve(['--host', '0.0.0.0', '--management']);
    expect(await r.exit).toBe(2);
    expect(r.stderr()).toMatch(/non-loopback host 0\.0\.0\.0 .*--management-remote/);
  });

  it('E2EE-API-833: a server started through npx stops with exit 0 when its launcher ends', async () => {
    // A launcher like npm's: a shell that runs the server and is then killed with SIGKILL.
    const launcher = spawn(
      'bash',
      [
        '-c',
        `${JSON.stringify(process.execPath)} bin/sealfold.js serve --port 0 --quiet & wait $!`,
      ],
      {
        cwd: root,
        env: { ...process.env, npm_command: 'exec' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    children.push(launcher);
    let out = '';
    let err = '';
    launcher.stdout!.on('data', (d) => (out += d));
    launcher.stderr!.on('data', (d) => (err += d));
    const deadline = Date.now() + 60_000;
    while (!/^http:\/\/\S+:(\d+)\n/.test(out) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    const port = Number(/^http:\/\/\S+:(\d+)\n/.exec(out)?.[1]);
    const pid = Number(/its own pid is (\d+)/.exec(err)?.[1]);
    grandchildren.push(pid);
    expect(startupMessages(err)).toContain(
      `started through npx: stops when npx ends; its own pid is ${pid}`,
    );
    expect(await portIsFree(port)).toBe(false);
    launcher.kill('SIGKILL');
    const until = Date.now() + 10_000;
    while (!(await portIsFree(port)) && Date.now() < until)
      await new Promise((r) => setTimeout(r, 100));
    expect(await portIsFree(port)).toBe(true);
  });

  it('E2EE-API-833: the README background block stops the server with kill $SERVER_PID', async () => {
    const readme = readFileSync(join(root, 'server-mock', 'README.md'), 'utf8');
    const block = /### Running in the background[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBeDefined();
    const port = await freePort();
    const lines = block!.replaceAll('8080', String(port)).trimEnd().split('\n');
    const killAt = lines.findIndex((l) => l.startsWith('kill '));
    expect(killAt).toBeGreaterThan(0);
    const shell = spawn('bash', [], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
    children.push(shell);
    let err = '';
    shell.stderr!.on('data', (d) => (err += d));
    shell.stdin!.write(lines.slice(0, killAt).join('\n') + '\n');
    // Wait (bounded) until the server answers on the documented port.
    const deadline = Date.now() + 90_000;
    while ((await portIsFree(port)) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200));
    expect(await portIsFree(port)).toBe(false);
    const serverPid = Number(/"listening on \S+ \(pid (\d+)\)"/.exec(err)?.[1]);
    expect(serverPid).toBeGreaterThan(0);
    grandchildren.push(serverPid);
    shell.stdin!.write(lines.slice(killAt).join('\n') + '\nexit\n');
    await new Promise((r) => shell.on('exit', r));
    const alive = () => {
      try {
        process.kill(serverPid, 0);
        return true;
      } catch {
        return false;
      }
    };
    const until = Date.now() + 10_000;
    while ((alive() || !(await portIsFree(port))) && Date.now() < until)
      await new Promise((r) => setTimeout(r, 100));
    expect(await portIsFree(port)).toBe(true);
    expect(alive()).toBe(false);
  });
});
