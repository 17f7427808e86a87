/**
 * The common base of the file-tree test servers (`e2ee/_server.ts`, `http/_dav.ts`): a store with
 * users alice, bob and eve (one password each), an injectable clock, an app with the given routes,
 * and helpers that build the tree and drive the E2EE engine directly.
 */
import type express from 'express';
import { createApp } from '../../src/app.js';
import { parseConfig, type Profile, type ServerConfig } from '../../src/config.js';
import { MemoryStore, openStore, tree, users, type Store, type Tx } from '../../src/store/index.js';
import type { Mount } from '../../src/http/routes.js';
import type { CaSigner } from '../../src/ca/signer.js';
import { e2eeOptions, rollbackStale, withE2ee, type E2eeContext } from '../../src/e2ee/index.js';

/** A desktop client user agent: an E2EE client in both profiles. */
export const DESKTOP_UA = 'Mozilla/5.0 (Linux) mirall/3.13.0 (Nextcloud, linux)';
/** The password of every user of a tree server. */
export const PASSWORD = 'correct horse battery';
/** The users of a tree server. */
export const TREE_USERS = ['alice', 'bob', 'eve'] as const;

/** The routers of these servers do not use the CA; any use fails loudly. */
const noCa = new Proxy({} as CaSigner, {
  get: () => {
    throw new Error('the CA is not used by these routers');
  },
});

export interface TreeServer {
  app: express.Express;
  store: Store;
  config: ServerConfig;
  profile: Profile;
  clock: { t: number; now(): number };
  root(uid: string): number;
  mkdir(parent: number, name: string): number;
  putFile(parent: number, name: string, content?: string): number;
  /** Runs `fn` with an engine context in one store transaction. */
  engine<R>(fn: (ctx: E2eeContext, tx: Tx) => R): R;
  /** Runs the stale-lock rollback as a request would. */
  rollback(): number[];
  /** Names below a folder, recursively (`/a/`, `/a/b.e2e-to-save`, …). */
  dump(folderId: number): string[];
}

export interface TreeServerOptions {
  /** An existing store (restart tests); users are created only when absent. */
  store?: Store;
  /** Persist in this directory instead of memory. */
  dataDir?: string;
  lockTtlSeconds?: number;
  clockStart?: number;
}

export function makeTreeServer(
  profile: Profile,
  routes: readonly Mount[],
  opts: TreeServerOptions = {},
): TreeServer {
  const store = opts.store ?? (opts.dataDir ? openStore(opts.dataDir) : new MemoryStore());
  const clock = {
    t: opts.clockStart ?? 1_700_000_000_000,
    now() {
      return this.t;
    },
  };
  const config = parseConfig({
    profile,
    requestLog: false,
    lockTtlSeconds: opts.lockTtlSeconds ?? 86400,
  });
  if (!store.get('users', 'alice')) {
    store.transact((tx) => {
      for (const uid of TREE_USERS) users.createUser(tx, clock.t, { uid, password: PASSWORD });
    });
  }
  const app = createApp({ config, store, ca: noCa, clock, routes });
  const sec = () => Math.floor(clock.t / 1000);
  return {
    app,
    store,
    config,
    profile,
    clock,
    root: (uid) => tree.userRoot(store, uid)!.id,
    mkdir: (parent, name) =>
      store.transact((tx) => tree.createNode(tx, sec(), { parent, name, kind: 'folder' }).id),
    putFile: (parent, name, content = 'x') =>
      store.transact(
        (tx) =>
          tree.createNode(tx, sec(), {
            parent,
            name,
            kind: 'file',
            content: new TextEncoder().encode(content),
          }).id,
      ),
    engine: (fn) => withE2ee(store, e2eeOptions({ clock, config }), fn),
    rollback: () => rollbackStale(store, e2eeOptions({ clock, config })),
    dump: (folderId) => {
      const out: string[] = [];
      const walk = (id: number, prefix: string): void => {
        for (const c of store.childrenOf(id)) {
          out.push(`${prefix}/${c.name}${c.kind === 'folder' ? '/' : ''}`);
          if (c.kind === 'folder') walk(c.id, `${prefix}/${c.name}`);
        }
      };
      walk(folderId, '');
      return out.sort();
    },
  };
}
