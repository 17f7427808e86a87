/**
 * Wiring only: configuration → store → users file → CA signer → app → listening server.
 *
 * @module
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { ServerConfig } from './config.js';
import { openStore, type Store } from './store/index.js';
import type { CaSigner } from './ca/signer.js';
import { openSoftwareCa } from './ca/software.js';
import { createApp } from './app.js';
import { nullLogger, type Logger } from './log.js';
import { systemClock, type Clock } from './http/context.js';
import { loadUsersFile } from './users-file.js';
import { faultSwitches, type FaultSwitches } from './faults.js';

/** A started server. */
export interface RunningServer {
  /** Base URL, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  readonly port: number;
  readonly store: Store;
  readonly ca: CaSigner;
  /** The live fault switches (also reachable through the management API). */
  readonly faults: FaultSwitches;
  /** Stops accepting connections, snapshots the store and releases the CA. */
  close(): Promise<void>;
}

/** Opens the CA backend chosen by `config.ca`. */
export async function openCa(config: ServerConfig): Promise<CaSigner> {
  if (config.ca === 'software') return openSoftwareCa({ dataDir: config.dataDir });
  const { openSoftHsmCa } = await import('./ca/softhsm.js');
  return openSoftHsmCa({
    dir: config.dataDir === null ? undefined : join(config.dataDir, 'ca-softhsm'),
    userPin: config.hsmUserPin,
    soPin: config.hsmSoPin,
  });
}

/**
 * Starts the mock server.
 * @throws SealfoldError for a bad users file or an unusable CA; Error when the port is taken or
 *   the state journal is corrupt.
 */
export async function startServer(
  config: ServerConfig,
  opts: { log?: Logger; clock?: Clock; ca?: CaSigner } = {},
): Promise<RunningServer> {
  const log = opts.log ?? nullLogger;
  const clock = opts.clock ?? systemClock;
  const store = openStore(config.dataDir);
  let ca: CaSigner | undefined;
  try {
    if (config.usersFile !== null) loadUsersFile(config.usersFile, store, clock.now());
    ca = opts.ca ?? (await openCa(config));
    const faults = faultSwitches(config.faults);
    const app = createApp({ config, store, ca, clock, log, faults });
    const server: Server = createServer(app);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    const signer = ca;
    return {
      url: `http://${host}:${port}`,
      port,
      store,
      ca: signer,
      faults,
      close: async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        store.close();
        await signer.close();
      },
    };
  } catch (e) {
    store.close();
    await ca?.close();
    throw e;
  }
}
