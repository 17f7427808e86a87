/**
 * The WebDAV router: `/remote.php/dav/files/<uid>/…` (spec/14-webdav-and-shares.md,
 * E2EE-API-200..236). This file authenticates, decodes the path, reads bodies within limits,
 * dispatches by method and renders every refusal as a Sabre-style `<d:error>` document with the
 * `X-Sealfold-E2EE-Code` header. The methods live in `read.ts` (PROPFIND, GET, HEAD),
 * `write.ts` (PUT, MKCOL, DELETE), `copymove.ts` (MOVE, COPY) and `search.ts` (SEARCH); what they
 * receive is `_context.ts`.
 *
 * Writes inside encrypted trees go through the E2EE transaction engine (`../e2ee/staging.ts`);
 * nothing here stages or commits by itself.
 *
 * @module
 */
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import type { Deps } from '../context.js';
import { CODE_HEADER } from '../ocs/envelope.js';
import { HttpProblem, toProblem } from '../../problems.js';
import { e2eeOptions, isE2eeFailure, rollbackStale, statusFor } from '../../e2ee/index.js';
import { isE2eeClient } from '../auth.js';
import { SealfoldError } from '../../../../reference/src/errors/index.js';
import { DavFailure, dav } from './_errors.js';
import { DAV_FILES_PREFIX, parseDavPath, type DavLocation } from './_paths.js';
import { MAX_XML_BYTES, buildDavError } from './_xml.js';
import { handleGet, handlePropfind } from './read.js';
import { handleDelete, handleMkcol, handlePut } from './write.js';
import { handleCopyMove } from './copymove.js';
import { handleSearch } from './search.js';
import type { DavContext } from './_context.js';

/** Largest PUT body accepted (E2EE-API-231). */
export const MAX_PUT_BYTES = 64 * 1024 * 1024;

/** Methods the server implements; everything else answers 405 with this list (E2EE-API-224). */
export const DAV_METHODS = [
  'OPTIONS',
  'PROPFIND',
  'GET',
  'HEAD',
  'PUT',
  'MKCOL',
  'DELETE',
  'MOVE',
  'COPY',
] as const;

function lockToken(req: Request): string | undefined {
  const header = req.get('e2e-token');
  if (header !== undefined && header !== '') return header;
  const q = (req.query as Record<string, unknown>)['e2e-token'];
  if (q === undefined) return undefined;
  if (typeof q !== 'string') throw dav.badRequest('e2e-token must be given once');
  return q === '' ? undefined : q;
}

const rawBody = (limit: number) => express.raw({ type: () => true, limit, inflate: false });

/** Renders a refusal (E2EE-API-825: client errors are 4xx; only real faults are 5xx). */
function renderError(deps: Deps) {
  return (err: unknown, req: Request, res: Response, next: NextFunction): void => {
    if (res.headersSent) return next(err);
    let status: number;
    let code: string;
    let message: string;
    let exception: string;
    if (err instanceof DavFailure) {
      ({ status, code, message, exception } = err);
    } else if (isE2eeFailure(err)) {
      status = statusFor(err.kind, deps.config.profile);
      ({ code, message } = err);
      exception = status === 404 ? 'NotFound' : status === 423 ? 'Locked' : 'Forbidden';
    } else if (err instanceof HttpProblem || err instanceof SealfoldError) {
      const p = toProblem(err, deps.config.profile);
      ({ status, code, message } = p);
      exception = status === 401 ? 'NotAuthenticated' : status === 404 ? 'NotFound' : 'Forbidden';
    } else {
      const p = toProblem(err, deps.config.profile);
      ({ status, code, message } = p);
      exception = status === 413 ? 'TooLarge' : status < 500 ? 'BadRequest' : 'ServiceUnavailable';
      if (status >= 500) {
        deps.log.write({ type: 'error', error: (err as Error)?.name ?? 'unknown', code });
      }
    }
    if (status === 401) res.set('WWW-Authenticate', 'Basic realm="Nextcloud", charset="UTF-8"');
    res.status(status).set(CODE_HEADER, code).type('application/xml; charset=utf-8');
    res.send(req.method === 'HEAD' ? '' : buildDavError(exception, message, code));
  };
}

