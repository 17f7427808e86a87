/**
 * Shared plumbing of the E2EE transaction routers: folder-id parsing, the stale-lock rollback that
 * precedes every operation (E2EE-LOCK-060), and the translation of engine failures into OCS error
 * envelopes with the profile's status (E2EE-LOCK-071).
 *
 * @module
 */

import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Deps } from '../context.js';
import { sendOcsError } from '../ocs/envelope.js';
import { e2eeOptions, isE2eeFailure, rollbackStale, statusFor } from '../../e2ee/index.js';

/** The `{id}` path parameter as a file id; `null` when it is not a positive decimal integer. */
export function folderIdOf(req: Request): number | null {
  const raw = req.params['id'];
  if (typeof raw !== 'string' || !/^[0-9]{1,15}$/.test(raw)) return null;
  const n = Number(raw);
  return n >= 1 ? n : null;
}

/** A request header as a string (`''` when absent). */
export function header(req: Request, name: string): string {
  return req.get(name) ?? '';
}

/**
 * Wraps an E2EE handler: rolls back stale locks first (in its own transaction), runs the handler,
 * and answers an engine failure with its profile status. Other errors go to the OCS error handler.
 */
export function e2eeHandler(
  deps: Deps,
  fn: (req: Request, res: Response, id: number | null) => void,
): RequestHandler {
  return (req: Request, res: Response, next: NextFunction): void => {
    try {
      rollbackStale(deps.store, e2eeOptions(deps));
      fn(req, res, folderIdOf(req));
    } catch (e) {
      if (!isE2eeFailure(e)) return next(e);
      // E2EE-LOCK-070 (MUST, server): each refusal gets the status of the configured profile;
      // E2EE-LOCK-072: in nc30, 500 for a counter that is not greater.
      const rollbackNot500 =
        e.kind === 'LOCK_COUNTER_NOT_GREATER' && deps.faults.on('nc30-counter-rollback-not-500');
      const status = rollbackNot500 ? 412 : statusFor(e.kind, deps.config.profile);
      sendOcsError(req, res, status, e.code, e.message);
    }
  };
}
