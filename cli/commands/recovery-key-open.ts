/**
 * `sealfold recovery-key open`: the recovery tool of spec/20-recovery-key.md §6. On the offline
 * machine, opens the recovery private key with the passphrase or M shares, checks the signed
 * policy against the anchor given on the command line, and recovers one top folder from a copy
 * of the server's data directory: metadata unwrapped with the folder's label, every signature it
 * has verified, every body authenticated, and exactly the recovered files written and listed.
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
} from '../command.js';
import { LIMITS } from '../input.js';
import { sha256Hex, wipe } from '../../reference/src/bytes/index.js';
import { openWithPassphrase, openWithShares } from '../../reference/src/recovery-key/index.js';
import { checkAnchor, parseStatement } from '../../reference/src/recovery-key/index.js';
import { recoverFolder } from '../../reference/src/recovery-key/index.js';
import { exportFolderFromDataDir } from '../../server-mock/src/recovery-key/export.js';
import { PASSPHRASE_OPTIONS, readPassphrase } from './_recovery-secret.js';

const HEX64 = /^[0-9a-f]{64}$/i;

export const command: Command = {
  name: ['recovery-key', 'open'],
  summary: "offline: open the recovery key (passphrase or M shares) and recover a folder's files",
  usage:
    '--key-file FILE (--passphrase-file FILE | --passphrase-env NAME | --passphrase-stdin | --share FILE…) --statement FILE (--signer-fingerprint HEX | --recovery-fingerprint HEX) --data-dir DIR --folder-id ID --out DIR [--json]',
  help: [
    'Recovers the top folder --folder-id from a copy of the server data directory --data-dir',
    'into --out. Only files whose metadata and body authenticate are written. The statement is',
    'checked against the anchor you give (the policy signer fingerprint the organisation',
    "distributed, or the recovery key fingerprint); the private key must be the policy's key.",
    '',
    'options:',
    '  --share FILE            a custodian share (repeat; at least the threshold)',
    '  --passphrase-file FILE | --passphrase-env NAME | --passphrase-stdin  (never on argv)',
  ].join('\n'),
  options: {
    'key-file': { type: 'string' },
    share: { type: 'string', multiple: true },
    statement: { type: 'string' },
    'signer-fingerprint': { type: 'string' },
    'recovery-fingerprint': { type: 'string' },
    'data-dir': { type: 'string' },
    'folder-id': { type: 'string' },
    out: { type: 'string' },
    ...PASSPHRASE_OPTIONS,
  },
  async run(args, io) {
    const keyFile = readInputText(
      io.cwd,
      requireString(args, 'key-file'),
      '--key-file',
      LIMITS.json,
    );
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
    const folderId = requireString(args, 'folder-id');
    if (!/^\d+$/.test(folderId)) throw new UsageError('--folder-id is a numeric file id');
    const dataDir = resolve(io.cwd, requireString(args, 'data-dir'));
    const out = resolve(io.cwd, requireString(args, 'out'));
    const shareFiles = (args.values.share as string[] | undefined) ?? [];
    const passphrase = await readPassphrase(args, io);
    if ((passphrase === undefined) === (shareFiles.length === 0))
      throw new UsageError('give exactly one of a passphrase option and --share files');

    // E2EE-RKEY-050 (MUST, client): the statement is verified against the given anchor first.
    const statement = parseStatement(statementText.trim());
    checkAnchor(statement, {
      ...(signer !== undefined ? { signerKeySha256: signer } : {}),
      ...(recoveryFp !== undefined ? { recoveryKeySha256: recoveryFp } : {}),
    });
    const privateKey =
      passphrase !== undefined
        ? openWithPassphrase(keyFile, passphrase)
        : await openWithShares(
            keyFile,
            shareFiles.map((f) => readInputText(io.cwd, f, '--share', LIMITS.json)),
          );
    let result;
    try {
      const folder = exportFolderFromDataDir(dataDir, Number(folderId));
      result = await recoverFolder({ folder, statement, privateKey });
    } finally {
      wipe(privateKey);
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
          `recovery key ${summary.recoveryKeySha256}`,
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
