/**
 * `sealfold serve`: runs the mock Nextcloud E2EE server until SIGINT/SIGTERM.
 *
 * @module
 */
import type { Command } from '../command.js';
import { UsageError, optionalString, readInputBytes, readInputText } from '../command.js';
import { parseConfig, describeConfig, type ServerConfig } from '../../server-mock/src/config.js';
import { FAULT_NAMES } from '../../server-mock/src/faults.js';
import { startServer, type RunningServer } from '../../server-mock/src/main.js';
import { jsonLineLogger } from '../../server-mock/src/log.js';
import { isSealfoldError } from '../../reference/src/errors/index.js';
import { resolve } from 'node:path';
import { startedByNpx, watchLaunchers } from '../launcher-watch.js';
import { LIMITS } from '../input.js';

/**
 * What an operator needs to see at startup (E2EE-API-404): where it listens, where its state is,
 * who was created, whether the CA key is new, and the server-key fingerprint clients will pin.
 */
function startupLines(config: ServerConfig, server: RunningServer): string[] {
  const s = server.startup;
  const lines = [
    `listening on ${server.url} (pid ${process.pid})`,
    config.dataDir === null ? 'state in memory only' : `data directory ${config.dataDir}`,
    s.usersCreated.length === 0
      ? 'users created: none'
      : `users created: ${s.usersCreated.join(', ')}`,
    `CA key ${s.caKey === 'new' ? 'new (generated now)' : 'loaded'} (${config.ca})`,
    `server key sha256 ${s.serverKeySha256}`,
  ];
  // npm/npx do not forward SIGTERM; the server stops when npx ends (launcher-watch.ts).
  if (startedByNpx(process.env))
    lines.push(`started through npx: stops when npx ends; its own pid is ${process.pid}`);
  return lines;
}

export const command: Command = {
  name: ['serve'],
  summary: 'run the mock Nextcloud E2EE server (test use only)',
  usage:
    '[--host 127.0.0.1] [--port 8080] [--data-dir DIR] [--profile nc30|nc32|nc33] [--ca software|softhsm] [--users FILE] [--management [--management-remote --management-token-file FILE]] [--strict-serial] [--lock-ttl SECONDS] [--fault NAME]… [--quiet]',
  help: `Starts the mock server and prints its base URL on one line (stdout). It runs until SIGINT
or SIGTERM. Request logs (JSON lines, no bodies or secrets) go to stderr.

  --host HOST         interface to bind (default 127.0.0.1)
  --port N            TCP port; 0 picks a free one (default 8080)
  --data-dir DIR      keep state, audit log and CA key in DIR (default: in memory)
  --profile P         nc30 (Nextcloud 28-30, app 1.16) or nc32 (default)
  --ca B              software (default) or softhsm (SoftHSM2 via PKCS#11)
  --users FILE        create the users in FILE (spec/schemas/server-users.schema.json)
  --management        serve the management API under /__sealfold
  --management-token-file FILE
                      every management request must send the token in FILE (16+ characters)
                      in the X-Sealfold-Management-Token header
  --management-remote allow --management on a non-loopback --host (needs the token file)
  --strict-serial     issue random certificate serials instead of Nextcloud's 0
  --lock-ttl SECONDS  age after which stale folder locks are rolled back (default 86400)
  --transparency-log ORIGIN
                      keep a transparency log with this origin line (spec/21-transparency-log.md)
  --transparency-log-key K
                      software (default, noble), softhsm (a SoftHSM2 token of its own, CKM_EDDSA)
                      or auto (softhsm when available, else software)
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
    'management-remote': { type: 'boolean' },
    'management-token-file': { type: 'string' },
    'strict-serial': { type: 'boolean' },
    'lock-ttl': { type: 'string' },
    'transparency-log': { type: 'string' },
    'transparency-log-key': { type: 'string' },
    'hsm-pin': { type: 'string' },
    fault: { type: 'string', multiple: true },
    quiet: { type: 'boolean' },
  },
  async run(args, io) {
    const dataDir = optionalString(args, 'data-dir');
    const users = optionalString(args, 'users');
    const tokenFile = optionalString(args, 'management-token-file');
    // The token comes from a file: secrets never go in argv, where `ps` shows them.
    const managementToken =
      tokenFile === undefined
        ? null
        : readInputText(io.cwd, tokenFile, '--management-token-file', LIMITS.token).trim();
    // The server reads the users file itself; this read gives a missing, unreadable or oversized
    // file the same code and exit as every other input of the command line.
    if (users !== undefined) readInputBytes(io.cwd, users, '--users', LIMITS.json);
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
        managementRemote: args.values['management-remote'] === true,
        managementToken,
        strictSerial: args.values['strict-serial'] === true,
        lockTtlSeconds: optionalString(args, 'lock-ttl'),
        transparencyLog: optionalString(args, 'transparency-log') ?? null,
        transparencyLogKey: optionalString(args, 'transparency-log-key'),
        requestLog: args.values.quiet !== true,
        hsmUserPin: optionalString(args, 'hsm-pin'),
        faults: Array.isArray(args.values.fault) ? args.values.fault : [],
      });
    } catch (e) {
      if (isSealfoldError(e)) throw new UsageError(e.message.replace(/^server config: /, ''));
      throw e;
    }
    const log = jsonLineLogger(io.stderr);
    // The handlers are in place before the port opens: a script that sends SIGTERM as soon as the
    // port answers must find them (E2EE-API-832); a signal during startup stops the server as soon
    // as it has started.
    let unwatch = () => {};
    let stop = () => {};
    const stopped = new Promise<void>((done) => {
      stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        unwatch();
        done();
      };
      // E2EE-API-832 (MUST, server): SIGINT and SIGTERM close the port and release the directory.
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      // E2EE-API-833 (MUST, server): under npx, `kill` reaches npm only; its end stops the server.
      if (startedByNpx(process.env)) unwatch = watchLaunchers(stop);
    });
    let server: RunningServer;
    try {
      server = await startServer(config, { log });
    } catch (e) {
      // A server that did not start (a port in use, …) leaves no handler behind.
      stop();
      throw e;
    }
    for (const line of [...startupLines(config, server), ...describeConfig(config)])
      log.write({ type: 'startup', message: line });
    log.write({ type: 'startup', message: 'TEST SERVER: do not store real data' });
    io.stdout(server.url + '\n');
    await stopped;
    await server.close();
    return 0;
  },
};
