/**
 * Reading the recovery passphrase for `sealfold recovery-key new|open` from a file, an
 * environment variable or standard input, never from the command line (E2EE-RKEY-003).
 *
 * @module
 */
import {
  readInputText,
  optionalString,
  UsageError,
  type CommandArgs,
  type CommandIo,
} from '../command.js';
import { LIMITS } from '../input.js';

/** The options every recovery-key command that takes a passphrase declares. */
export const PASSPHRASE_OPTIONS = {
  'passphrase-file': { type: 'string' },
  'passphrase-env': { type: 'string' },
  'passphrase-stdin': { type: 'boolean' },
} as const;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The passphrase, or undefined when none of the three options is given. */
export async function readPassphrase(
  args: CommandArgs,
  io: CommandIo,
): Promise<string | undefined> {
  const file = optionalString(args, 'passphrase-file');
  const env = optionalString(args, 'passphrase-env');
  const stdin = args.values['passphrase-stdin'] === true;
  const given = [file !== undefined, env !== undefined, stdin].filter(Boolean).length;
  if (given > 1)
    throw new UsageError(
      'give at most one of --passphrase-file, --passphrase-env, --passphrase-stdin',
    );
  let text: string | undefined;
  // E2EE-RKEY-003 (MUST, client): the passphrase never comes from argv.
  if (file !== undefined) text = readInputText(io.cwd, file, '--passphrase-file', LIMITS.token);
  else if (env !== undefined) {
    text = io.env?.[env];
    if (text === undefined) throw new UsageError(`the environment variable ${env} is not set`);
  } else if (stdin) text = await readStdin();
  return text?.replace(/\r?\n$/, '');
}
