/**
 * `sealfold file decrypt`: decrypts one file body (`ciphertext ‖ tag`) with the key, nonce and
 * tag from its metadata entry. OUT is written only when the tag verifies (E2EE-FILE-801): the
 * plaintext goes to a temporary file beside OUT that is renamed at the end, or removed on failure.
 *
 * @module
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { optionalString, printJson, requireString, UsageError, type Command } from '../command.js';
import { SealfoldError } from '../../reference/src/errors/index.js';
import { fromBase64 } from '../../reference/src/bytes/index.js';
import { decryptFileToPath, FILE_KEY_LENGTH } from '../../reference/src/files/index.js';

/** True when both paths name one file (the same path, or the same inode through a link). */
function sameFile(a: string, b: string): boolean {
  if (a === b) return true;
  const sa = statSync(a, { throwIfNoEntry: false });
  const sb = statSync(b, { throwIfNoEntry: false });
  return sa !== undefined && sb !== undefined && sa.dev === sb.dev && sa.ino === sb.ino;
}

export const command: Command = {
  name: ['file', 'decrypt'],
  summary: 'decrypt a file body (ciphertext‖tag) to OUT, written only if the tag verifies',
  usage: '--key B64 --nonce B64 [--tag B64] IN OUT',
  help: [
    'Decrypts the file body IN (AES-128-GCM, ciphertext followed by the 16-byte tag) into OUT.',
    'OUT is created only after the whole body authenticated (a temporary file beside it, renamed',
    'at the end); on any failure it is not created (or left unchanged) and the command exits 1',
    'with one line naming the error code. OUT may not be IN (usage error, exit 2).',
    '',
    'options:',
    '  --key B64    the 16-byte file key from the metadata entry (base64)',
    '  --nonce B64  the 12- or 16-byte nonce from the metadata entry (base64)',
    '  --tag B64    the authenticationTag from the metadata entry; must equal the body tail',
    '  --json       print {ok, size} as JSON',
  ].join('\n'),
  options: { key: { type: 'string' }, nonce: { type: 'string' }, tag: { type: 'string' } },
  allowPositionals: true,
  async run(args, io) {
    const keyText = requireString(args, 'key');
    const nonceText = requireString(args, 'nonce');
    const tagText = optionalString(args, 'tag');
    if (args.positionals.length !== 2) throw new UsageError('expected two paths: IN OUT');
    const [inPath, outPath] = args.positionals.map((p) => resolve(io.cwd, p)) as [string, string];
    // The plaintext would replace the ciphertext it is read from (by name or through a link).
    if (sameFile(inPath, outPath)) throw new UsageError('OUT is IN: give another output path');
    const key = fromBase64(keyText, '--key');
    if (key.length !== FILE_KEY_LENGTH) {
      throw new SealfoldError('INPUT_MALFORMED', `"--key" must be ${FILE_KEY_LENGTH} bytes`);
    }
    const nonce = fromBase64(nonceText, '--nonce');
    const tag = tagText === undefined ? undefined : fromBase64(tagText, '--tag');
    const { size } = await decryptFileToPath(inPath, outPath, { key, nonce, tag });
    if (args.values.json === true) printJson(io, { ok: true, size });
    else io.stdout(`decrypted ${size} bytes\n`);
    return 0;
  },
};
