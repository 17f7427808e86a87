/**
 * A mock server with the WebDAV and share routers mounted, three users (alice owns things, bob
 * receives shares, eve sees nothing), an injectable clock, and helpers that drive the E2EE engine
 * directly (flag, lock, metadata, unlock) so WebDAV tests do not depend on the OCS routers.
 */
import request from 'supertest';
import type { Profile } from '../../src/config.js';
import type { Mount } from '../../src/http/routes.js';
import { webdavRouter } from '../../src/http/dav/router.js';
import { sharesRouter } from '../../src/http/ocs/shares.js';
import { lockFolder, postMetadata, setEncryptedFlag, unlockFolder } from '../../src/e2ee/index.js';
import { DESKTOP_UA, PASSWORD, makeTreeServer, type TreeServer } from '../_support/tree-server.js';

export { DESKTOP_UA, PASSWORD } from '../_support/tree-server.js';

export const ROUTES: readonly Mount[] = [
  { area: 'root', path: '/', router: webdavRouter, summary: 'dav' },
  { area: 'ocs', path: '/apps/files_sharing/api/v1', router: sharesRouter, summary: 'shares' },
];

/** A browser: not an E2EE client. */
export const BROWSER_UA = 'Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0';
export const DAV = '/remote.php/dav/files';

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

export interface DavServer extends TreeServer {
  /** A request as `uid` with the desktop UA (body buffered into `res.body` as a Buffer). */
  dav(method: DavMethod, path: string, uid?: string, ua?: string): request.Test;
  /** Creates `/name` for `uid`, sets the flag and commits metadata `doc` under a lock. */
  encryptedFolder(uid: string, name: string, doc?: string): number;
  lock(id: number, uid?: string): string;
  unlock(id: number, token: string, uid?: string, abort?: boolean): void;
}

/** A request on `app` as `uid` with user agent `ua`, the body buffered as a Buffer. */
export function davRequest(
  app: TreeServer['app'],
  method: DavMethod,
  path: string,
  uid: string,
  ua: string,
): request.Test {
  const agent = request(app) as unknown as Record<DavMethod, (p: string) => request.Test>;
  const url = path.startsWith('/') ? path : `${DAV}/${uid}/${path}`;
  return agent[method](url)
    .auth(uid, PASSWORD)
    .set('User-Agent', ua)
    .buffer(true)
    .parse(textParser as unknown as Parameters<request.Test['parse']>[0]);
}

export function makeDavServer(profile: Profile): DavServer {
  const base = makeTreeServer(profile, ROUTES);
  let counter = 1;
  const s: DavServer = {
    ...base,
    dav: (method, path, uid = 'alice', ua = DESKTOP_UA) =>
      davRequest(base.app, method, path, uid, ua),
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
  };
  return s;
}

/** PROPFIND body asking for `props` (Clark-free: `d:getetag`, `nc:is-encrypted`, …). */
export function propfindBody(props: string[]): string {
  return `<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns" xmlns:nc="http://nextcloud.org/ns"><d:prop>${props
    .map((p) => `<${p}/>`)
    .join('')}</d:prop></d:propfind>`;
}
