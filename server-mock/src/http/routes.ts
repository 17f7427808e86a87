/**
 * The route table: every router of the mock server, mounted from this one list (style rule 19).
 * Adding a router is one entry here.
 *
 * Areas and the prefixes they are mounted under:
 * - `e2ee`: `/ocs/v{1,2}.php/apps/end_to_end_encryption/api/v{1,2}` + path. OCS envelope,
 *   `OCS-APIRequest` check, form/JSON bodies, Basic auth, E2EE user-agent gate.
 *   `req.sealfold.apiVersion` / `ocsVersion` tell the router where it was reached.
 * - `ocs`: `/ocs/v{1,2}.php` + path. Same as `e2ee` without the user-agent gate.
 * - `root`: path as is (WebDAV, status.php). Basic auth only; no body parsing (routers read raw
 *   bodies themselves); errors render as JSON unless the router handles them.
 * - `management`: {@link MANAGEMENT_PREFIX} + path, only with `--management`. JSON bodies, no auth.
 *
 * @module
 */
import type { Router } from 'express';
import type { Deps } from './context.js';
import { keysRouter } from './e2ee/keys.js';
import { cloudRouter } from './ocs/cloud.js';
import { statusRouter } from './status.js';
import { webdavRouter } from './dav/router.js';
import { sharesRouter } from './ocs/shares.js';
import { managementRouter } from './management.js';
import { lockRouter } from './e2ee/lock.js';
import { metadataRouter } from './e2ee/metadata.js';
import { e2eePublicRouter } from './e2ee/public.js';
import { recoveryKeyManagementRouter, recoveryKeyRouter } from '../recovery-key/routes.js';
import { tlogRouter } from '../log-tree/router.js';
import { tlogManagementRouter } from '../log-tree/management.js';
import { TLOG_PATH } from '../log-tree/paths.js';

export type Area = 'e2ee' | 'ocs' | 'root' | 'management';

export interface Mount {
  readonly area: Area;
  /** Path below the area's prefix ('/' for the prefix itself). */
  readonly path: string;
  readonly router: (deps: Deps) => Router;
  /** What the router serves (shown by the management API). */
  readonly summary: string;
}

export const ROUTES: readonly Mount[] = [
  // Ungated E2EE endpoints (filedrop, reset) must come before the gated `e2ee` area.
  {
    area: 'ocs',
    path: '/apps/end_to_end_encryption',
    router: e2eePublicRouter,
    summary: 'filedrop, encrypted-files reset',
  },
  { area: 'e2ee', path: '/', router: lockRouter, summary: 'lock, unlock (commit/abort)' },
  { area: 'e2ee', path: '/', router: metadataRouter, summary: 'meta-data v1/v2, encrypted flag' },
  { area: 'e2ee', path: '/', router: keysRouter, summary: 'public-key, private-key, server-key' },
  { area: 'ocs', path: '/cloud', router: cloudRouter, summary: 'capabilities, current user' },
  { area: 'root', path: '/', router: statusRouter, summary: 'status.php' },
  { area: 'root', path: '/', router: webdavRouter, summary: 'WebDAV /remote.php/dav/files' },
  {
    area: 'ocs',
    path: '/apps/files_sharing/api/v1',
    router: sharesRouter,
    summary: 'user shares (create, list, read, delete)',
  },
  { area: 'management', path: '/', router: managementRouter, summary: 'users, reset, audit log' },
  // The offline administrator recovery key (spec/20-recovery-key.md).
  { area: 'e2ee', path: '/', router: recoveryKeyRouter, summary: 'recovery-key statement' },
  {
    area: 'management',
    path: '/',
    router: recoveryKeyManagementRouter,
    summary: 'recovery key enable, change, disable',
  },
  { area: 'root', path: TLOG_PATH, router: tlogRouter, summary: 'transparency log (spec/21)' },
  {
    area: 'management',
    path: '/log',
    router: tlogManagementRouter,
    summary: 'log switches, witnesses',
  },
];
