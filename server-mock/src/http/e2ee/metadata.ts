/**
 * `/api/v{1,2}/meta-data/{id}` and `/api/v{1,2}/encrypted/{id}` (spec/12-metadata-api.md §2–§4).
 *
 * - GET: `{"meta-data": "<document>"}`, plus the stored signature in the response header
 *   `X-NC-E2EE-SIGNATURE` (v2), byte-exact.
 * - POST/PUT (v2): form field `metaData`, headers `e2e-token` and `X-NC-E2EE-SIGNATURE`; echoes
 *   `{"meta-data": …}`. DELETE: header `e2e-token`.
 * - v1: no signature; PUT takes `e2e-token` as a request parameter (query or body), like the real
 *   server, falling back to the header.
 * - PUT/DELETE `/encrypted/{id}`: set or clear the folder flag.
 *
 * @module
 */

import { Router } from 'express';
import { param, requireUser, type Deps } from '../context.js';
import { sendOcs, sendOcsError } from '../ocs/envelope.js';
import { e2eeHandler, header } from './_handler.js';
import {
  clearEncryptedFlag,
  deleteMetadata,
  e2eeOptions,
  getMetadata,
  postMetadata,
  putMetadata,
  setEncryptedFlag,
  withE2ee,
  type LockApi,
} from '../../e2ee/index.js';

/** Response header carrying the stored signature (spec/12-metadata-api.md). */
export const SIGNATURE_HEADER = 'X-NC-E2EE-SIGNATURE';

/** The metadata and encrypted-flag router (mounted in the `e2ee` area). */
export function metadataRouter(deps: Deps): Router {
  const r = Router();
  const apiOf = (v: 1 | 2 | null): LockApi => (v === 1 ? 'v1' : 'v2');
  const run = <R>(fn: Parameters<typeof withE2ee<R>>[2]): R =>
    withE2ee(deps.store, e2eeOptions(deps), fn);

  r.get(
    '/meta-data/:id',
    e2eeHandler(deps, (req, res, id) => {
      const user = requireUser(req);
      if (id === null) return sendOcsError(req, res, 404, 'NOT_FOUND', 'Invalid folder id');
      const api = apiOf(req.sealfold.apiVersion);
      const m = run((ctx) => getMetadata(ctx, user, id, api));
      // E2EE-API-126 (MUST, server): document and signature are returned byte-exact.
      if (api === 'v2') res.set(SIGNATURE_HEADER, m.signature);
      sendOcs(req, res, { 'meta-data': m.doc });
    }),
  );

  const write = (method: 'post' | 'put') =>
    e2eeHandler(deps, (req, res, id) => {
      const user = requireUser(req);
      if (id === null) return sendOcsError(req, res, 404, 'NOT_FOUND', 'Invalid folder id');
      const api = apiOf(req.sealfold.apiVersion);
      const w = {
        api,
        doc: param(req, 'metaData'),
        token:
          api === 'v1' && method === 'put'
            ? (param(req, 'e2e-token') ?? header(req, 'e2e-token'))
            : header(req, 'e2e-token'),
        signature: header(req, SIGNATURE_HEADER),
      };
      run((ctx) => (method === 'post' ? postMetadata : putMetadata)(ctx, user, id, w));
      sendOcs(req, res, { 'meta-data': w.doc });
    });
  r.post('/meta-data/:id', write('post'));
  r.put('/meta-data/:id', write('put'));

  r.delete(
    '/meta-data/:id',
    e2eeHandler(deps, (req, res, id) => {
      const user = requireUser(req);
      if (id === null) return sendOcsError(req, res, 404, 'NOT_FOUND', 'Invalid folder id');
      const api = apiOf(req.sealfold.apiVersion);
      const token =
        header(req, 'e2e-token') || (api === 'v1' ? (param(req, 'e2e-token') ?? '') : '');
      run((ctx) => deleteMetadata(ctx, user, id, { api, token }));
      sendOcs(req, res, []);
    }),
  );

  for (const method of ['put', 'delete'] as const) {
    r[method](
      '/encrypted/:id',
      e2eeHandler(deps, (req, res, id) => {
        const user = requireUser(req);
        if (id === null) return sendOcsError(req, res, 404, 'NOT_FOUND', 'Invalid folder id');
        run((ctx) => (method === 'put' ? setEncryptedFlag : clearEncryptedFlag)(ctx, user, id));
        sendOcs(req, res, []);
      }),
    );
  }
  return r;
}
