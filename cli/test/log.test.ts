/**
 * `sealfold log monitor` and `sealfold log witness` (spec/21 §6, §8) against the mock server with
 * its transparency log on, over real HTTP on loopback.
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './_run.js';
import { repoRoot } from '../paths.js';
import {
  CREDS,
  E2EE_V1,
  keySeeds,
  ocs,
  testServer,
  type TestServer,
} from '../../server-mock/test/_support/server.js';
import { cosignatureVerifier } from '../../reference/src/log/index.js';
import { verifyCosignatures } from '../../reference/src/log/index.js';

const dir = mkdtempSync(join(tmpdir(), 'sealfold-log-cli-'));
let s: TestServer;
let http: Server;
let url: string;
let vkey: string;
let aliceCert: string;

beforeAll(async () => {
  s = await testServer({ transparencyLog: 'sealfold.test/cli-log', requestLog: false });
  const seeds = await keySeeds();
  const r = await ocs(s.app, 'post', `${E2EE_V1}/public-key`)
    .type('form')
    .send({ csr: seeds.aliceCsr });
  expect(r.status).toBe(200);
  aliceCert = s.store.get('publicKeys', 'alice')!.fingerprint;
  const cap = await ocs(s.app, 'get', '/ocs/v2.php/cloud/capabilities');
  vkey =
    cap.body.ocs.data.capabilities['end-to-end-encryption']['transparency-log']['verifier-key'];
  http = createServer(s.app);
  await new Promise<void>((ok) => http.listen(0, '127.0.0.1', ok));
  url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  writeFileSync(join(dir, 'pw'), CREDS.bob.app);
}, 60_000);

afterAll(async () => {
  http.closeAllConnections();
  await new Promise<void>((ok) => http.close(() => ok()));
  rmSync(dir, { recursive: true, force: true });
});

describe('sealfold log monitor', () => {
  it('E2EE-LOG-070: reports every key entry, marks a certificate the watched user does not expect (exit 1), and resumes from its state', async () => {
    const args = [
      'log',
      'monitor',
      '--server',
      url,
      '--user',
      'bob',
      '--password-file',
      'pw',
      '--log-key',
      vkey,
      '--state',
      'mon.json',
    ];
    const other = 'ab'.repeat(32);
    const first = await runCli([...args, '--expect', `alice=${other}`], dir);
    expect(first.err).toBe('');
    expect(first.code).toBe(1);
    expect(first.out).toContain(`0  alice  ${aliceCert}  UNEXPECTED`);
    // the state is stored: the next pass reads nothing new
    const again = await runCli([...args, '--expect', `alice=${other}`], dir);
    expect([again.code, again.out]).toEqual([0, 'log size 1\n']);
    // with the right expectation nothing is unexpected
    const fresh = await runCli(
      [...args.slice(0, -1), 'mon2.json', '--expect', `alice=${aliceCert}`],
      dir,
    );
    expect(fresh.code).toBe(0);
    expect(fresh.out).not.toContain('UNEXPECTED');
  });
});

describe('sealfold log witness', () => {
  it('E2EE-LOG-806 E2EE-LOG-053: cosigns the server checkpoint, keeps its state in a file, serves it as latest', async () => {
    const child = spawn(
      process.execPath,
      [
        join(repoRoot(), 'bin', 'sealfold.js'),
        'log',
        'witness',
        '--name',
        'witness.test/cli',
        '--key-file',
        'w.key',
        '--log',
        vkey,
        '--state',
        'w.json',
      ],
      { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      const lines = await new Promise<string[]>((ok, fail) => {
        let out = '';
        child.stdout!.on('data', (d) => {
          out += String(d);
          if (out.split('\n').length >= 3) ok(out.split('\n'));
        });
        child.once('exit', (c) => fail(new Error(`witness exited ${c}`)));
      });
      const [wurl, wkey] = lines as [string, string];
      // The base64 part may itself contain '+': split at the first two only.
      const raw = Buffer.from(/^[^+]+\+[0-9a-f]{8}\+(.+)$/.exec(wkey)![1]!, 'base64');
      expect(raw[0]).toBe(0x04);
      const verifier = cosignatureVerifier('witness.test/cli', new Uint8Array(raw.subarray(1)));
      const note = await (
        await fetch(`${url}/sealfold-log/checkpoint`, {
          headers: {
            Authorization: 'Basic ' + Buffer.from(`bob:${CREDS.bob.app}`).toString('base64'),
          },
        })
      ).text();
      const res = await fetch(`${wurl}/add-checkpoint`, {
        method: 'POST',
        body: `old 0\n\n${note}`,
      });
      expect(res.status).toBe(200);
      const cosig = await res.text();
      expect(verifyCosignatures(note + cosig, [verifier], 1)).toEqual(['witness.test/cli']);
      expect(existsSync(join(dir, 'w.json'))).toBe(true);
      const latest = await fetch(
        `${wurl}/latest?origin=${encodeURIComponent('sealfold.test/cli-log')}`,
      );
      expect(verifyCosignatures(await latest.text(), [verifier], 1)).toEqual(['witness.test/cli']);
      // the same submission again: the witness is at size 1 now
      const stale = await fetch(`${wurl}/add-checkpoint`, {
        method: 'POST',
        body: `old 0\n\n${note}`,
      });
      expect([stale.status, await stale.text()]).toEqual([409, '1\n']);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
