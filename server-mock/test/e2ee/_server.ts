/**
 * A mock server with the E2EE transaction, WebDAV and share routers mounted, three users (alice owns things,
 * bob receives shares, eve has no access), an injectable clock and optional persistence.
 */

import { Agent, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import type { Mount } from '../../src/http/routes.js';
import { lockRouter } from '../../src/http/e2ee/lock.js';
import { metadataRouter } from '../../src/http/e2ee/metadata.js';
import { e2eePublicRouter } from '../../src/http/e2ee/public.js';
import { webdavRouter } from '../../src/http/dav/router.js';
import { sharesRouter } from '../../src/http/ocs/shares.js';
import type { Profile } from '../../src/config.js';
import { tree } from '../../src/store/index.js';
import {
  DESKTOP_UA,
  PASSWORD,
  makeTreeServer,
  type TreeServer,
  type TreeServerOptions,
} from '../_support/tree-server.js';
import { putLinkShare, putUserShare } from '../_support/shares.js';

export { DESKTOP_UA, PASSWORD } from '../_support/tree-server.js';

export const E2EE_ROUTES: readonly Mount[] = [
  { area: 'ocs', path: '/apps/end_to_end_encryption', router: e2eePublicRouter, summary: 'x' },
  { area: 'e2ee', path: '/', router: lockRouter, summary: 'lock' },
  { area: 'e2ee', path: '/', router: metadataRouter, summary: 'meta-data' },
  { area: 'root', path: '/', router: webdavRouter, summary: 'WebDAV' },
  { area: 'ocs', path: '/apps/files_sharing/api/v1', router: sharesRouter, summary: 'shares' },
];

export interface TestServer extends TreeServer {
  share(folderId: number, recipient: string, permissions?: number): void;
  linkShare(folderId: number, token: string, permissions: number): void;
  /** OCS request as `uid` (JSON, OCS header, desktop UA). */
  ocs(method: 'get' | 'post' | 'put' | 'delete', path: string, uid?: string): request.Test;
  /** WebDAV request as `uid` on `/remote.php/dav/files/<uid><path>` (desktop UA). */
  dav(method: string, path: string, uid?: string): request.Test;
  /** Any other request (`method` as supertest names it, `url` from the server root). */
  request(method: string, url: string): request.Test;
  /**
   * Serves the app on a loopback port until the returned function is called; meanwhile every
   * request goes there (much faster than supertest's one server per request).
   */
  serve(): Promise<() => Promise<void>>;
}

const BASE = '/ocs/v2.php/apps/end_to_end_encryption/api';

export function makeServer(profile: Profile, opts: TreeServerOptions = {}): TestServer {
  const base = makeTreeServer(profile, E2EE_ROUTES, opts);
  const { app, store, clock } = base;
  let target: typeof app | string = app;
  let keepAlive: Agent | undefined;
  /** Every request goes through here: on the served port over one kept-alive connection. */
  const call = (method: string, url: string): request.Test => {
    const agent = request(target) as unknown as Record<string, (url: string) => request.Test>;
    const fn = agent[method.toLowerCase()];
    if (fn === undefined) throw new Error(`no supertest method ${method}`);
    const req = fn.call(agent, url);
    return keepAlive ? req.agent(keepAlive) : req;
  };
  const owner = (tx: Parameters<typeof tree.getNode>[0], id: number) => tree.getNode(tx, id)!.owner;
  return {
    ...base,
    share: (folderId, recipient, permissions) =>
      void store.transact((tx) =>
        putUserShare(tx, {
          owner: owner(tx, folderId),
          nodeId: folderId,
          recipient,
          mountName: `shared-${folderId}`,
          createdAt: clock.t,
          ...(permissions === undefined ? {} : { permissions }),
        }),
      ),
    linkShare: (folderId, token, permissions) =>
      void store.transact((tx) =>
        putLinkShare(tx, {
          owner: owner(tx, folderId),
          nodeId: folderId,
          token,
          permissions,
          createdAt: clock.t,
        }),
      ),
    ocs: (method, path, uid = 'alice') =>
      call(method, `${BASE}${path}${path.includes('?') ? '&' : '?'}format=json`)
        .set('OCS-APIRequest', 'true')
        .set('User-Agent', DESKTOP_UA)
        .auth(uid, PASSWORD),
    dav: (method, path, uid = 'alice') =>
      call(method, `/remote.php/dav/files/${uid}${path}`)
        .set('User-Agent', DESKTOP_UA)
        .auth(uid, PASSWORD),
    request: call,
    serve: async () => {
      const server = createServer(app);
      await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
      target = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      keepAlive = new Agent({ keepAlive: true, maxSockets: 1 });
      return async () => {
        target = app;
        keepAlive?.destroy();
        keepAlive = undefined;
        await new Promise<void>((ok, fail) => server.close((e) => (e ? fail(e) : ok())));
      };
    },
  };
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
