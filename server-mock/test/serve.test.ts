/**
 * `sealfold serve` as a real child process: the URL line, persistence across SIGKILL (nothing
 * acknowledged is lost), a stable server key, clean shutdown on SIGTERM, users-file validation.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../cli/paths.js';
import { DESKTOP_UA, csrFor, rsaKeyPair, validBlob } from './_support/server.js';

const root = repoRoot();
const dir = mkdtempSync(join(tmpdir(), 'sealfold-serve-'));
const usersFile = join(dir, 'users.json');
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

let key: ReturnType<typeof rsaKeyPair>;
beforeAll(() => {
  key = rsaKeyPair();
  writeFileSync(
    usersFile,
    JSON.stringify({
      users: [{ uid: 'alice', password: 'alice-login', appPasswords: [{ password: 'alice-app' }] }],
    }),
  );
});

interface Started {
  child: ChildProcess;
  url: string;
  stderr: () => string;
}

function serve(args: string[]): Promise<Started> {
  const child = spawn(
    process.execPath,
    [join(root, 'bin', 'sealfold.js'), 'serve', '--port', '0', ...args],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /^(http:\/\/\S+)\n/.exec(out);
      if (m) resolve({ child, url: m[1]!, stderr: () => err });
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
}

async function api(
  url: string,
  method: string,
  path: string,
  body?: Record<string, string>,
  pw = 'alice-app',
) {
  const r = await fetch(`${url}/ocs/v2.php/apps/end_to_end_encryption/api/v1/${path}?format=json`, {
    method,
    headers: {
      'OCS-APIRequest': 'true',
      'User-Agent': DESKTOP_UA,
      Authorization: 'Basic ' + Buffer.from(`alice:${pw}`).toString('base64'),
      ...(body ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}),
    },
    body: body ? new URLSearchParams(body).toString() : undefined,
  });
  return { status: r.status, json: (await r.json()) as { ocs: { data: Record<string, string> } } };
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((r) =>
    child.exitCode !== null ? r(child.exitCode) : child.on('exit', (c) => r(c)),
  );
}

describe('sealfold serve', () => {
  it('E2EE-API-090 E2EE-CERT-801 E2EE-CERT-063: acknowledged writes, the CA key and the audit log survive SIGKILL', async () => {
    const data = join(dir, 'data');
    const a = await serve(['--data-dir', data, '--users', usersFile, '--management', '--quiet']);
    expect(a.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const serverKey = (await api(a.url, 'GET', 'server-key')).json.ocs.data['public-key'];
    const blob = validBlob();
    expect((await api(a.url, 'POST', 'private-key', { privateKey: blob })).status).toBe(200);
    const cert = await api(a.url, 'POST', 'public-key', { csr: await csrFor(key.pkcs8, 'alice') });
    expect(cert.status).toBe(200);
    const state = (await (await fetch(`${a.url}/__sealfold/state`)).json()) as {
      fingerprint: string;
    };
    a.child.kill('SIGKILL');
    await exited(a.child);

    const b = await serve(['--data-dir', data, '--users', usersFile, '--management', '--quiet']);
    expect((await api(b.url, 'GET', 'private-key')).json.ocs.data['private-key']).toBe(blob);
    expect((await api(b.url, 'GET', 'public-key')).json.ocs.data['public-keys']).toEqual({
      alice: cert.json.ocs.data['public-key'],
    });
    expect((await api(b.url, 'GET', 'server-key')).json.ocs.data['public-key']).toBe(serverKey);
    const again = (await (await fetch(`${b.url}/__sealfold/state`)).json()) as {
      fingerprint: string;
    };
    expect(again.fingerprint).toBe(state.fingerprint);
    const log = (await (await fetch(`${b.url}/__sealfold/audit`)).json()) as {
      entries: { action: string }[];
    };
    expect(log.entries.map((e) => e.action)).toEqual([
      'user.create',
      'private-key.upload',
      'certificate.issue',
    ]);
    // The users file is applied again but changes nothing for existing users.
    expect((await api(b.url, 'POST', 'private-key', { privateKey: validBlob() })).status).toBe(409);
    b.child.kill('SIGTERM');
    expect(await exited(b.child)).toBe(0);
  });

  it('E2EE-LOG-004: log entries and the log key survive SIGKILL with the change they record', async () => {
    const data = join(dir, 'data-tlog');
    const args = [
      '--data-dir',
      data,
      '--users',
      usersFile,
      '--transparency-log',
      'sealfold.test/log',
      '--quiet',
    ];
    const auth = { Authorization: 'Basic ' + Buffer.from('alice:alice-app').toString('base64') };
    const a = await serve(args);
    const cert = await api(a.url, 'POST', 'public-key', { csr: await csrFor(key.pkcs8, 'alice') });
    expect(cert.status).toBe(200);
    const before = await (
      await fetch(`${a.url}/sealfold-log/checkpoint`, { headers: auth })
    ).text();
    a.child.kill('SIGKILL');
    await exited(a.child);
    const b = await serve(args);
    const after = await (await fetch(`${b.url}/sealfold-log/checkpoint`, { headers: auth })).text();
    // Same tree (size 1, the key entry) signed by the same key: Ed25519 is deterministic.
    expect(after).toBe(before);
    expect(after.split('\n')[1]).toBe('1');
    const bundle = await fetch(`${b.url}/sealfold-log/tile/entries/000.p/1`, { headers: auth });
    expect(Buffer.from(await bundle.arrayBuffer()).toString('utf8')).toContain(
      'kind key\nuser alice\n',
    );
    b.child.kill('SIGTERM');
    expect(await exited(b.child)).toBe(0);
  });

  it('E2EE-API-813: an invalid users file stops the server with exit 1 and one line', async () => {
    const bad = join(dir, 'bad-users.json');
    writeFileSync(bad, JSON.stringify({ users: [{ uid: 'a:b', password: 'x' }] }));
    const child = spawn(
      process.execPath,
      [join(root, 'bin', 'sealfold.js'), 'serve', '--port', '0', '--users', bad],
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    children.push(child);
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    expect(await exited(child)).toBe(1);
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(err).toMatch(/^sealfold: INPUT_MALFORMED: users file: \/users\/0\/uid/);
  });

  it('E2EE-API-828: --fault switches are named in the startup banner and listed by the management API', async () => {
    const a = await serve([
      '--fault',
      'commit-on-abort',
      '--fault',
      'ignore-lock-token',
      '--management',
    ]);
    const faults = (await (await fetch(`${a.url}/__sealfold/faults`)).json()) as {
      active: string[];
    };
    expect(faults.active).toEqual(['ignore-lock-token', 'commit-on-abort']);
    const banner = a
      .stderr()
      .split('\n')
      .filter((l) => l.includes('"startup"') && l.includes('FAULT '));
    expect(banner.map((l) => (JSON.parse(l) as { message: string }).message.split(':')[0])).toEqual(
      ['FAULT ignore-lock-token', 'FAULT commit-on-abort'],
    );
    a.child.kill('SIGTERM');
    expect(await exited(a.child)).toBe(0);
  });

  it('E2EE-API-829: an unknown --fault is a usage error (exit 2)', async () => {
    const child = spawn(
      process.execPath,
      [join(root, 'bin', 'sealfold.js'), 'serve', '--port', '0', '--fault', 'no-such-fault'],
      { cwd: root },
    );
    children.push(child);
    expect(await exited(child)).toBe(2);
  });

  it('rejects bad options as usage errors (exit 2)', async () => {
    const child = spawn(
      process.execPath,
      [join(root, 'bin', 'sealfold.js'), 'serve', '--profile', 'nc99'],
      { cwd: root },
    );
    children.push(child);
    expect(await exited(child)).toBe(2);
  });
});
