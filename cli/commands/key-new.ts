/**
 * `sealfold key new`: first-device enrolment without a server (spec/04-recovery.md §5,
 * E2EE-REC-033): a new RSA-2048 key pair, a 12-word mnemonic, a CSR with `CN=<user>`, and the
 * private key encrypted under the mnemonic in the wire form servers store.
 *
 * @module
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { printJson, requireString, type Command } from '../command.js';
import { SealfoldError } from '../../reference/src/errors/index.js';
import { UID_RE } from '../../server-mock/src/store/users.js';
import { spkiFingerprint } from '../../reference/src/certs/index.js';
import { kdfName, WRITE_KDF } from '../../reference/src/keyblob/index.js';
import { privateKeyToPem } from '../../reference/src/keys/index.js';
import { enrolUser } from '../../reference/src/recovery/index.js';

/** The file names the README's main job relies on. */
export const KEY_FILES = {
  mnemonic: 'mnemonic.txt',
  privateKey: 'private-key.pem',
  csr: 'csr.pem',
  blob: 'private-key.blob',
} as const;

/** Writes a new secret file readable by its owner only; an existing file is EEXIST. */
function writeSecret(path: string, text: string): void {
  writeFileSync(path, text, { mode: 0o600, flag: 'wx' });
}

export const command: Command = {
  name: ['key', 'new'],
  summary: 'make a user key pair, mnemonic, CSR and encrypted private-key blob (first device)',
  usage: '--user ID --out DIR [--json]',
  help: [
    'Generates what a client makes on its first device and writes it to DIR (created if absent;',
    'if any of these files exists already, nothing is written and the command exits 1 with',
    'ALREADY_EXISTS: a key set is never replaced by accident):',
    '',
    `  ${KEY_FILES.mnemonic}       the 12-word mnemonic, one line (mode 0600; keep it secret)`,
    `  ${KEY_FILES.privateKey}    the private key, PKCS#8 PEM (mode 0600)`,
    `  ${KEY_FILES.csr}            the CSR with CN=<user>, for POST /public-key (form field csr)`,
    `  ${KEY_FILES.blob}   the encrypted private key in wire form, for POST /private-key`,
    '                     (form field privateKey): b64(ct‖tag)|b64(iv)|b64(salt),',
    '                     PBKDF2-HMAC-SHA256 600000, AES-256-GCM, 12-byte iv, 40-byte salt',
    '',
    'The mnemonic is never printed. Open the blob again with `sealfold key open`.',
    '',
    'options:',
    "  --user ID   the user id (the CSR subject is CN=ID): 1..64 of A-Z a-z 0-9 space _ . @ ' -,",
    '              the ids a Nextcloud server accepts; any other is INPUT_MALFORMED',
    '  --out DIR   the output folder',
    '  --json      print the file paths and key fingerprint as JSON',
  ].join('\n'),
  options: {
    user: { type: 'string' },
    out: { type: 'string' },
  },
  async run(args, io) {
    const userId = requireString(args, 'user');
    // A CSR for an id the server refuses would only fail later, at POST /public-key.
    if (!UID_RE.test(userId)) {
      throw new SealfoldError('INPUT_MALFORMED', "--user must be 1..64 of [A-Za-z0-9 _.@'-]");
    }
    const dir = resolve(io.cwd, requireString(args, 'out'));
    const files = {
      mnemonic: join(dir, KEY_FILES.mnemonic),
      privateKey: join(dir, KEY_FILES.privateKey),
      csr: join(dir, KEY_FILES.csr),
      blob: join(dir, KEY_FILES.blob),
    };
    // Checked before the key is made, so that a refusal leaves the folder as it was; the
    // exclusive writes below still refuse a file that appears in between.
    const existing = Object.values(files).filter((f) => existsSync(f));
    if (existing.length > 0) {
      throw new SealfoldError(
        'ALREADY_EXISTS',
        `${existing.join(', ')} exist${existing.length === 1 ? 's' : ''}: a key set is never replaced; choose another --out`,
      );
    }
    const e = await enrolUser({ userId });
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // E2EE-REC-006 (MUST NOT, client): the mnemonic goes to its 0600 file only, never to output.
    writeSecret(files.mnemonic, e.mnemonic.join(' ') + '\n');
    writeSecret(files.privateKey, privateKeyToPem(e.pkcs8));
    writeFileSync(files.csr, e.csrPem, { flag: 'wx' });
    writeFileSync(files.blob, e.blob, { flag: 'wx' });
    e.pkcs8.fill(0);
    const result = {
      ok: true,
      userId,
      files,
      kdf: kdfName(WRITE_KDF),
      spkiSha256: spkiFingerprint(e.spki),
    };
    if (args.values.json === true) {
      printJson(io, result);
    } else {
      io.stdout(
        [
          `user: ${userId}`,
          `key fingerprint: ${result.spkiSha256}`,
          `mnemonic:    ${files.mnemonic} (secret; not shown)`,
          `private key: ${files.privateKey}`,
          `csr:         ${files.csr}`,
          `blob:        ${files.blob} (${result.kdf})`,
          '',
        ].join('\n'),
      );
    }
    return 0;
  },
};
