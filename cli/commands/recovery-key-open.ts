/**
 * `sealfold recovery-key open`: the recovery tool of spec/20-recovery-key.md §6. On the offline
 * machine, opens the recovery private key with the passphrase or M shares, checks the signed
 * policy against the anchor given on the command line, and recovers one top folder from a copy
 * of the server's data directory or through the server's HTTP API: metadata unwrapped with the
 * folder's label, every signature it has verified, every body authenticated, and exactly the
 * recovered files written and listed. With `--hsm` a PKCS#11 token holds the key (§2.1) and does
 * the RSA operation; no key file, passphrase or share is involved.
 *
 * @module
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import {
  optionalString,
  printJson,
  readInputText,
  requireString,
  UsageError,
  type Command,
  type CommandArgs,
  type CommandIo,
} from '../command.js';
import { LIMITS } from '../input.js';
import { sha256Hex, wipe } from '../../reference/src/bytes/index.js';
import { openWithPassphrase, openWithShares } from '../../reference/src/recovery-key/index.js';
import { checkAnchor, parseStatement } from '../../reference/src/recovery-key/index.js';
import { recoverFolder, type FolderExport } from '../../reference/src/recovery-key/index.js';
import { fetchFolderExport } from '../../reference/src/recovery-key/index.js';
import type { RecoveryStatement } from '../../reference/src/recovery-key/index.js';
import { SealfoldError } from '../../reference/src/errors/index.js';
import { exportFolderFromDataDir } from '../../server-mock/src/recovery-key/export.js';
import { openRecoveryToken } from '../../server-mock/src/ca/recovery-token.js';
import { PASSPHRASE_OPTIONS, readPassphrase } from './_recovery-secret.js';
import { HSM_HELP, HSM_OPTIONS, readHsmOptions, readSecretOption } from './_recovery-hsm.js';

/** Where the folder's stored bytes come from; printed so the output says what was read. */
type Source =
  | { kind: 'data-dir'; dir: string; folderId: string }
  | { kind: 'api'; server: string; user: string; path: string; folderId?: string };

