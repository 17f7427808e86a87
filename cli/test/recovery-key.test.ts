/**
 * Issue 12's "done when", end to end over HTTP: the administrator makes the recovery key offline
 * (3-of-5 shares), enables it on the mock, alice consents and writes a folder with files, then
 * loses her mnemonic; the administrator recovers her files from a copy of the server's data
 * directory with 3 shares and `sealfold recovery-key open`; 2 shares are not enough
 * (spec/20-recovery-key.md).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
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
import {
  openWithShares,
  parseStatement,
  recoverFolder,
  RecoveryKeyGuard,
  syncRecoveryKey,
  type FolderExport,
} from '../../reference/src/recovery-key/index.js';
import { exportFolderFromDataDir } from '../../server-mock/src/recovery-key/export.js';
import { nextTestKeyOfSize } from '../../reference/test/_support/test-keys.js';
import { serve, usersFile, type ServedServer } from '../../reference/test/client/_serve.js';

const PASSPHRASE = 'offline ceremony passphrase 2026';
const work = mkdtempSync(join(tmpdir(), 'sealfold-rkey-cli-'));
const keyDir = join(work, 'ceremony');
const dataDir = join(work, 'server-data');
const passFile = join(work, 'passphrase.txt');
const FILES = { 'report.txt': 'quarterly numbers', 'notes/plan.md': '# plan\nsecret steps' };
let server: ServedServer;
let made: { recoveryKeySha256: string; signerKeySha256: string; files: Record<string, string> };
let folderId: string;

beforeAll(async () => {
  writeFileSync(passFile, PASSPHRASE + '\n', { mode: 0o600 });
  const r = await runCli([
    'recovery-key',
    'new',
    '--out',
    keyDir,
    '--new-signing-key',
    '--issuer',
    'IT department',
    '--purpose',
    'recover files when a user loses their mnemonic',
    '--shares',
    '5',
    '--threshold',
    '3',
    '--passphrase-file',
    passFile,
    '--scrypt-n',
    '32768',
    '--json',
  ]);
  expect(r.code, r.err).toBe(0);
  made = JSON.parse(r.out) as typeof made;

  server = await serve([
    '--management',
    '--data-dir',
    dataDir,
    '--users',
    usersFile({ alice: 'alice-pw' }),
  ]);
  const enable = await fetch(`${server.url}/__sealfold/recovery-key`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ statement: readFileSync(made.files.statement!, 'utf8') }),
  });
  expect(enable.status).toBe(200);

  // Alice's device: the signer fingerprint reached it outside the server (enrolment config).
  const guard = new RecoveryKeyGuard({
    userId: 'alice',
    anchor: { signerKeySha256: made.signerKeySha256 },
  });
  const enrolled = await enrol({
    account: { baseUrl: server.url, userId: 'alice', password: 'alice-pw' },
  });
  const alice = { ...enrolled.device, recovery: guard };
  const offered = await syncRecoveryKey(alice.ctx, guard);
  expect(offered).toMatchObject({
    kind: 'recovery-key-offered',
    recoveryKeySha256: made.recoveryKeySha256,
  });
  let h: FolderHandle = await createTopFolder(alice, 'Work');
  folderId = h.state.rootId;
  // Alice compared the fingerprint and consents for this folder.
  guard.consent(folderId, offered!.recoveryKeySha256!);
  h = (
    await uploadFile(alice, h, {
      filename: 'report.txt',
      content: new TextEncoder().encode(FILES['report.txt']),
    })
  ).handle;
  const sub = await makeSubfolder(alice, h, 'notes');
  h = sub.handle;
  await uploadFile(alice, h, {
    filename: 'plan.md',
    content: new TextEncoder().encode(FILES['notes/plan.md']),
    folderId: sub.folderId,
  });
  // Alice loses her mnemonic: nothing of her device is used from here on.
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

function copyOfDataDir(): string {
  const copy = mkdtempSync(join(tmpdir(), 'sealfold-rkey-copy-'));
  cpSync(dataDir, copy, { recursive: true });
  return copy;
}

const openArgs = (out: string, secret: string[]) => [
  'recovery-key',
  'open',
  '--key-file',
  made.files.keyFile!,
  '--statement',
  made.files.statement!,
  '--signer-fingerprint',
  made.signerKeySha256,
  '--data-dir',
  copyOfDataDir(),
  '--folder-id',
  folderId,
  '--out',
  out,
  '--json',
  ...secret,
];
const shareArgs = (...n: number[]) =>
  n.flatMap((i) => ['--share', join(keyDir, `share-${i}.json`)]);

describe('recovery-key new and open', () => {
  it('E2EE-RKEY-050 E2EE-RKEY-802 E2EE-RKEY-004: 3 of 5 shares recover every file, signatures verified, exactly listed', async () => {
    const out = join(work, 'recovered-3');
    const r = await runCli(openArgs(out, shareArgs(2, 5, 4)));
    expect(r.code, r.err).toBe(0);
    const summary = JSON.parse(r.out) as {
      signatures: Record<string, string>;
      recovered: { path: string }[];
      failed: unknown[];
    };
    expect(summary.signatures).toEqual({ '': 'verified', notes: 'verified' });
    expect(summary.recovered.map((f) => f.path).sort()).toEqual(Object.keys(FILES).sort());
    expect(summary.failed).toEqual([]);
    for (const [path, content] of Object.entries(FILES))
      expect(readFileSync(join(out, ...path.split('/')), 'utf8')).toBe(content);
  });

  it('E2EE-RKEY-004: 2 shares are not enough: RECOVERY_SECRET_INVALID and nothing written', async () => {
    const out = join(work, 'recovered-2');
    const r = await runCli(openArgs(out, shareArgs(1, 3)));
    expect(r.code).toBe(1);
    expect(r.out).toContain('RECOVERY_SECRET_INVALID');
    expect(existsSync(out)).toBe(false);
  });

  it('E2EE-RKEY-003: the passphrase opens it too; it never appears in output, and argv has no option for it', async () => {
    const out = join(work, 'recovered-pass');
    const r = await runCli(openArgs(out, ['--passphrase-file', passFile]));
    expect(r.code, r.err).toBe(0);
    expect(r.out + r.err).not.toContain(PASSPHRASE);
    const shares = readdirSync(keyDir).filter((f) => f.startsWith('share-'));
    expect(shares).toHaveLength(5);
    for (const f of shares) {
      const s = (JSON.parse(readFileSync(join(keyDir, f), 'utf8')) as { share: string }).share;
      expect(r.out + r.err).not.toContain(s);
    }
    const argv = await runCli(openArgs(join(work, 'x'), ['--passphrase', PASSPHRASE]));
    expect(argv.code).toBe(2);
    expect(argv.err).not.toContain(PASSPHRASE);
  });

  it('E2EE-RKEY-050: a statement checked against another anchor is refused before any decryption', async () => {
    const args = openArgs(join(work, 'y'), shareArgs(1, 2, 3));
    args[args.indexOf('--signer-fingerprint') + 1] = 'ab'.repeat(32);
    const r = await runCli(args);
    expect(r.code).toBe(1);
    expect(r.out).toContain('RECOVERY_POLICY_INVALID');
    expect(existsSync(join(work, 'y'))).toBe(false);
  });
});

describe('the recovery tool refuses what does not check out', () => {
  const opened = async () => {
    const keyFile = readFileSync(made.files.keyFile!, 'utf8');
    const shares = [1, 2, 3].map((i) => readFileSync(join(keyDir, `share-${i}.json`), 'utf8'));
    return {
      privateKey: await openWithShares(keyFile, shares),
      statement: parseStatement(readFileSync(made.files.statement!, 'utf8')),
      folder: exportFolderFromDataDir(copyOfDataDir(), Number(folderId)),
    };
  };

  it('E2EE-RKEY-050: a private key that is not the policy key is refused (KEY_MISMATCH)', async () => {
    const { statement, folder } = await opened();
    const other = new Uint8Array(
      nextTestKeyOfSize(3072).export({
        format: 'der',
        type: 'pkcs8',
      }),
    );
    await expect(recoverFolder({ folder, statement, privateKey: other })).rejects.toMatchObject({
      code: 'KEY_MISMATCH',
    });
  });

  it('E2EE-RKEY-800: E2EE-RKEY-801: a signature that does not verify stops the recovery; none given is reported not-checked', async () => {
    const { privateKey, statement, folder } = await opened();
    const other = exportFolderFromDataDir(copyOfDataDir(), Number(folderId));
    const swapped: FolderExport = {
      ...folder,
      signature: [...other.objects.values()].filter(
        (o): o is FolderExport => !(o instanceof Uint8Array),
      )[0]!.signature!,
    };
    await expect(recoverFolder({ folder: swapped, statement, privateKey })).rejects.toMatchObject({
      code: 'SIGNATURE_INVALID',
    });
    const { signature: _unused, ...unsigned } = folder;
    void _unused;
    const r = await recoverFolder({ folder: unsigned, statement, privateKey });
    expect(r.signatures['']).toBe('not-checked');
  });

  it('E2EE-RKEY-050: a body that fails its tag is listed as not recovered, no plaintext', async () => {
    const { privateKey, statement, folder } = await opened();
    const objects = new Map(folder.objects);
    for (const [id, o] of objects)
      if (o instanceof Uint8Array) {
        const bad = new Uint8Array(o);
        bad[0]! ^= 1;
        objects.set(id, bad);
      }
    const r = await recoverFolder({ folder: { ...folder, objects }, statement, privateKey });
    expect(r.files.map((f) => f.path)).toEqual(['notes/plan.md']);
    expect(r.failed).toEqual([
      expect.objectContaining({ path: 'report.txt', code: 'AEAD_TAG_MISMATCH' }),
    ]);
  });

  it('E2EE-RKEY-050: the wrap is opened with this folder id only (a copy under another id fails)', async () => {
    const { privateKey, statement, folder } = await opened();
    await expect(
      recoverFolder({
        folder: { ...folder, id: String(Number(folder.id) + 1) },
        statement,
        privateKey,
      }),
    ).rejects.toMatchObject({ code: 'KEY_UNWRAP_FAILED' });
  });
});
