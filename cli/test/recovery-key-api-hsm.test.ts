/**
 * `sealfold recovery-key open` through the server's HTTP API, and the recovery key held in a
 * SoftHSM token of its own (spec/20-recovery-key.md §2.1, §6), end to end over real loopback
 * HTTP against `sealfold serve`: the administrator makes the key offline, enables it, alice
 * consents and writes a folder, loses her mnemonic, and the administrator recovers her files by
 * fetching metadata, signatures and bodies through the API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './_run.js';
import {
  createTopFolder,
  enrol,
  makeSubfolder,
  uploadFile,
  type FolderHandle,
} from '../../reference/src/client/index.js';
import { RecoveryKeyGuard, syncRecoveryKey } from '../../reference/src/recovery-key/index.js';
import { findSoftHsmLibrary } from '../../server-mock/src/ca/softhsm.js';
import { serve, usersFile, type ServedServer } from '../../reference/test/client/_serve.js';

const FILES = { 'report.txt': 'quarterly numbers', 'notes/plan.md': '# plan\nsecret steps' };
const ALICE_PW = 'alice-pw-3391';
const HSM_PIN = 'recovery-pin-5521';
const work = mkdtempSync(join(tmpdir(), 'sealfold-rkey-api-'));
const secret = (name: string, text: string) => {
  const f = join(work, name);
  writeFileSync(f, text + '\n', { mode: 0o600 });
  return f;
};
const passwordFile = secret('alice-password.txt', ALICE_PW);
const pinFile = secret('hsm-pin.txt', HSM_PIN);
const soPinFile = secret('hsm-so-pin.txt', 'recovery-so-7730');
const servers: ServedServer[] = [];

afterAll(async () => {
  for (const s of servers) await s.stop();
  rmSync(work, { recursive: true, force: true });
});

interface Made {
  recoveryKeySha256: string;
  signerKeySha256: string;
  files: Record<string, string>;
}

interface Scenario {
  server: ServedServer;
  made: Made;
  folderId: string;
}

/** The ceremony (`ceremony` adds the key's protection), the server, alice's consented folder. */
async function scenario(
  name: string,
  ceremony: string[],
  serveArgs: string[],
  beforeCeremony?: (dataDir: string) => void,
): Promise<Scenario> {
  const dataDir = join(work, `${name}-data`);
  const server = await serve([
    '--management',
    '--data-dir',
    dataDir,
    '--users',
    usersFile({ alice: ALICE_PW }),
    ...serveArgs,
  ]);
  servers.push(server);
  beforeCeremony?.(dataDir);
  const r = await runCli([
    'recovery-key',
    'new',
    '--out',
    join(work, `${name}-ceremony`),
    '--new-signing-key',
    '--issuer',
    'IT department',
    '--purpose',
    'recover files when a user loses their mnemonic',
    '--json',
    ...ceremony,
  ]);
  expect(r.code, r.out + r.err).toBe(0);
  const made = JSON.parse(r.out) as Made;
  const enable = await fetch(`${server.url}/__sealfold/recovery-key`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ statement: readFileSync(made.files.statement!, 'utf8') }),
  });
  expect(enable.status).toBe(200);
  const guard = new RecoveryKeyGuard({
    userId: 'alice',
    anchor: { signerKeySha256: made.signerKeySha256 },
  });
  const enrolled = await enrol({
    account: { baseUrl: server.url, userId: 'alice', password: ALICE_PW },
  });
  const alice = { ...enrolled.device, recovery: guard };
  const offered = await syncRecoveryKey(alice.ctx, guard);
  expect(offered?.recoveryKeySha256).toBe(made.recoveryKeySha256);
  let h: FolderHandle = await createTopFolder(alice, 'Work');
  const folderId = h.state.rootId;
  guard.consent(folderId, offered!.recoveryKeySha256!);
  h = (
    await uploadFile(alice, h, {
      filename: 'report.txt',
      content: new TextEncoder().encode(FILES['report.txt']),
    })
  ).handle;
  const sub = await makeSubfolder(alice, h, 'notes');
  await uploadFile(alice, sub.handle, {
    filename: 'plan.md',
    content: new TextEncoder().encode(FILES['notes/plan.md']),
    folderId: sub.folderId,
  });
  // Alice loses her mnemonic; only her account password reaches the administrator's tool.
  return { server, made, folderId };
}

