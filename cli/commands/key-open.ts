/**
 * `sealfold key open`: recovery on a new device (spec/04-recovery.md §5): decrypts a private-key
 * blob with the mnemonic and, with `--certificate`, proves that the key is the certificate's
 * (E2EE-REC-011, E2EE-REC-030, E2EE-REC-031).
 *
 * @module
 */
import {
  atMostOneStdin,
  optionalString,
  printJson,
  readInputText,
  requireString,
  UsageError,
  type Command,
} from '../command.js';
import { sha256Hex } from '../../reference/src/bytes/index.js';
import { decryptPrivateKey, kdfName } from '../../reference/src/keyblob/index.js';
import { privateKeyToPem, publicKeyOf } from '../../reference/src/keys/index.js';
import { recoverPrivateKey } from '../../reference/src/recovery/index.js';
import { LIMITS } from '../input.js';

export const command: Command = {
  name: ['key', 'open'],
  summary: 'decrypt a private-key blob with the mnemonic (and check it against the certificate)',
  usage:
    '--blob FILE (--mnemonic WORDS | --mnemonic-file FILE) [--certificate FILE --user ID [--server-key FILE]] [--json]',
  help: [
    'Decrypts the blob (the /private-key wire string) with the mnemonic, trying the three PBKDF2',
    'variants (HMAC-SHA256 600000; HMAC-SHA1 600000 and 1024, read only), and prints the private',
    'key as PKCS#8 PEM (64-character lines) on stdout. The blob file may end in a line break; nothing else is',
    'tolerated beyond the blob grammar.',
    '',
    'With --certificate and --user it also checks the certificate (CN = user; signed by the server',
    'key when --server-key is given) and that the private key is the certificate key: a key the',
    'certificate does not name is KEY_MISMATCH.',
    '',
    'A wrong mnemonic or a modified blob is exit 1 with one line (AEAD_TAG_MISMATCH) and nothing',
    'on stdout. The mnemonic is never echoed, not even in usage errors.',
    '',
    'options:',
    '  --blob FILE           the encrypted private key (b64(ct‖tag)|b64(iv)|b64(salt), or fA==)',
    '  --mnemonic WORDS      the 12 words, quoted as one argument (any case, any spacing)',
    '  --mnemonic-file FILE  read the mnemonic from FILE instead (keeps it out of the process list)',
    '  --certificate FILE    the user certificate (PEM) to check the key against',
    '  --user ID             the user id the certificate must name (required with --certificate)',
    '  --server-key FILE     the server public key (SPKI PEM) that must have signed the certificate',
    '  --json                print {ok, kdf, privateKeyPem, ...} as JSON',
  ].join('\n'),
  options: {
    blob: { type: 'string' },
    mnemonic: { type: 'string' },
    'mnemonic-file': { type: 'string' },
    certificate: { type: 'string' },
    user: { type: 'string' },
    'server-key': { type: 'string' },
  },
  // Positionals are accepted by the parser only to be refused here without echoing them: an
  // unquoted mnemonic would otherwise appear word for word in the parser's error (E2EE-REC-006).
  allowPositionals: true,
  async run(args, io) {
    if (args.positionals.length > 0) {
      throw new UsageError(
        `unexpected extra arguments (${args.positionals.length}); quote the mnemonic as one argument: --mnemonic "w1 w2 … w12"`,
      );
    }
    const blobFile = requireString(args, 'blob');
    const inline = optionalString(args, 'mnemonic');
    const mnemonicFile = optionalString(args, 'mnemonic-file');
    if ((inline === undefined) === (mnemonicFile === undefined)) {
      throw new UsageError('give exactly one of --mnemonic or --mnemonic-file');
    }
    const certFile = optionalString(args, 'certificate');
    const userId = optionalString(args, 'user');
    const serverKeyFile = optionalString(args, 'server-key');
    if ((certFile === undefined) !== (userId === undefined)) {
      throw new UsageError('--certificate and --user go together');
    }
    if (serverKeyFile !== undefined && certFile === undefined) {
      throw new UsageError('--server-key needs --certificate and --user');
    }
    atMostOneStdin(blobFile, mnemonicFile, certFile, serverKeyFile);
    // CLI tolerance: a trailing line break (or other trailing whitespace) of the blob file.
    const blob = readInputText(io.cwd, blobFile, '--blob', LIMITS.keyBlob).replace(/\s+$/, '');
    const mnemonic =
      inline ?? readInputText(io.cwd, mnemonicFile!, '--mnemonic-file', LIMITS.mnemonic);
    const opened =
      certFile === undefined
        ? await decryptPrivateKey(blob, mnemonic)
        : await recoverPrivateKey({
            blob,
            mnemonic,
            certificate: readInputText(io.cwd, certFile, '--certificate', LIMITS.certificate),
            userId: userId!,
            ...(serverKeyFile !== undefined && {
              serverPublicKey: readInputText(io.cwd, serverKeyFile, '--server-key', LIMITS.key),
            }),
          });
    // The canonical PEM (64-character lines), whatever line width the writer used.
    const pem = privateKeyToPem(opened.pkcs8);
    if (args.values.json === true) {
      printJson(io, {
        ok: true,
        kdf: kdfName(opened.kdf),
        pkcs8Sha256: sha256Hex(opened.pkcs8),
        spkiSha256: sha256Hex(publicKeyOf(opened.pkcs8)),
        certificateChecked: certFile !== undefined,
        serverKeyChecked: serverKeyFile !== undefined,
        privateKeyPem: pem,
      });
    } else {
      io.stdout(pem);
    }
    opened.pkcs8.fill(0);
    return 0;
  },
};
