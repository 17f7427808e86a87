/**
 * `sealfold log witness`: a transparency-log witness (spec/21 §6): cosigns a log's checkpoints
 * (c2sp.org/tlog-witness `add-checkpoint`) only after checking consistency with the last one it
 * cosigned, keeps that state in a file, and serves it at `latest` for client gossip.
 *
 * @module
 */
import { existsSync, mkdirSync } from 'node:fs';
import { LIMITS, readBoundedInput } from '../input.js';
import { dirname, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { requireString, UsageError, type Command } from '../command.js';
import { cosignerFromSeed } from '../../reference/src/log/index.js';
import { formatVerifierKey, parseVerifierKey } from '../../reference/src/log/index.js';
import { startWitness } from '../../server-mock/src/log-tree/witness-server.js';
import { writeFileAtomic } from '../../server-mock/src/store/index.js';
import { isSealfoldError } from '../../reference/src/errors/index.js';

/** Reads the 32-byte seed (64 hex digits) in `path`, creating it (mode 0600) when absent. */
function seedFile(path: string): Uint8Array {
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileAtomic(path, `${randomBytes(32).toString('hex')}\n`, 0o600);
  }
  const hex = Buffer.from(readBoundedInput('.', path, '--key-file', LIMITS.token))
    .toString('utf8')
    .trim();
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new UsageError(`--key-file ${path}: not 64 hex digits`);
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

export const command: Command = {
  name: ['log', 'witness'],
  summary: 'run a transparency-log witness that cosigns only consistent checkpoints',
  usage: '--name NAME --key-file FILE --log VKEY [--log VKEY]… --state FILE [--host H] [--port N]',
  help: [
    'Prints its base URL and its cosigner verifier key (type 0x04) on stdout, one per line, and',
    'runs until SIGINT or SIGTERM. Logs submit with POST <url>/add-checkpoint; clients gossip with',
    'GET <url>/latest?origin=ORIGIN. The state file is written before every cosignature.',
    '',
    'options:',
    '  --name NAME      the witness key name (a schema-less URL, e.g. witness.example/w1)',
    '  --key-file FILE  the witness seed (64 hex digits); created (0600) when absent',
    '  --log VKEY       a trusted log verifier key (repeatable); its name is the origin',
    '  --state FILE     the latest cosigned checkpoint per origin (JSON)',
    '  --host H         interface (default 127.0.0.1)   --port N   port (default 0: any free one)',
  ].join('\n'),
  options: {
    name: { type: 'string' },
    'key-file': { type: 'string' },
    log: { type: 'string', multiple: true },
    state: { type: 'string' },
    host: { type: 'string' },
    port: { type: 'string' },
  },
  async run(args, io) {
    const name = requireString(args, 'name');
    const seed = seedFile(resolve(io.cwd, requireString(args, 'key-file')));
    const vkeys = Array.isArray(args.values.log) ? args.values.log : [];
    if (vkeys.length === 0) throw new UsageError('at least one --log VKEY is required');
    let logs;
    let cosigner;
    try {
      logs = vkeys.map((v) => parseVerifierKey(v));
      cosigner = cosignerFromSeed(name, seed);
    } catch (e) {
      if (isSealfoldError(e)) throw new UsageError(e.message);
      throw e;
    }
    const port = Number(typeof args.values.port === 'string' ? args.values.port : '0');
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new UsageError('--port must be 0..65535');
    const stopped = new Promise<void>((done) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        done();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    const w = await startWitness({
      cosigner,
      logs,
      stateFile: resolve(io.cwd, requireString(args, 'state')),
      host: typeof args.values.host === 'string' ? args.values.host : '127.0.0.1',
      port,
    });
    io.stdout(`${w.url}\n${formatVerifierKey(cosigner.verifier)}\n`);
    await stopped;
    await w.close();
    return 0;
  },
};