const viaApi = (s: Scenario, out: string, ...rest: string[]) => [
  'recovery-key',
  'open',
  '--statement',
  s.made.files.statement!,
  '--signer-fingerprint',
  s.made.signerKeySha256,
  '--server',
  s.server.url,
  '--user',
  'alice',
  '--password-file',
  passwordFile,
  '--folder-path',
  'Work',
  '--out',
  out,
  ...rest,
];

interface Summary {
  source: { kind: string; folderId: string };
  signatures: Record<string, string>;
  recovered: { path: string; sha256: string }[];
  failed: unknown[];
}

function expectAllRecovered(summary: Summary, out: string, folderId: string): void {
  expect(summary.source).toMatchObject({ kind: 'api', folderId });
  expect(summary.signatures).toEqual({ '': 'verified', notes: 'verified' });
  expect(summary.recovered.map((f) => f.path).sort()).toEqual(Object.keys(FILES).sort());
  expect(summary.failed).toEqual([]);
  for (const [path, content] of Object.entries(FILES))
    expect(readFileSync(join(out, ...path.split('/')), 'utf8')).toBe(content);
}

describe('recovery-key open through the API (3-of-5 shares)', () => {
  let s: Scenario;
  const shares = (...n: number[]) =>
    n.flatMap((i) => ['--share', join(work, 'api-ceremony', `share-${i}.json`)]);
  const keyFile = () => ['--key-file', s.made.files.keyFile!];

  beforeAll(async () => {
    s = await scenario('api', ['--shares', '5', '--threshold', '3', '--scrypt-n', '32768'], []);
  }, 120_000);

  it('E2EE-RKEY-125 E2EE-RKEY-051: 3 of 5 shares recover alice’s files fetched over HTTP; every signature verified', async () => {
    const out = join(work, 'api-3');
    const r = await runCli(viaApi(s, out, ...keyFile(), ...shares(5, 1, 3), '--json'));
    expect(r.code, r.out + r.err).toBe(0);
    expectAllRecovered(JSON.parse(r.out) as Summary, out, s.folderId);
  });

  it('E2EE-RKEY-051: the plain output says where it read from, what it verified and recovered', async () => {
    const out = join(work, 'api-plain');
    const r = await runCli(viaApi(s, out, ...keyFile(), ...shares(2, 3, 4)));
    expect(r.code, r.out + r.err).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines[0]).toBe(`source: ${s.server.url} as alice, /Work (folder ${s.folderId})`);
    expect(lines[1]).toBe(`recovery key ${s.made.recoveryKeySha256} (key file, 3 shares)`);
    expect(lines.slice(2, 4)).toEqual(['signature /: verified', 'signature /notes: verified']);
    const sha = (t: string) => createHash('sha256').update(t).digest('hex');
    expect(lines.slice(4).sort()).toEqual(
      Object.entries(FILES)
        .map(([p, c]) => `recovered /${p} (${Buffer.byteLength(c)} bytes, sha256 ${sha(c)})`)
        .sort(),
    );
    expect(r.out + r.err).not.toContain(ALICE_PW);
  });

  it('E2EE-RKEY-004 E2EE-RKEY-125: 2 shares are not enough: RECOVERY_SECRET_INVALID, nothing written', async () => {
    const out = join(work, 'api-2');
    const r = await runCli(viaApi(s, out, ...keyFile(), ...shares(1, 4)));
    expect(r.code).toBe(1);
    expect(r.err).toContain('RECOVERY_SECRET_INVALID');
    expect(existsSync(out)).toBe(false);
  });

  it('E2EE-RKEY-125: the password comes from a file, never argv; a wrong one is AUTH_FAILED', async () => {
    const argv = viaApi(s, join(work, 'api-argv'), ...keyFile(), ...shares(1, 2, 3));
    argv.splice(argv.indexOf('--password-file'), 2, '--password', ALICE_PW);
    const refused = await runCli(argv);
    expect(refused.code).toBe(2);
    expect(refused.out + refused.err).not.toContain(ALICE_PW);
    const wrong = viaApi(s, join(work, 'api-wrong'), ...keyFile(), ...shares(1, 2, 3));
    wrong[wrong.indexOf('--password-file') + 1] = secret('wrong.txt', 'not-her-password');
    const r = await runCli(wrong);
    expect(r.code).toBe(1);
    expect(r.err).toContain('AUTH_FAILED');
    expect(existsSync(join(work, 'api-wrong'))).toBe(false);
  });

  it('E2EE-RKEY-125 E2EE-RKEY-050: bodies a server corrupts are listed as not recovered, no plaintext written', async () => {
    const proxy = await corruptingProxy(s.server.url);
    try {
      const out = join(work, 'api-corrupt');
      const r = await runCli(
        viaApi(
          { ...s, server: { ...s.server, url: proxy.url } },
          out,
          ...keyFile(),
          ...shares(1, 2, 3),
          '--json',
        ),
      );
      expect(r.code).toBe(1);
      const summary = JSON.parse(r.out) as Summary;
      expect(summary.signatures).toEqual({ '': 'verified', notes: 'verified' });
      expect(summary.recovered).toEqual([]);
      expect(summary.failed).toEqual(
        expect.arrayContaining(
          Object.keys(FILES).map((path) =>
            expect.objectContaining({ path, code: 'AEAD_TAG_MISMATCH' }),
          ),
        ),
      );
      expect(existsSync(out)).toBe(false);
    } finally {
      await new Promise((resolve) => proxy.server.close(resolve));
    }
  });

  it('E2EE-RKEY-125: a folder id that is not the one at the path is refused before decryption', async () => {
    const out = join(work, 'api-id');
    const r = await runCli(
      viaApi(s, out, ...keyFile(), ...shares(1, 2, 3), '--folder-id', `${s.folderId}9`),
    );
    expect(r.code).toBe(1);
    expect(r.err).toContain('NOT_FOUND');
    expect(existsSync(out)).toBe(false);
  });
});

