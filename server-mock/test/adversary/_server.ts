/**
 * The mock server with its management API on a loopback port (real HTTP), and helpers to install
 * client attacks through `/__sealfold/attacks` exactly as a conformance check does.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig, MANAGEMENT_PREFIX } from '../../src/config.js';
import { memoryLogger } from '../../src/log.js';
import { startServer, type RunningServer } from '../../src/main.js';
import type { AttackEvidence, AttackInstall, InstalledAttack } from '../../src/adversary/index.js';

export interface AdversaryServer {
  readonly server: RunningServer;
  readonly url: string;
  /** What the server logged (request log off; attack and error lines). */
  readonly log: ReturnType<typeof memoryLogger>;
  /** Installs one attack; returns it as the server lists it. */
  install(a: AttackInstall): Promise<InstalledAttack>;
  /** Removes every installed attack. */
  clear(): Promise<void>;
  /** The evidence of every firing so far. */
  evidence(): Promise<AttackEvidence[]>;
  /** A raw management call (for refusals). */
  manage(method: string, path: string, body?: unknown): Promise<Response>;
  close(): Promise<void>;
}

/** Starts the mock with `users` (uid → password) and the management API. */
export async function startAdversary(
  users: Record<string, string>,
  opts: { transparencyLog?: string } = {},
): Promise<AdversaryServer> {
  const dir = mkdtempSync(join(tmpdir(), 'sealfold-adversary-'));
  const usersFile = join(dir, 'users.json');
  writeFileSync(
    usersFile,
    JSON.stringify({ users: Object.entries(users).map(([uid, password]) => ({ uid, password })) }),
  );
  const log = memoryLogger();
  const server = await startServer(
    parseConfig({
      port: 0,
      host: '127.0.0.1',
      management: true,
      usersFile,
      requestLog: false,
      ...(opts.transparencyLog !== undefined ? { transparencyLog: opts.transparencyLog } : {}),
    }),
    { log },
  );
  const manage = (method: string, path: string, body?: unknown) =>
    fetch(`${server.url}${MANAGEMENT_PREFIX}${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
  return {
    server,
    url: server.url,
    log,
    manage,
    async install(a) {
      const r = await manage('POST', '/attacks', a);
      if (r.status !== 201) throw new Error(`install ${a.attack}: ${r.status} ${await r.text()}`);
      return ((await r.json()) as { installed: InstalledAttack }).installed;
    },
    async clear() {
      const r = await manage('DELETE', '/attacks');
      if (r.status !== 200) throw new Error(`clear: ${r.status}`);
    },
    async evidence() {
      return ((await (await manage('GET', '/attacks')).json()) as { evidence: AttackEvidence[] })
        .evidence;
    },
    close: () => server.close(),
  };
}
