/**
 * A mock server with only the E2EE transaction routers mounted, three users (alice owns things,
 * bob receives shares, eve has no access), an injectable clock and optional persistence.
 */

import request from 'supertest';
import type express from 'express';
import { createApp } from '../../src/app.js';
import { parseConfig, type Profile } from '../../src/config.js';
import { MemoryStore, openStore, tree, users, type Store } from '../../src/store/index.js';
import { lockRouter } from '../../src/http/e2ee-lock.js';
import { metadataRouter } from '../../src/http/e2ee-metadata.js';
import { e2eePublicRouter } from '../../src/http/e2ee-public.js';
import type { Mount } from '../../src/http/routes.js';
import { webdavRouter } from '../../src/http/webdav.js';
import type { CaSigner } from '../../src/ca/signer.js';
import { e2eeOptions, rollbackStale, withE2ee, type E2eeContext } from '../../src/e2ee/index.js';
import type { Tx } from '../../src/store/index.js';

export const E2EE_ROUTES: readonly Mount[] = [
  { area: 'ocs', path: '/apps/end_to_end_encryption', router: e2eePublicRouter, summary: 'x' },
  { area: 'e2ee', path: '/', router: lockRouter, summary: 'lock' },
  { area: 'e2ee', path: '/', router: metadataRouter, summary: 'meta-data' },
  { area: 'root', path: '/', router: webdavRouter, summary: 'WebDAV' },
];

/** A desktop client user agent that passes the gate in both profiles. */
export const DESKTOP_UA = 'Mozilla/5.0 (Linux) mirall/3.13.0 (Nextcloud, linux)';

export const PASSWORD = 'correct horse battery';

const noCa = {} as CaSigner;

export interface TestServer {
  app: express.Express;
  store: Store;
  clock: { t: number; now(): number };
  profile: Profile;
  root(uid: string): number;
  mkdir(parent: number, name: string): number;
  putFile(parent: number, name: string, content?: string): number;
  share(folderId: number, recipient: string): void;
  linkShare(folderId: number, token: string, permissions: number): void;
  /** Runs `fn` with an engine context in one store transaction (stands in for WebDAV). */
  engine<R>(fn: (ctx: E2eeContext, tx: Tx) => R): R;
  /** Runs the stale-lock rollback as a request would. */
  rollback(): number[];
  /** OCS request as `uid` (JSON, OCS header, desktop UA). */
  ocs(method: 'get' | 'post' | 'put' | 'delete', path: string, uid?: string): request.Test;
  /** WebDAV request as `uid` on `/remote.php/dav/files/<uid><path>` (desktop UA). */
  dav(method: string, path: string, uid?: string): request.Test;
  /** Names below a folder, recursively (`/a`, `/a/b.e2e-to-save`, …). */
  dump(folderId: number): string[];
}

const BASE = '/ocs/v2.php/apps/end_to_end_encryption/api';

export function makeServer(
  profile: Profile,
  opts: { dataDir?: string; lockTtlSeconds?: number; store?: Store; clockStart?: number } = {},
): TestServer {
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
      for (const uid of ['alice', 'bob', 'eve'])
        users.createUser(tx, clock.t, { uid, password: PASSWORD });
    });
  }
  const app = createApp({ config, store, ca: noCa, clock, routes: E2EE_ROUTES });
  const sec = () => Math.floor(clock.t / 1000);
  const s: TestServer = {
    app,
    store,
    clock,
    profile,
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
    share: (folderId, recipient) =>
      store.transact((tx) => {
        const id = tx.nextId('shareId');
        tx.put('shares', String(id), {
          id,
          shareType: 0,
          owner: tree.getNode(tx, folderId)!.owner,
          nodeId: folderId,
          recipient,
          token: null,
          permissions: 31,
          mountName: `shared-${folderId}`,
          createdAt: clock.t,
        });
      }),
    linkShare: (folderId, token, permissions) =>
      store.transact((tx) => {
        const id = tx.nextId('shareId');
        tx.put('shares', String(id), {
          id,
          shareType: 3,
          owner: tree.getNode(tx, folderId)!.owner,
          nodeId: folderId,
          recipient: null,
          token,
          permissions,
          mountName: null,
          createdAt: clock.t,
        });
      }),
    engine: (fn) => withE2ee(store, e2eeOptions({ clock, config }), fn),
    rollback: () => rollbackStale(store, e2eeOptions({ clock, config })),
    ocs: (method, path, uid = 'alice') => {
      const agent = request(app);
      return agent[method](`${BASE}${path}${path.includes('?') ? '&' : '?'}format=json`)
        .set('OCS-APIRequest', 'true')
        .set('User-Agent', DESKTOP_UA)
        .auth(uid, PASSWORD);
    },
    dav: (method, path, uid = 'alice') => {
      const agent = request(app) as unknown as Record<string, (url: string) => request.Test>;
      const fn = agent[method.toLowerCase()];
      if (fn === undefined) throw new Error(`no supertest method ${method}`);
      return fn
        .call(agent, `/remote.php/dav/files/${uid}${path}`)
        .set('User-Agent', DESKTOP_UA)
        .auth(uid, PASSWORD);
    },
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
  return s;
}

/** Locks `id` over HTTP and returns the token (asserting success). */
export async function lock(
  s: TestServer,
  id: number,
  counter: number,
  uid = 'alice',
): Promise<string> {
  const res = await s.ocs('post', `/v2/lock/${id}`, uid).set('X-NC-E2EE-COUNTER', String(counter));
  if (res.status !== 200) throw new Error(`lock ${id} → ${res.status} ${res.text}`);
  return res.body.ocs.data['e2e-token'] as string;
}
