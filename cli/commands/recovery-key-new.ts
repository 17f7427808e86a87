/**
 * `sealfold recovery-key new`: the offline key ceremony of spec/20-recovery-key.md §2–§3. Makes
 * the RSA-3072 recovery key, writes its private key only encrypted (passphrase and/or M-of-N
 * Shamir shares, one file per custodian), and signs the policy with the administrator's Ed25519
 * policy signing key. With `--hsm` the key pair is generated inside a PKCS#11 token of its own
 * instead (§2.1) and no private key file exists. Prints the two fingerprints the organisation
 * distributes outside the server: the policy signer's (the clients' trust anchor) and the
 * recovery key's.
 *
 * @module
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  optionalString,
  printJson,
  readInputText,
  requireString,
  UsageError,
  type Command,
} from '../command.js';
import { LIMITS } from '../input.js';
import { sha256Hex } from '../../reference/src/bytes/index.js';
import { newRecoveryKey, SCRYPT_DEFAULT_N } from '../../reference/src/recovery-key/index.js';
import { signStatement } from '../../reference/src/recovery-key/index.js';
import { PASSPHRASE_OPTIONS, readPassphrase } from './_recovery-secret.js';
import { HSM_HELP, HSM_OPTIONS, readHsmOptions, readSecretOption } from './_recovery-hsm.js';
import { generateRecoveryKeyInToken } from '../../server-mock/src/ca/recovery-token.js';

export const RECOVERY_FILES = {
  keyFile: 'recovery-key.enc.json',
  statement: 'recovery-statement.json',
  signingKey: 'policy-signing-key.pem',
  share: (i: number) => `share-${i}.json`,
} as const;

function writeSecret(path: string, text: string): void {
  rmSync(path, { force: true });
  writeFileSync(path, text, { mode: 0o600, flag: 'wx' });
}

function intOption(v: string | undefined, name: string, min: number): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min)
    throw new UsageError(`--${name} must be an integer ≥ ${min}`);
  return Number(v);
}

export const command: Command = {
  name: ['recovery-key', 'new'],
  summary: 'offline: make the administrator recovery key, its shares and the signed policy',
  usage:
    '--out DIR (--signing-key FILE | --new-signing-key) --issuer TEXT --purpose TEXT [--users a,b|*] [--serial N] [--not-before TIME] [--retired] (--passphrase-file FILE | --passphrase-env NAME | --passphrase-stdin) [--shares N --threshold M] [--hsm --hsm-dir DIR (--hsm-pin-file FILE | --hsm-pin-env NAME) [--hsm-so-pin-file FILE | --hsm-so-pin-env NAME] [--hsm-key-label L]] [--json]',
  help: [
    'Run on an offline machine. Writes to DIR:',
    '',
    `  ${RECOVERY_FILES.keyFile}   the recovery private key, AES-256-GCM under a random unlock key`,
    '                          that a passphrase (scrypt) and/or M of N shares recover (0600)',
    `  ${RECOVERY_FILES.share(1)} …            one Shamir share of the unlock key per custodian (0600)`,
    `  ${RECOVERY_FILES.statement} the signed policy to enable on the server (public)`,
    `  ${RECOVERY_FILES.signingKey}  with --new-signing-key: a new Ed25519 policy signing key (0600)`,
    '',
    'Distribute the printed policy-signer fingerprint to clients outside the server (it is their',
    'trust anchor). To rotate or retire, run again with a higher --serial (and --retired), signed',
    'with the same key; keep the old private key while folders still carry wraps to it.',
    '',
    'options:',
    '  --signing-key FILE      the Ed25519 policy signing key (PKCS#8 PEM)',
    '  --new-signing-key       make one and write it to DIR',
    '  --users LIST            comma-separated user ids the policy covers, or * (default *)',
    '  --passphrase-file FILE | --passphrase-env NAME | --passphrase-stdin  (never on argv)',
    '  --shares N --threshold M   split the unlock key M-of-N (shamir-secret-sharing 0.0.4)',
    ...HSM_HELP,
    '  --hsm-so-pin-file FILE | --hsm-so-pin-env NAME   SO PIN, to initialise a new token',
    '  --hsm-key-label L       label of the new key pair (default sealfold-recovery-key)',
    '  With --hsm there is no key file, passphrase or share: the token and its PIN open the key.',
  ].join('\n'),
  options: {
    out: { type: 'string' },
    'signing-key': { type: 'string' },
    'new-signing-key': { type: 'boolean' },
    issuer: { type: 'string' },
    purpose: { type: 'string' },
    users: { type: 'string' },
    serial: { type: 'string' },
    'not-before': { type: 'string' },
    retired: { type: 'boolean' },
    shares: { type: 'string' },
    threshold: { type: 'string' },
    'scrypt-n': { type: 'string' },
    ...PASSPHRASE_OPTIONS,
    ...HSM_OPTIONS,
    'hsm-so-pin-file': { type: 'string' },
    'hsm-so-pin-env': { type: 'string' },
    'hsm-key-label': { type: 'string' },
  },
  async run(args, io) {
    const dir = resolve(io.cwd, requireString(args, 'out'));
    const issuer = requireString(args, 'issuer');
    const purpose = requireString(args, 'purpose');
    const signingFile = optionalString(args, 'signing-key');
    const makeSigning = args.values['new-signing-key'] === true;
    if ((signingFile === undefined) === !makeSigning)
      throw new UsageError('give exactly one of --signing-key and --new-signing-key');
    const count = intOption(optionalString(args, 'shares'), 'shares', 2);
    const threshold = intOption(optionalString(args, 'threshold'), 'threshold', 2);
    if ((count === undefined) !== (threshold === undefined))
      throw new UsageError('--shares and --threshold go together');
    const passphrase = await readPassphrase(args, io);
    const hsm = readHsmOptions(args, io);
    const soPin = readSecretOption(args, io, 'hsm-so-pin');
    const keyLabel = optionalString(args, 'hsm-key-label');
    if (hsm === undefined && (soPin !== undefined || keyLabel !== undefined))
      throw new UsageError('--hsm-so-pin-* and --hsm-key-label need --hsm');
    if (hsm !== undefined && (passphrase !== undefined || count !== undefined))
      throw new UsageError('--hsm excludes a passphrase and shares: the token holds the key');
    if (hsm === undefined && passphrase === undefined && count === undefined)
      throw new UsageError('give a passphrase option, --shares/--threshold, or both');
    const serial = intOption(optionalString(args, 'serial'), 'serial', 1) ?? 1;
    const notBefore =
      optionalString(args, 'not-before') ?? new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const users = (optionalString(args, 'users') ?? '*')
      .split(',')
      .map((u) => u.trim())
      .filter(Boolean);

    let signing: KeyObject;
    if (makeSigning) signing = generateKeyPairSync('ed25519').privateKey;
    else
      signing = createPrivateKey(readInputText(io.cwd, signingFile!, '--signing-key', LIMITS.key));
    const scryptN = intOption(optionalString(args, 'scrypt-n'), 'scrypt-n', 1) ?? SCRYPT_DEFAULT_N;
    const made =
      hsm !== undefined
        ? {
            // E2EE-RKEY-120 (MUST, client): the key pair is generated inside the token.
            ...(await generateRecoveryKeyInToken({
              ...hsm,
              ...(soPin !== undefined ? { soPin } : {}),
              ...(keyLabel !== undefined ? { keyLabel } : {}),
            })),
            keyFile: undefined,
            shares: [] as readonly string[],
          }
        : await newRecoveryKey({
            ...(passphrase !== undefined ? { passphrase } : {}),
            ...(count !== undefined ? { shares: { count, threshold: threshold! } } : {}),
            scryptN,
          });
    const statement = signStatement(
      {
        issuer,
        notBefore,
        purpose,
        recoveryKey: made.publicKey,
        recoveryKeySha256: made.recoveryKeySha256,
        scopeUsers: users,
        serial,
        status: args.values.retired === true ? 'retired' : 'active',
      },
      signing,
    );
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const files: Record<string, string> = { statement: join(dir, RECOVERY_FILES.statement) };
    if (made.keyFile !== undefined) {
      files.keyFile = join(dir, RECOVERY_FILES.keyFile);
      // E2EE-RKEY-001 (MUST, client): the private key is written only encrypted.
      writeSecret(files.keyFile, made.keyFile);
    }
    writeFileSync(files.statement!, statement);
    made.shares.forEach((s, i) => writeSecret(join(dir, RECOVERY_FILES.share(i + 1)), s + '\n'));
    if (makeSigning) {
      files.signingKey = join(dir, RECOVERY_FILES.signingKey);
      writeSecret(files.signingKey, signing.export({ format: 'pem', type: 'pkcs8' }).toString());
    }
    const signerKeySha256 = sha256Hex(
      new Uint8Array(createPublicKey(signing).export({ format: 'der', type: 'spki' })),
    );
    const result = {
      ok: true,
      recoveryKeySha256: made.recoveryKeySha256,
      signerKeySha256,
      serial,
      shares: made.shares.length,
      threshold: threshold ?? null,
      hsm:
        'tokenLabel' in made
          ? { dir: hsm!.dir, tokenLabel: made.tokenLabel, keyLabel: made.keyLabel }
          : null,
      files,
    };
    if (args.values.json === true) printJson(io, result);
    else
      io.stdout(
        [
          `recovery key fingerprint:  ${made.recoveryKeySha256}`,
          `policy signer fingerprint: ${signerKeySha256}  (the clients' trust anchor)`,
          `policy serial ${serial}, users ${users.join(',')}`,
          'tokenLabel' in made
            ? `private key: in token "${made.tokenLabel}" as "${made.keyLabel}" (non-extractable)`
            : `private key: ${files.keyFile} (encrypted)`,
          ...(count !== undefined ? [`shares: ${count} files, any ${threshold} open the key`] : []),
          `statement:   ${files.statement} (enable it on the server)`,
          '',
        ].join('\n'),
      );
    return 0;
  },
};
