/**
 * `sealfold pins list`: every pin of a pin file with its key fingerprint and whether the user
 * verified it (spec/03-certificates.md §4.2, E2EE-CERT-812, invariant K3).
 *
 * @module
 */
import { resolve } from 'node:path';
import { printJson, readInputBytes, requireString, type Command } from '../command.js';
import { LIMITS } from '../input.js';
import { FilePinStore, isPinVerified } from '../../reference/src/certs/index.js';

/**
 * A pin file given on the command line; a missing one is NOT_FOUND, never a new file, and one
 * larger than a pin file may be is refused before the store parses it.
 */
export function existingPinStore(cwd: string, file: string): FilePinStore {
  const path = resolve(cwd, file);
  readInputBytes(cwd, file, '--pins', LIMITS.json);
  return new FilePinStore(path);
}

export const command: Command = {
  name: ['pins', 'list'],
  summary: 'list the pins of a pin file: identity, key fingerprint, verified or not',
  usage: '--pins FILE [--json]',
  help: [
    'Prints one line per pin: the identity (user:ID or server:ID), the SHA-256 fingerprint of the',
    'pinned key, and "verified <time>" or "unverified". An unverified pin rests on first sight',
    'only: compare its fingerprint with its owner out of band, then run `sealfold pins verify`.',
    'A damaged pin file is INPUT_MALFORMED (exit 1); it is never reset.',
    '',
    'options:',
    '  --pins FILE  the pin file (as written by `cert verify --pins` or the reference client)',
    '  --json       print {"pins": [...]} with every field of each record',
  ].join('\n'),
  options: { pins: { type: 'string' } },
  async run(args, io) {
    const store = existingPinStore(io.cwd, requireString(args, 'pins'));
    const pins = (await store.list()).map(({ identity, record }) => ({
      identity,
      ...record,
      verified: isPinVerified(record),
    }));
    if (args.values.json === true) {
      printJson(io, { pins });
      return 0;
    }
    io.stdout(
      pins
        .map(
          (p) =>
            `${p.identity}  ${p.spkiSha256}  ${p.verified ? `verified ${p.verifiedAt}` : 'unverified'}\n`,
        )
        .join(''),
    );
    return 0;
  },
};
