/**
 * A mock server with only the E2EE transaction routers mounted, three users (alice owns things,
 * bob receives shares, eve has no access), an injectable clock and optional persistence.
 */

import request from 'supertest';
import type { Mount } from '../../src/http/routes.js';
import { lockRouter } from '../../src/http/e2ee-lock.js';
import { metadataRouter } from '../../src/http/e2ee-metadata.js';
import { e2eePublicRouter } from '../../src/http/e2ee-public.js';
import { webdavRouter } from '../../src/http/webdav.js';
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
];

export interface TestServer extends TreeServer {
  share(folderId: number, recipient: string): void;
  linkShare(folderId: number, token: string, permissions: number): void;
  /** OCS request as `uid` (JSON, OCS header, desktop UA). */
  ocs(method: 'get' | 'post' | 'put' | 'delete', path: string, uid?: string): request.Test;
  /** WebDAV request as `uid` on `/remote.php/dav/files/<uid><path>` (desktop UA). */
  dav(method: string, path: string, uid?: string): request.Test;
}

const BASE = '/ocs/v2.php/apps/end_to_end_encryption/api';

export function makeServer(profile: Profile, opts: TreeServerOptions = {}): TestServer {
  const base = makeTreeServer(profile, E2EE_ROUTES, opts);
  const { app, store, clock } = base;
  const owner = (tx: Parameters<typeof tree.getNode>[0], id: number) => tree.getNode(tx, id)!.owner;
  return {
    ...base,
    share: (folderId, recipient) =>
      void store.transact((tx) =>
        putUserShare(tx, {
          owner: owner(tx, folderId),
          nodeId: folderId,
          recipient,
          mountName: `shared-${folderId}`,
          createdAt: clock.t,
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
