/**
 * What every WebDAV method handler receives from the router. It lives apart from the router so
 * that the handlers (`read.ts`, `write.ts`, `copymove.ts`) and the router import it without
 * importing each other (no import cycle in `server-mock/src/http`).
 *
 * @module
 */
import type { Request } from 'express';
import type { Deps } from '../context.js';
import type { DavLocation } from './_paths.js';

/** Everything a method handler needs about one request. */
export interface DavContext {
  readonly deps: Deps;
  /** The authenticated user (== the `<uid>` path segment). */
  readonly uid: string;
  readonly loc: DavLocation;
  /** Whether the request passes the E2EE client gate (E2EE-API-220, E2EE-API-221). */
  readonly e2eeClient: boolean;
  /** Lock token from the `e2e-token` header or `?e2e-token=`; undefined when absent. */
  readonly token: string | undefined;
  /** Request time, milliseconds since the epoch. */
  readonly nowMs: number;
  /** The request body (PUT, PROPFIND); empty for other methods. */
  readonly body: Buffer;
}

/** True when the request announces a body (MKCOL must not have one, E2EE-API-230). */
export function hasBody(req: Request): boolean {
  const len = req.get('content-length');
  return req.get('transfer-encoding') !== undefined || (len !== undefined && len !== '0');
}
