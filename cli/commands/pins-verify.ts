/**
 * `sealfold pins verify`: marks a user's pin verified after the user compared its key fingerprint
 * with the owner out of band (spec/03-certificates.md §4.2, E2EE-CERT-813, E2EE-CERT-814, invariant K3).
 *
 * @module
 */
import { printJson, requireString, type Command } from '../command.js';
import { markPinVerified, pinIdentity } from '../../reference/src/certs/index.js';
import { existingPinStore } from './pins-list.js';

export const command: Command = {
  name: ['pins', 'verify'],
  summary: "mark a user's pin verified after comparing its key fingerprint out of band",
  usage: '--pins FILE --user ID --fingerprint SHA256 [--json]',
  help: [
    'Marks the pin of user ID verified when SHA256 (the key fingerprint the user got from its',
    'owner over another channel: 64 hex digits, any case, colons allowed) equals the pinned',
    "key's. Any other fingerprint is KEY_CHANGED and changes nothing: the key the client pinned",
    'is not the one its owner holds. No pin for ID is NOT_FOUND. A verified pin is enforced like',
    'any pin, and a re-pin to a new key is unverified again.',
    '',
    'options:',
    '  --pins FILE          the pin file',
    '  --user ID            the user whose pin to verify',
    '  --fingerprint SHA256 the key fingerprint the owner read out',
    '  --json               print the updated pin as JSON',
  ].join('\n'),
  options: {
    pins: { type: 'string' },
    user: { type: 'string' },
    fingerprint: { type: 'string' },
  },
  async run(args, io) {
    const store = existingPinStore(io.cwd, requireString(args, 'pins'));
    const identity = pinIdentity('user', requireString(args, 'user'));
    const record = await markPinVerified(store, identity, requireString(args, 'fingerprint'));
    if (args.values.json === true) {
      printJson(io, { ok: true, identity, ...record, verified: true });
    } else {
      io.stdout(`${identity}  ${record.spkiSha256}  verified ${record.verifiedAt}\n`);
    }
    return 0;
  },
};
