/**
 * A witness as an HTTP service (c2sp.org/tlog-witness `add-checkpoint`, plus the Sealfold
 * `latest` gossip resource, spec/21 §6): one cosigning key, the trusted log keys, and its state
 * (the latest cosigned checkpoint per origin) in a JSON file written atomically before every 200
 * answer (E2EE-LOG-806), or in memory. Binds loopback by default; `close()` stops it.
 *
 * @module
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import type { NoteVerifier } from '../../../reference/src/log/index.js';
import type { Cosigner } from '../../../reference/src/log/index.js';
import {
  addCheckpoint,
  latestCheckpoint,
  type WitnessState,
} from '../../../reference/src/log/index.js';
import { writeFileAtomic } from '../store/index.js';

/** Largest request body accepted (a checkpoint, 63 proof lines and a few signatures). */
const MAX_BODY = 64 * 1024;

export interface WitnessServerOptions {
  cosigner: Cosigner;
  logs: readonly NoteVerifier[];
  /** JSON state file; null keeps the state in memory. */
  stateFile: string | null;
  host?: string;
  port?: number;
  /** Seconds since the epoch; default the wall clock. */
  now?: () => number;
}

export interface RunningWitness {
  url: string;
  state(): WitnessState;
  close(): Promise<void>;
}

export async function startWitness(opts: WitnessServerOptions): Promise<RunningWitness> {
  let state: WitnessState =
    opts.stateFile !== null && existsSync(opts.stateFile)
      ? (JSON.parse(readFileSync(opts.stateFile, 'utf8')) as WitnessState)
      : {};
  const now = opts.now ?? (() => Math.floor(Date.now() / 1000));
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://witness');
    const reply = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'Content-Type': type });
      res.end(body);
    };
    if (req.method === 'GET' && url.pathname === '/latest') {
      // E2EE-LOG-053 (MUST, both): exactly the checkpoint last recorded, with the cosignature.
      const note = latestCheckpoint(state, url.searchParams.get('origin') ?? '');
      return note === null
        ? reply(404, 'text/plain', 'none\n')
        : reply(200, 'text/plain; charset=utf-8', note);
    }
    if (req.method !== 'POST' || url.pathname !== '/add-checkpoint')
      return reply(404, 'text/plain', 'not found\n');
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) req.destroy();
      else chunks.push(c);
    });
    req.on('end', () => {
      const a = addCheckpoint(state, new Uint8Array(Buffer.concat(chunks)), {
        logs: opts.logs,
        cosigner: opts.cosigner,
        now: now(),
      });
      if (a.status === 200) {
        // E2EE-LOG-806 (MUST, both): the new state is durable before the cosignature leaves.
        if (opts.stateFile !== null) writeFileAtomic(opts.stateFile, JSON.stringify(a.state));
        state = a.state;
      }
      reply(a.status, a.contentType, a.body);
    });
  });
  await new Promise<void>((ok) => server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${opts.host ?? '127.0.0.1'}:${port}`,
    state: () => state,
    close: () =>
      new Promise<void>((ok, fail) => {
        server.closeAllConnections();
        server.close((e) => (e ? fail(e) : ok()));
      }),
  };
}
