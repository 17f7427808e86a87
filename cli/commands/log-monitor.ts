/**
 * `sealfold log monitor`: follows a server's transparency log from the state it stored last time,
 * verifies every new checkpoint as a client does (E2EE-LOG-060, 061) and prints every key entry,
 * marking a certificate logged for a watched user that is not one they expect (E2EE-LOG-070): a
 * key substituted for them. Exit 1 when such a key was found, 0 otherwise.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { printJson, readInputText, requireString, UsageError, type Command } from '../command.js';
import { LIMITS } from '../input.js';
import { parseVerifierKey } from '../../reference/src/log/index.js';
import { followLog } from '../../reference/src/log/index.js';
import { newLogTrust, type LogTrust } from '../../reference/src/log/index.js';
import { httpLogSource } from '../../reference/src/log/index.js';
import { writeFileAtomic } from '../../server-mock/src/store/index.js';

export const command: Command = {
  name: ['log', 'monitor'],
  summary: "follow a server's transparency log and report every key change per user",
  usage:
    '--server URL --user UID --password-file FILE --log-key VKEY --state FILE [--expect UID=SHA256]… [--path /sealfold-log] [--json]',
  help: [
    'One pass: reads the log from where --state left off (the whole log the first time), checks',
    'that it extends the stored tree, prints one line per key entry (index, user, certificate',
    'SHA-256 or "deleted", and UNEXPECTED for a watched user whose certificate is not expected),',
    'then stores the new state. A log that does not extend the stored state is LOG_INCONSISTENT.',
    '',
    'options:',
    '  --server URL          the server base URL',
    '  --user UID            the account that reads the log; --password-file FILE its password',
    '  --log-key VKEY        the pinned log verifier key (its name is the origin)',
    '  --state FILE          the monitor state (JSON), created when absent',
    '  --expect UID=SHA256   a watched user and one certificate hash it expects (repeatable)',
  ].join('\n'),
  options: {
    server: { type: 'string' },
    user: { type: 'string' },
    'password-file': { type: 'string' },
    'log-key': { type: 'string' },
    state: { type: 'string' },
    expect: { type: 'string', multiple: true },
    path: { type: 'string' },
  },
  async run(args, io) {
    const password = readInputText(
      io.cwd,
      requireString(args, 'password-file'),
      '--password-file',
      LIMITS.token,
    ).trim();
    const logKey = parseVerifierKey(requireString(args, 'log-key'));
    const statePath = resolve(io.cwd, requireString(args, 'state'));
    const expected: Record<string, string[]> = {};
    for (const e of Array.isArray(args.values.expect) ? args.values.expect : []) {
      const m = /^([^=]+)=([0-9a-f]{64})$/.exec(e);
      if (m === null)
        throw new UsageError(`--expect ${e}: expected UID=SHA256 (64 lowercase hex digits)`);
      (expected[m[1]!] ??= []).push(m[2]!);
    }
    const before: LogTrust = existsSync(statePath)
      ? (JSON.parse(readInputText(io.cwd, statePath, '--state', LIMITS.json)) as LogTrust)
      : newLogTrust(logKey.name);
    const ctx = {
      account: {
        baseUrl: requireString(args, 'server').replace(/\/$/, ''),
        userId: requireString(args, 'user'),
        password,
      },
    };
    const path = typeof args.values.path === 'string' ? args.values.path : '/sealfold-log';
    const r = await followLog(before, { source: httpLogSource(ctx, path), logKey, expected });
    writeFileAtomic(statePath, JSON.stringify(r.trust), 0o600);
    const unexpected = r.keyEvents.some((e) => e.unexpected);
    if (args.values.json === true) printJson(io, { size: r.trust.size, keyEvents: r.keyEvents });
    else
      io.stdout(
        r.keyEvents
          .map(
            (e) =>
              `${e.index}  ${e.userId}  ${e.certificateHash ?? 'deleted'}${e.unexpected ? '  UNEXPECTED' : ''}\n`,
          )
          .join('') + `log size ${r.trust.size}\n`,
      );
    return unexpected ? 1 : 0;
  },
};
