/**
 * A mock server with the WebDAV and share routers mounted, three users (alice owns things, bob
 * receives shares, eve sees nothing), an injectable clock, and helpers that drive the E2EE engine
 * directly (flag, lock, metadata, unlock) so WebDAV tests do not depend on the OCS routers.
 */
import request from 'supertest';
import type express from 'express';
import { createApp } from '../../src/app.js';
import { parseConfig, type Profile } from '../../src/config.js';
import { MemoryStore, tree, users, type Store } from '../../src/store/index.js';
import type { Mount } from '../../src/http/routes.js';
import type { CaSigner } from '../../src/ca/signer.js';
import { webdavRouter } from '../../src/http/webdav.js';
import { sharesRouter } from '../../src/http/shares.js';
import {
  e2eeOptions,
  lockFolder,
  postMetadata,
  setEncryptedFlag,
  unlockFolder,
  withE2ee,
  type E2eeContext,
} from '../../src/e2ee/index.js';
import type { Tx } from '../../src/store/index.js';

export const ROUTES: readonly Mount[] = [
  { area: 'root', path: '/', router: webdavRouter, summary: 'dav' },
  { area: 'ocs', path: '/apps/files_sharing/api/v1', router: sharesRouter, summary: 'shares' },
];

/** A desktop client user agent: an E2EE client in both profiles. */
export const DESKTOP_UA = 'Mozilla/5.0 (Linux) mirall/3.13.0 (Nextcloud, linux)';
/** A browser: not an E2EE client. */
export const BROWSER_UA = 'Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0';
export const PASSWORD = 'correct horse battery';
export const DAV = '/remote.php/dav/files';

/** The CA is not used by these routers; any use fails loudly. */
const noCa = new Proxy({} as CaSigner, {
  get: () => {
    throw new Error('the CA is not used by WebDAV or shares');
  },
});

const textParser = (res: NodeJS.ReadableStream, cb: (e: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
};

export type DavMethod =
  | 'propfind'
  | 'get'
  | 'head'
  | 'put'
  | 'mkcol'
  | 'delete'
  | 'move'
  | 'copy'
  | 'options'
  | 'proppatch'
  | 'lock';

export interface DavServer {
  app: express.Express;
  store: Store;
  profile: Profile;
  clock: { t: number; now(): number };
  root(uid: string): number;
  mkdir(parent: number, name: string): number;
  putFile(parent: number, name: string, content?: string): number;
  /** A request as `uid` with the desktop UA (body buffered into `res.body` as a Buffer). */
  dav(method: DavMethod, path: string, uid?: string, ua?: string): request.Test;
  engine<R>(fn: (ctx: E2eeContext, tx: Tx) => R): R;
  /** Creates `/name` for `uid`, sets the flag and commits metadata `doc` under a lock. */
  encryptedFolder(uid: string, name: string, doc?: string): number;
  lock(id: number, uid?: string): string;
  unlock(id: number, token: string, uid?: string, abort?: boolean): void;
  /** Names below a folder, recursively (`/a/`, `/a/b.e2e-to-save`). */
  dump(folderId: number): string[];
}

export function makeDavServer(profile: Profile): DavServer {
  const store = new MemoryStore();
  const clock = {
    t: 1_700_000_000_000,
    now() {
      return this.t;
    },
  };
  const config = parseConfig({ profile, requestLog: false });
  store.transact((tx) => {
    for (const uid of ['alice', 'bob', 'eve'])
      users.createUser(tx, clock.t, { uid, password: PASSWORD });
  });
  const app = createApp({ config, store, ca: noCa, clock, routes: ROUTES });
  const sec = () => Math.floor(clock.t / 1000);
  let counter = 1;
  const s: DavServer = {
    app,
    store,
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
    dav: (method, path, uid = 'alice', ua = DESKTOP_UA) => {
      const agent = request(app) as unknown as Record<DavMethod, (p: string) => request.Test>;
      const url = path.startsWith('/') ? path : `${DAV}/${uid}/${path}`;
      return agent[method](url)
        .auth(uid, PASSWORD)
        .set('User-Agent', ua)
        .buffer(true)
        .parse(textParser as unknown as Parameters<request.Test['parse']>[0]);
    },
    engine: (fn) => withE2ee(store, e2eeOptions({ clock, config }), fn),
    encryptedFolder: (uid, name, doc = '{"metadata":{"version":"2.0"}}') => {
      const id = s.mkdir(s.root(uid), name);
      s.engine((ctx) => setEncryptedFlag(ctx, uid, id));
      const token = s.lock(id, uid);
      s.engine((ctx) =>
        postMetadata(ctx, uid, id, { doc, token, signature: 'c2lnbmF0dXJl', api: 'v2' }),
      );
      s.unlock(id, token, uid);
      return id;
    },
    lock: (id, uid = 'alice') =>
      s.engine((ctx) =>
        lockFolder(ctx, uid, id, { token: '', counter: String(++counter), api: 'v2' }),
      ),
    unlock: (id, token, uid = 'alice', abort = false) =>
      void s.engine((ctx) => unlockFolder(ctx, uid, id, { token, abort, api: 'v2' })),
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

/** PROPFIND body asking for `props` (Clark-free: `d:getetag`, `nc:is-encrypted`, …). */
export function propfindBody(props: string[]): string {
  return `<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns" xmlns:nc="http://nextcloud.org/ns"><d:prop>${props
    .map((p) => `<${p}/>`)
    .join('')}</d:prop></d:propfind>`;
}
