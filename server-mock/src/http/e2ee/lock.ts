/**
 * `POST/DELETE /api/v{1,2}/lock/{id}`: folder locks with commit or abort at unlock
 * (spec/11-locking.md).
 *
 * - v2 lock: header `X-NC-E2EE-COUNTER` (required), retry token as the request parameter
 *   `e2e-token` (query or body, not the header). Answer `{"e2e-token": "<64 alnum>"}`.
 * - v2 unlock: header `e2e-token`, optional `?abort=true`. Answer `[]`.
 * - v1: no counter, no abort.
 *
 * @module
 */

import { Router } from 'express';
import { param, requireUser, type Deps } from '../context.js';
import { sendOcs, sendOcsError } from '../ocs/envelope.js';
import { e2eeHandler, header } from './_handler.js';
import { e2eeOptions, lockFolder, unlockFolder, withE2ee } from '../../e2ee/index.js';

function notFound(
  req: Parameters<typeof sendOcsError>[0],
  res: Parameters<typeof sendOcsError>[1],
) {
  sendOcsError(req, res, 404, 'NOT_FOUND', 'Invalid folder id');
}

/** The lock router (mounted in the `e2ee` area, behind the user-agent gate). */
export function lockRouter(deps: Deps): Router {
  const r = Router();
  r.post(
    '/lock/:id',
    e2eeHandler(deps, (req, res, id) => {
      const user = requireUser(req);
      if (id === null) return notFound(req, res);
      const api = req.sealfold.apiVersion === 1 ? 'v1' : 'v2';
      const token = withE2ee(deps.store, e2eeOptions(deps), (ctx) =>
        lockFolder(ctx, user, id, {
          api,
          token: param(req, 'e2e-token') ?? '',
          counter: req.get('x-nc-e2ee-counter'),
        }),
      );
      sendOcs(req, res, { 'e2e-token': token });
    }),
  );
  r.delete(
    '/lock/:id',
    e2eeHandler(deps, (req, res, id) => {
      const user = requireUser(req);
      if (id === null) return notFound(req, res);
      const api = req.sealfold.apiVersion === 1 ? 'v1' : 'v2';
      withE2ee(deps.store, e2eeOptions(deps), (ctx) =>
        unlockFolder(ctx, user, id, {
          api,
          token: header(req, 'e2e-token'),
          abort: api === 'v2' && param(req, 'abort') === 'true',
        }),
      );
      sendOcs(req, res, []);
    }),
  );
  return r;
}