/** The WebDAV router factory (mounted in the `root` area). */
export function webdavRouter(deps: Deps): Router {
  const r = Router();
  const prefix = DAV_FILES_PREFIX.slice(0, -1);
  r.use(prefix, (req: Request, res: Response, next: NextFunction) => {
    const method = req.method.toUpperCase();
    if (!(DAV_METHODS as readonly string[]).includes(method)) {
      // E2EE-API-224 (MUST NOT, server): no PROPPATCH, LOCK, … (the flag changes only via the API).
      if (!deps.faults.on('dav-405-without-allow')) res.set('Allow', DAV_METHODS.join(', '));
      throw dav.notAllowed(`${method} is not supported`);
    }
    const uid = req.sealfold.user;
    // E2EE-API-200 (MUST, server): WebDAV needs credentials.
    if (uid === null)
      throw new DavFailure(401, 'NotAuthenticated', 'AUTH_FAILED', 'No credentials');
    const path = req.originalUrl.split('?')[0]!;
    const loc = parseDavPath(path, deps.faults);
    // E2EE-API-200 (MUST, server): a user reaches only their own tree.
    if (loc.user !== uid && !deps.faults.on('dav-foreign-tree-readable'))
      throw dav.forbidden('this is not your file tree');
    if (method === 'PUT' || method === 'PROPFIND') {
      const limit = method === 'PUT' ? MAX_PUT_BYTES : MAX_XML_BYTES;
      // E2EE-API-231 (MUST, server): an announced oversized body is refused before reading it
      // (body-parser would first read the whole body off the socket).
      if (Number(req.get('content-length') ?? 0) > limit)
        throw dav.tooLarge('the body is too large');
      return rawBody(limit)(req, res, (e?: unknown) => {
        if (e !== undefined) return next(e);
        dispatch(req, res, next, method, uid, loc);
      });
    }
    dispatch(req, res, next, method, uid, loc);
  });

  function dispatch(
    req: Request,
    res: Response,
    next: NextFunction,
    method: string,
    uid: string,
    loc: DavLocation,
  ): void {
    try {
      // Due stale-lock rollbacks happen first, in their own transaction (E2EE-LOCK-060).
      if (method !== 'OPTIONS') rollbackStale(deps.store, e2eeOptions(deps));
      const c: DavContext = {
        deps,
        uid,
        loc,
        e2eeClient: isE2eeClient(
          req.get('user-agent') ?? '',
          req.get('x-e2ee-supported'),
          deps.config.profile,
          deps.faults,
        ),
        token: lockToken(req),
        nowMs: deps.clock.now(),
        body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
      };
      switch (method) {
        case 'OPTIONS':
          res
            .status(200)
            .set({ Allow: DAV_METHODS.join(', '), DAV: '1, 3', 'MS-Author-Via': 'DAV' })
            .end();
          return;
        case 'PROPFIND':
          return handlePropfind(c, req, res);
        case 'GET':
        case 'HEAD':
          return handleGet(c, req, res, method === 'HEAD');
        case 'PUT':
          return handlePut(c, req, res);
        case 'MKCOL':
          return handleMkcol(c, req, res);
        case 'DELETE':
          return handleDelete(c, req, res);
        default:
          return handleCopyMove(c, req, res, method === 'MOVE' ? 'MOVE' : 'COPY');
      }
    } catch (e) {
      next(e);
    }
  }

  r.use(prefix, renderError(deps));

  // SEARCH is sent to the DAV root, not below files/<uid> (E2EE-API-271).
  r.use('/remote.php/dav', (req: Request, res: Response, next: NextFunction) => {
    if (req.method.toUpperCase() !== 'SEARCH' || req.path !== '/') return next();
    const uid = req.sealfold.user;
    if (uid === null)
      throw new DavFailure(401, 'NotAuthenticated', 'AUTH_FAILED', 'No credentials');
    if (Number(req.get('content-length') ?? 0) > MAX_XML_BYTES)
      throw dav.tooLarge('the body is too large');
    rawBody(MAX_XML_BYTES)(req, res, (e?: unknown) => {
      if (e !== undefined) return next(e);
      try {
        rollbackStale(deps.store, e2eeOptions(deps));
        const e2eeClient = isE2eeClient(
          req.get('user-agent') ?? '',
          req.get('x-e2ee-supported'),
          deps.config.profile,
        );
        const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        handleSearch(deps, uid, e2eeClient, body, res);
      } catch (err) {
        next(err);
      }
    });
  });
  r.use('/remote.php/dav', (err: unknown, req: Request, res: Response, next: NextFunction) =>
    req.method.toUpperCase() === 'SEARCH' ? renderError(deps)(err, req, res, next) : next(err),
  );
  return r;
}
