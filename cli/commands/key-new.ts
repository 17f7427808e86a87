/**
 * `sealfold key new`: first-device enrolment without a server (spec/04-recovery.md §5,
 * E2EE-REC-033): a new RSA-2048 key pair, a 12-word mnemonic, a CSR with `CN=<user>`, and the
 * private key encrypted under the mnemonic in the wire form servers store.
 *
 * @module
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { printJson, requireString, type Command } from '../command.js';
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

/** Writes a secret file readable by its owner only (an existing file is replaced, not reused). */
function writeSecret(path: string, text: string): void {
  rmSync(path, { force: true });
  writeFileSync(path, text, { mode: 0o600, flag: 'wx' });
}

export const command: Command = {
  name: ['key', 'new'],
  summary: 'make a user key pair, mnemonic, CSR and encrypted private-key blob (first device)',
  usage: '--user ID --out DIR [--json]',
  help: [
    'Generates what a client makes on its first device and writes it to DIR (created if absent;',
    'existing files of these names are replaced):',
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
    '  --user ID   the user id (the CSR subject is CN=ID)',
    '  --out DIR   the output folder',
    '  --json      print the file paths and key fingerprint as JSON',
  ].join('\n'),
  options: {
    user: { type: 'string' },
    out: { type: 'string' },
  },
  async run(args, io) {
    const userId = requireString(args, 'user');
    const dir = resolve(io.cwd, requireString(args, 'out'));
    const e = await enrolUser({ userId });
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const files = {
      mnemonic: join(dir, KEY_FILES.mnemonic),
      privateKey: join(dir, KEY_FILES.privateKey),
      csr: join(dir, KEY_FILES.csr),
      blob: join(dir, KEY_FILES.blob),
    };
    // E2EE-REC-006 (MUST NOT, client): the mnemonic goes to its 0600 file only, never to output.
    writeSecret(files.mnemonic, e.mnemonic.join(' ') + '\n');
    writeSecret(files.privateKey, privateKeyToPem(e.pkcs8));
    writeFileSync(files.csr, e.csrPem);
    writeFileSync(files.blob, e.blob);
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