function readSource(args: CommandArgs, io: CommandIo): Source {
  const dataDir = optionalString(args, 'data-dir');
  const server = optionalString(args, 'server');
  if ((dataDir === undefined) === (server === undefined))
    throw new UsageError('give exactly one of --data-dir and --server');
  const folderId = optionalString(args, 'folder-id');
  if (folderId !== undefined && !/^\d+$/.test(folderId))
    throw new UsageError('--folder-id is a numeric file id');
  if (dataDir !== undefined) {
    for (const name of ['user', 'folder-path', 'password-file', 'password-env'])
      if (args.values[name] !== undefined) throw new UsageError(`--${name} needs --server`);
    if (folderId === undefined) throw new UsageError('--data-dir needs --folder-id');
    return { kind: 'data-dir', dir: resolve(io.cwd, dataDir), folderId };
  }
  let url: URL;
  try {
    url = new URL(server!);
  } catch {
    throw new UsageError('--server must be a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UsageError('--server must be an http(s) URL');
  return {
    kind: 'api',
    server: server!.replace(/\/+$/, ''),
    user: requireString(args, 'user'),
    path: requireString(args, 'folder-path'),
    ...(folderId !== undefined ? { folderId } : {}),
  };
}

/** The account password for `--server`, from a file or the environment; kept out of `Source`. */
function readPassword(args: CommandArgs, io: CommandIo, source: Source): string | undefined {
  if (source.kind !== 'api') return undefined;
  // E2EE-RKEY-125 (MUST, client): the account password comes from a file or the environment.
  const password = readSecretOption(args, io, 'password');
  if (password === undefined)
    throw new UsageError('--server needs --password-file or --password-env');
  return password;
}

/** Reads the folder from its source; with the API, as `user` with `password`. */
async function loadFolder(source: Source, password: string | undefined): Promise<FolderExport> {
  if (source.kind === 'data-dir')
    return exportFolderFromDataDir(source.dir, Number(source.folderId));
  if (password === undefined) throw new TypeError('the API source needs the password');
  const ctx = { account: { baseUrl: source.server, userId: source.user, password } };
  // E2EE-RKEY-125 (MUST, client): everything the server serves is checked as from a data directory.
  const folder = await fetchFolderExport(ctx, source.path);
  if (source.folderId !== undefined && folder.id !== source.folderId)
    throw new SealfoldError(
      'NOT_FOUND',
      `the server's folder at ${source.path} has id ${folder.id}, not ${source.folderId}`,
    );
  return folder;
}

/** The recovery key opened by whichever secret was given; `close` wipes or logs out. */
async function openKey(
  args: CommandArgs,
  io: CommandIo,
  statement: RecoveryStatement,
): Promise<{
  use: { privateKey: Uint8Array } | { decrypter: Awaited<ReturnType<typeof openRecoveryToken>> };
  describe: string;
  close(): Promise<void>;
}> {
  const hsm = readHsmOptions(args, io);
  const keyFileName = optionalString(args, 'key-file');
  const shareFiles = (args.values.share as string[] | undefined) ?? [];
  const passphrase = await readPassphrase(args, io);
  if (hsm !== undefined) {
    if (keyFileName !== undefined || passphrase !== undefined || shareFiles.length > 0)
      throw new UsageError('--hsm excludes --key-file, a passphrase and shares');
    // E2EE-RKEY-123 (MUST, client): the token holding the policy's key does the RSA operation.
    const token = await openRecoveryToken(hsm, statement.policy.recoveryKeySha256);
    return {
      use: { decrypter: token },
      describe: `token "${hsm.tokenLabel ?? 'sealfold-recovery'}" in ${hsm.dir}`,
      close: () => token.close(),
    };
  }
  if (keyFileName === undefined) throw new UsageError('give --key-file, or --hsm');
  if ((passphrase === undefined) === (shareFiles.length === 0))
    throw new UsageError('give exactly one of a passphrase option and --share files');
  const keyFile = readInputText(io.cwd, keyFileName, '--key-file', LIMITS.json);
  const privateKey =
    passphrase !== undefined
      ? openWithPassphrase(keyFile, passphrase)
      : await openWithShares(
          keyFile,
          shareFiles.map((f) => readInputText(io.cwd, f, '--share', LIMITS.json)),
        );
  return {
    use: { privateKey },
    describe:
      passphrase !== undefined ? 'key file, passphrase' : `key file, ${shareFiles.length} shares`,
    close: async () => wipe(privateKey),
  };
}

const HEX64 = /^[0-9a-f]{64}$/i;

export const command: Command = {
  name: ['recovery-key', 'open'],
  summary: "offline: open the recovery key (passphrase or M shares) and recover a folder's files",
  usage:
    '(--key-file FILE (--passphrase-file FILE | --passphrase-env NAME | --passphrase-stdin | --share FILE…) | --hsm --hsm-dir DIR (--hsm-pin-file FILE | --hsm-pin-env NAME)) --statement FILE (--signer-fingerprint HEX | --recovery-fingerprint HEX) (--data-dir DIR --folder-id ID | --server URL --user UID (--password-file FILE | --password-env NAME) --folder-path PATH [--folder-id ID]) --out DIR [--json]',
  help: [
    'Recovers the top folder --folder-id from a copy of the server data directory --data-dir,',
    'or the folder at --folder-path fetched through the server API as --user, into --out.',
    'Only files whose metadata and body authenticate are written. The statement is',
    'checked against the anchor you give (the policy signer fingerprint the organisation',
    "distributed, or the recovery key fingerprint); the private key must be the policy's key.",
    '',
    'options:',
    '  --share FILE            a custodian share (repeat; at least the threshold)',
    '  --passphrase-file FILE | --passphrase-env NAME | --passphrase-stdin  (never on argv)',
    ...HSM_HELP,
    '  --server URL            fetch metadata, signatures and bodies through the HTTP API',
    '  --user UID --password-file FILE | --password-env NAME   the account that reads them',
    '  --folder-path PATH      the folder below the account root; --folder-id cross-checks it',
  ].join('\n'),
  options: {
    'key-file': { type: 'string' },
    share: { type: 'string', multiple: true },
    statement: { type: 'string' },
    'signer-fingerprint': { type: 'string' },
    'recovery-fingerprint': { type: 'string' },
    'data-dir': { type: 'string' },
    'folder-id': { type: 'string' },
    server: { type: 'string' },
    user: { type: 'string' },
    'password-file': { type: 'string' },
    'password-env': { type: 'string' },
    'folder-path': { type: 'string' },
    out: { type: 'string' },
    ...PASSPHRASE_OPTIONS,
    ...HSM_OPTIONS,
  },
  async run(args, io) {
    const statementText = readInputText(
      io.cwd,
      requireString(args, 'statement'),
      '--statement',
      LIMITS.json,
    );
    const signer = optionalString(args, 'signer-fingerprint');
    const recoveryFp = optionalString(args, 'recovery-fingerprint');
    if (signer === undefined && recoveryFp === undefined)
      throw new UsageError(
        'give --signer-fingerprint or --recovery-fingerprint (the trust anchor)',
      );
    for (const fp of [signer, recoveryFp])
      if (fp !== undefined && !HEX64.test(fp))
        throw new UsageError('a fingerprint is 64 hex digits');
    const source = readSource(args, io);
    const password = readPassword(args, io, source);
    const out = resolve(io.cwd, requireString(args, 'out'));

    // E2EE-RKEY-050 (MUST, client): the statement is verified against the given anchor first.
    const statement = parseStatement(statementText.trim());
    checkAnchor(statement, {
      ...(signer !== undefined ? { signerKeySha256: signer } : {}),
      ...(recoveryFp !== undefined ? { recoveryKeySha256: recoveryFp } : {}),
    });
    const key = await openKey(args, io, statement);
    let result;
    let folderId: string;
    try {
      const folder = await loadFolder(source, password);
      folderId = folder.id;
      result = await recoverFolder({ folder, statement, ...key.use });
    } finally {
      await key.close();
    }
    const written = result.files.map((f) => {
      const path = join(out, ...f.path.split('/'));
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      writeFileSync(path, f.content, { mode: 0o600 });
      return {
        path: f.path,
        bytes: f.content.length,
        sha256: sha256Hex(f.content),
        mimetype: f.mimetype,
      };
    });
    const summary = {
      ok: result.failed.length === 0,
      source: { ...source, folderId },
      key: key.describe,
      recoveryKeySha256: statement.policy.recoveryKeySha256,
      signatures: result.signatures,
      recovered: written,
      failed: result.failed,
      out,
    };
    // E2EE-RKEY-801, E2EE-RKEY-802 (MUST, client): exactly what was recovered, what was not,
    // what was verified.
    if (args.values.json === true) printJson(io, summary);
    else
      io.stdout(
        [
          source.kind === 'api'
            ? `source: ${source.server} as ${source.user}, /${source.path} (folder ${folderId})`
            : `source: data directory ${source.dir} (folder ${folderId})`,
          `recovery key ${summary.recoveryKeySha256} (${key.describe})`,
          ...Object.entries(result.signatures).map(
            ([p, s]) => `signature ${p === '' ? '/' : `/${p}`}: ${s}`,
          ),
          ...written.map((w) => `recovered /${w.path} (${w.bytes} bytes, sha256 ${w.sha256})`),
          ...result.failed.map((f) => `NOT recovered /${f.path}: ${f.code}`),
          '',
        ].join('\n'),
      );
    return summary.ok ? 0 : 1;
  },
};
