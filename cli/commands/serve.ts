/**
 * `sealfold serve`: runs the mock Nextcloud E2EE server until SIGINT/SIGTERM.
 *
 * @module
 */
import type { Command } from '../command.js';
import { UsageError, optionalString } from '../command.js';
import { parseConfig, describeConfig } from '../../server-mock/src/config.js';
import { FAULT_NAMES } from '../../server-mock/src/faults.js';
import { startServer } from '../../server-mock/src/main.js';
import { jsonLineLogger } from '../../server-mock/src/log.js';
import { isSealfoldError } from '../../reference/src/errors/index.js';
import { resolve } from 'node:path';

export const command: Command = {
  name: ['serve'],
  summary: 'run the mock Nextcloud E2EE server (test use only)',
  usage:
    '[--host 127.0.0.1] [--port 8080] [--data-dir DIR] [--profile nc30|nc32] [--ca software|softhsm] [--users FILE] [--management] [--strict-serial] [--lock-ttl SECONDS] [--fault NAME]… [--quiet]',
  help: `Starts the mock server and prints its base URL on one line (stdout). It runs until SIGINT
or SIGTERM. Request logs (JSON lines, no bodies or secrets) go to stderr.

  --host HOST         interface to bind (default 127.0.0.1)
  --port N            TCP port; 0 picks a free one (default 8080)
  --data-dir DIR      keep state, audit log and CA key in DIR (default: in memory)
  --profile P         nc30 (Nextcloud 28-30, app 1.16) or nc32 (default)
  --ca B              software (default) or softhsm (SoftHSM2 via PKCS#11)
  --users FILE        create the users in FILE (spec/schemas/server-users.schema.json)
  --management        serve the management API under /__sealfold
  --strict-serial     issue random certificate serials instead of Nextcloud's 0
  --lock-ttl SECONDS  age after which stale folder locks are rolled back (default 86400)
  --hsm-pin PIN       SoftHSM user PIN (default 1234, a published test PIN)
  --fault NAME        turn on a fault switch (repeatable): deliberate misbehaviour that breaks
                      one requirement, for conformance tests; every switch is named at start
                      (${FAULT_NAMES.join(', ')})
  --quiet             no request log
`,
  options: {
    host: { type: 'string' },
    port: { type: 'string' },
    'data-dir': { type: 'string' },
    profile: { type: 'string' },
    ca: { type: 'string' },
    users: { type: 'string' },
    management: { type: 'boolean' },
    'strict-serial': { type: 'boolean' },
    'lock-ttl': { type: 'string' },
    'hsm-pin': { type: 'string' },
    fault: { type: 'string', multiple: true },
    quiet: { type: 'boolean' },
  },
  async run(args, io) {
    const dataDir = optionalString(args, 'data-dir');
    const users = optionalString(args, 'users');
    let config;
    try {
      config = parseConfig({
        host: optionalString(args, 'host'),
        port: optionalString(args, 'port') ?? '8080',
        dataDir: dataDir === undefined ? null : resolve(io.cwd, dataDir),
        profile: optionalString(args, 'profile'),
        ca: optionalString(args, 'ca'),
        usersFile: users === undefined ? null : resolve(io.cwd, users),
        management: args.values.management === true,
        strictSerial: args.values['strict-serial'] === true,
        lockTtlSeconds: optionalString(args, 'lock-ttl'),
        requestLog: args.values.quiet !== true,
        hsmUserPin: optionalString(args, 'hsm-pin'),
        faults: Array.isArray(args.values.fault) ? args.values.fault : [],
      });
    } catch (e) {
      if (isSealfoldError(e)) throw new UsageError(e.message.replace(/^server config: /, ''));
      throw e;
    }
    const log = jsonLineLogger(io.stderr);
    const server = await startServer(config, { log });
    for (const line of describeConfig(config)) log.write({ type: 'startup', message: line });
    log.write({ type: 'startup', message: 'TEST SERVER: do not store real data' });
    io.stdout(server.url + '\n');
    await new Promise<void>((done) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        done();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    await server.close();
    return 0;
  },
};
