/**
 * The options `sealfold recovery-key new|open --hsm` share: where the recovery token is (a
 * SoftHSM2 directory of its own, never the CA's) and its PINs, read from a file or an
 * environment variable, never from the command line (E2EE-RKEY-124).
 *
 * @module
 */
import { resolve } from 'node:path';
import {
  optionalString,
  readInputText,
  requireString,
  UsageError,
  type CommandArgs,
  type CommandIo,
} from '../command.js';
import { LIMITS } from '../input.js';
import type { RecoveryTokenOptions } from '../../server-mock/src/ca/recovery-token.js';

/** The options every `--hsm` command declares. */
export const HSM_OPTIONS = {
  hsm: { type: 'boolean' },
  'hsm-dir': { type: 'string' },
  'hsm-token-label': { type: 'string' },
  'hsm-library': { type: 'string' },
  'hsm-pin-file': { type: 'string' },
  'hsm-pin-env': { type: 'string' },
} as const;

/** The help lines for {@link HSM_OPTIONS}. */
export const HSM_HELP = [
  '  --hsm                   the recovery key lives in a PKCS#11 token (SoftHSM2), not in a file',
  '  --hsm-dir DIR           the token directory (softhsm2.conf, tokens/); never the CA’s',
  '  --hsm-token-label L     token label (default sealfold-recovery)',
  '  --hsm-library PATH      PKCS#11 module (default: the installed SoftHSM2)',
  '  --hsm-pin-file FILE | --hsm-pin-env NAME   the token user PIN (never on argv)',
];

/** A secret named by a `--X-file FILE` or `--X-env NAME` pair; undefined when neither is given. */
export function readSecretOption(
  args: CommandArgs,
  io: CommandIo,
  prefix: string,
): string | undefined {
  const file = optionalString(args, `${prefix}-file`);
  const env = optionalString(args, `${prefix}-env`);
  if (file !== undefined && env !== undefined)
    throw new UsageError(`give at most one of --${prefix}-file and --${prefix}-env`);
  let text: string | undefined;
  if (file !== undefined) text = readInputText(io.cwd, file, `--${prefix}-file`, LIMITS.token);
  else if (env !== undefined) {
    text = io.env?.[env];
    if (text === undefined) throw new UsageError(`the environment variable ${env} is not set`);
  }
  return text?.replace(/\r?\n$/, '');
}

/** The token options from `--hsm-*`, or undefined without `--hsm`. */
export function readHsmOptions(args: CommandArgs, io: CommandIo): RecoveryTokenOptions | undefined {
  if (args.values.hsm !== true) {
    for (const name of Object.keys(HSM_OPTIONS))
      if (name !== 'hsm' && args.values[name] !== undefined)
        throw new UsageError(`--${name} needs --hsm`);
    return undefined;
  }
  // E2EE-RKEY-124 (MUST, client): the token PIN never comes from argv.
  const userPin = readSecretOption(args, io, 'hsm-pin');
  if (userPin === undefined) throw new UsageError('--hsm needs --hsm-pin-file or --hsm-pin-env');
  const label = optionalString(args, 'hsm-token-label');
  const library = optionalString(args, 'hsm-library');
  return {
    dir: resolve(io.cwd, requireString(args, 'hsm-dir')),
    userPin,
    ...(label !== undefined ? { tokenLabel: label } : {}),
    ...(library !== undefined ? { library: resolve(io.cwd, library) } : {}),
  };
}