/**
 * A loopback proxy in front of `target` that flips the first byte of every WebDAV GET body: a
 * server that corrupts what it stores, everything else passed through unchanged.
 */
async function corruptingProxy(target: string): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers))
        if (typeof v === 'string' && !['host', 'connection', 'content-length'].includes(k))
          headers[k] = v;
      const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
      void fetch(target + req.url, { method: req.method!, headers, ...(body ? { body } : {}) })
        .then(async (r) => {
          const out = Buffer.from(await r.arrayBuffer());
          if (req.method === 'GET' && req.url!.startsWith('/remote.php/dav/') && out.length > 0)
            out[0]! ^= 1;
          const h: Record<string, string> = {};
          r.headers.forEach((v, k) => {
            if (!['content-length', 'content-encoding', 'transfer-encoding'].includes(k)) h[k] = v;
          });
          res.writeHead(r.status, h).end(out);
        })
        .catch(() => res.writeHead(502).end());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, server };
}

/** SHA-256 of every file below `dir`, by relative path (to show a token was not touched). */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true }))
    if (e.isFile()) {
      const p = join(e.parentPath, e.name);
      out[p.slice(dir.length)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  return out;
}

describe.skipIf(findSoftHsmLibrary() === undefined)(
  'the recovery key in a SoftHSM token of its own (the CA in SoftHSM too)',
  () => {
    let s: Scenario;
    const hsmDir = join(work, 'recovery-token');
    let caTokens: string;
    let caBefore: Record<string, string>;
    const hsm = (dir = hsmDir, pin = pinFile) => ['--hsm', '--hsm-dir', dir, '--hsm-pin-file', pin];

    beforeAll(async () => {
      s = await scenario(
        'hsm',
        [...hsm(), '--hsm-so-pin-file', soPinFile],
        ['--ca', 'softhsm'],
        (dataDir) => {
          caTokens = join(dataDir, 'ca-softhsm', 'tokens');
          caBefore = snapshot(caTokens);
        },
      );
    }, 120_000);

    it('E2EE-RKEY-120: the ceremony writes no private key file; the key is in the token', () => {
      expect(s.made.files.keyFile).toBeUndefined();
      expect(readdirSync(join(work, 'hsm-ceremony')).sort()).toEqual([
        'policy-signing-key.pem',
        'recovery-statement.json',
      ]);
      expect(s.made).toMatchObject({ hsm: { tokenLabel: 'sealfold-recovery' } });
    });

    it('E2EE-RKEY-123 E2EE-RKEY-125: alice’s files are recovered through the API with the token', async () => {
      const out = join(work, 'hsm-out');
      const r = await runCli(viaApi(s, out, ...hsm(), '--json'));
      expect(r.code, r.out + r.err).toBe(0);
      expectAllRecovered(JSON.parse(r.out) as Summary, out, s.folderId);
      expect(r.out + r.err).not.toContain(HSM_PIN);
    });

    it('E2EE-RKEY-123: the token also recovers from a copy of the data directory', async () => {
      const copy = join(work, 'hsm-data-copy');
      cpSync(join(work, 'hsm-data'), copy, { recursive: true });
      const out = join(work, 'hsm-data-out');
      const r = await runCli([
        'recovery-key',
        'open',
        '--statement',
        s.made.files.statement!,
        '--recovery-fingerprint',
        s.made.recoveryKeySha256,
        '--data-dir',
        copy,
        '--folder-id',
        s.folderId,
        '--out',
        out,
        ...hsm(),
        '--json',
      ]);
      expect(r.code, r.out + r.err).toBe(0);
      const summary = JSON.parse(r.out) as Summary;
      expect(summary.source).toMatchObject({ kind: 'data-dir', folderId: s.folderId });
      expect(summary.recovered.map((f) => f.path).sort()).toEqual(Object.keys(FILES).sort());
    });

    it('E2EE-RKEY-124: a wrong PIN is AUTH_FAILED, never echoed, nothing written', async () => {
      const out = join(work, 'hsm-wrong-pin');
      const r = await runCli(viaApi(s, out, ...hsm(hsmDir, secret('bad-pin.txt', 'bad-pin-0001'))));
      expect(r.code).toBe(1);
      expect(r.err).toContain('AUTH_FAILED');
      expect(r.out + r.err).not.toContain('bad-pin-0001');
      expect(existsSync(out)).toBe(false);
      const argv = await runCli([...viaApi(s, out, ...hsm()), '--hsm-pin', HSM_PIN]);
      expect(argv.code).toBe(2);
      expect(argv.out + argv.err).not.toContain(HSM_PIN);
    });

    it('E2EE-RKEY-121: the CA’s token is never used: refused when named, and its files unchanged', async () => {
      const caDir = join(caTokens, '..');
      const r = await runCli(
        viaApi(s, join(work, 'hsm-ca'), ...hsm(caDir), '--hsm-token-label', 'sealfold-ca'),
      );
      expect(r.code).toBe(1);
      expect(r.err).toContain('INPUT_MALFORMED');
      expect(snapshot(caTokens)).toEqual(caBefore);
      expect(Object.keys(caBefore).length).toBeGreaterThan(0);
    });
  },
);
