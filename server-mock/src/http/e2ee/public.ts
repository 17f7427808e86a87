/**
 * E2EE endpoints without the user-agent gate: the filedrop upload (a public page in a browser)
 * and the reset of all encrypted folders (account settings, with password confirmation)
 * (spec/12-metadata-api.md §5–§6). Mounted in the `ocs` area under
 * `/apps/end_to_end_encryption`, before the gated `e2ee` area.
 *
 * - `PUT /api/v{1,2}/meta-data/{id}/filedrop`: form `filedrop` (v1: `fileDrop`), a JSON object of
 *   entries; optional share token (header `X-NC-E2EE-SHARE-TOKEN` or parameter `shareToken`) for
 *   anonymous uploaders of a link share with create permission. Answer `{"filedrop": {…}}`.
 * - `DELETE /api/v{1,2}/encrypted-files`: answer `{"deletedIds": […]}`.
 *
 * @module
 */

import { Router, type Request, type Response } from 'express';
import { param, requirePasswordConfirmation, requireUser, type Deps } from '../context.js';
import { sendOcs, sendOcsError } from '../ocs/envelope.js';
import { e2eeHandler } from './_handler.js';
import { problem } from '../../problems.js';
import { PROFILE_INFO } from '../../profiles.js';
import { tree } from '../../store/index.js';
import {
  addFiledrop,
  e2eeOptions,
  encryptedFoldersOf,
  resetEncryptedFolders,
  withE2ee,
} from '../../e2ee/index.js';

/** Share permission bit "create" (OCS). */
const PERMISSION_CREATE = 4;

/**
 * Who acts for a filedrop: the logged-in user, or for an anonymous request with a share token the
 * owner of a link share that has create permission and contains folder `id`.
 */
function filedropActor(deps: Deps, req: Request, res: Response, id: number): string {
  const shareToken = req.get('x-nc-e2ee-share-token') ?? param(req, 'shareToken');
  if (shareToken === undefined || shareToken === '') return requireUser(req);
  const address = req.socket.remoteAddress ?? '';
  // E2EE-API-053 (MUST, server): share-token guessing is throttled per remote address.
  const throttled = deps.bruteForce.shareTokenThrottled(address);
  if (throttled !== null) {
    res.set('Retry-After', String(throttled.retryAfterSeconds));
    throw problem('rateLimited', 'Too many unknown share tokens; retry later');
  }
  const share = deps.store.list('shares').find((s) => s.shareType === 3 && s.token === shareToken);
  if (share === undefined) deps.bruteForce.shareTokenFailed(address);
  const inside =
    share !== undefined &&
    (share.nodeId === id || tree.ancestors(deps.store, id).some((a) => a.id === share.nodeId));
  const unchecked = share !== undefined && deps.faults.on('filedrop-share-permission-unchecked');
  // E2EE-API-816 (MUST, server): only a link share that may create and contains the folder.
  if (!unchecked && (!share || !inside || (share.permissions & PERMISSION_CREATE) === 0))
    throw problem('forbidden', 'You are not allowed to create the lock');
  return share.owner;
}

/** The ungated E2EE router. */
export function e2eePublicRouter(deps: Deps): Router {
  const r = Router();
  r.use('/api/:v', (req, _res, next) => {
    if (req.params['v'] === 'v1') req.sealfold.apiVersion = 1;
    else if (req.params['v'] === 'v2') req.sealfold.apiVersion = 2;
    next();
  });
  r.put(
    '/api/:v/meta-data/:id/filedrop',
    e2eeHandler(deps, (req, res, id) => {
      if (req.sealfold.apiVersion === null || id === null)
        return sendOcsError(req, res, 404, 'NOT_FOUND', 'Invalid folder id');
      // E2EE-API-433 (MUST, server): app 2.2.2 dropped the v1 filedrop route (profile nc33).
      const v1Gone = !PROFILE_INFO[deps.config.profile].v1Filedrop;
      if (req.sealfold.apiVersion === 1 && v1Gone && !deps.faults.on('v1-filedrop-route-kept'))
        return sendOcsError(req, res, 404, 'NOT_FOUND', 'No v1 filedrop route');
      const actor = filedropActor(deps, req, res, id);
      const raw = param(req, 'filedrop') ?? param(req, 'fileDrop');
      const merged = withE2ee(deps.store, e2eeOptions(deps), (ctx) =>
        addFiledrop(ctx, actor, id, raw),
      );
      sendOcs(req, res, { filedrop: merged });
    }),
  );
  r.delete(
    '/api/:v/encrypted-files',
    e2eeHandler(deps, (req, res) => {
      if (req.sealfold.apiVersion === null)
        return sendOcsError(req, res, 404, 'NOT_FOUND', 'Invalid API version');
      // E2EE-API-060 (MUST, server): the reset needs the login password, not an app password.
      const user = requirePasswordConfirmation(req, deps);
      const deleted = withE2ee(deps.store, e2eeOptions(deps), (ctx, tx) =>
        resetEncryptedFolders(ctx, user, encryptedFoldersOf(tx, user)),
      );
      sendOcs(req, res, { deletedIds: deleted });
    }),
  );
  return r;
}
