/**
 * What every router gets: the dependencies (config, store, CA signer, clock, logger) and, per
 * request, `req.sealfold` (the authenticated user, how they authenticated, and which OCS/API
 * version the request came through). Also the small request helpers all handlers share.
 *
 * @module
 */
import type { Request } from 'express';
import type { ServerConfig } from '../config.js';
import type { Store } from '../store/index.js';
import type { CaSigner } from '../ca/signer.js';
import type { Logger } from '../log.js';
import type { AttackSwitches } from '../adversary/switches.js';
import type { FaultSwitches } from '../faults.js';
import type { BruteForceGuard } from './_brute-force.js';
import type { RequestHistory } from './_request-history.js';
import { problem } from '../problems.js';
import { PROFILE_INFO } from '../profiles.js';
import type { NoteSigner } from '../../../reference/src/log/index.js';

/** Time source in milliseconds since the epoch (injectable for tests). */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = Object.freeze({ now: () => Date.now() });

/** Everything a router factory receives. */
export interface Deps {
  readonly config: ServerConfig;
  readonly store: Store;
  readonly ca: CaSigner;
  readonly clock: Clock;
  readonly log: Logger;
  /** The live fault switches (all off unless set; `faults.ts`). */
  readonly faults: FaultSwitches;
  /** The client attacks installed through the management API (`../adversary/`). */
  readonly attacks: AttackSwitches;
  /** Failed-login and share-token failure counters (E2EE-API-052, E2EE-API-053). */
  readonly bruteForce: BruteForceGuard;
  /** The most recent request-log entries, for the management API. */
  readonly requests: RequestHistory;
  /** The stale-lock TTL in force: `config.lockTtlSeconds` until the management API changes it. */
  readonly lockTtl: { seconds: number };
  /** The transparency log's key when the server opened it elsewhere (an HSM); else made on demand. */
  readonly logKey?: NoteSigner;
}

/** Per-request context, set by the app before any router runs. */
export interface RequestContext {
  /** Authenticated uid, or null for an anonymous request. */
  user: string | null;
  /** How the user authenticated: the login password can confirm sensitive actions; an app password cannot. */
  credential: 'login' | 'app' | null;
  /** 1 or 2 for `/ocs/v1.php` / `/ocs/v2.php`; null outside OCS. */
  ocsVersion: 1 | 2 | null;
  /** 1 or 2 for `/apps/end_to_end_encryption/api/v1|v2`; null elsewhere. */
  apiVersion: 1 | 2 | null;
  /** The server's fault switches, for the guards in request helpers that receive no Deps. */
  faults: FaultSwitches;
}

declare module 'express-serve-static-core' {
  interface Request {
    sealfold: RequestContext;
  }
}

/** The authenticated uid. @throws problem notLoggedIn (401) for anonymous requests. */
export function requireUser(req: Request): string {
  // E2EE-API-005 (MUST, server): endpoints acting for a user refuse anonymous requests (401).
  const u = req.sealfold.user;
  if (u === null)
    throw problem(req.sealfold.faults.on('anonymous-refused-403') ? 'forbidden' : 'notLoggedIn');
  return u;
}

/**
 * Strict password confirmation (E2EE-API-060): the request must be authenticated with the
 * account's login password, not an app password. Profiles imitating releases before the check
 * existed (app 1.14–1.16) accept any credential (E2EE-API-420).
 */
export function requirePasswordConfirmation(
  req: Request,
  { config, faults }: Pick<Deps, 'config' | 'faults'>,
): string {
  const uid = requireUser(req);
  // E2EE-API-420 (MUST NOT, server): only profiles of app 1.17.3+ ask for the confirmation.
  if (!PROFILE_INFO[config.profile].strictPasswordConfirmation) return uid;
  // E2EE-API-060 (MUST, server): only the login password confirms (strict confirmation).
  if (req.sealfold.credential !== 'login' && !faults.on('reset-without-confirmation'))
    throw problem('passwordConfirmationRequired');
  return uid;
}

/**
 * A request parameter like Nextcloud's `getParam`: form/JSON body first, then the query string.
 * @returns the string, or undefined when absent.
 * @throws problem badRequest when present but not a string (repeated or nested).
 */
export function param(req: Request, name: string): string | undefined {
  const body: unknown = req.body;
  const fromBody =
    body !== null && typeof body === 'object' && !Array.isArray(body) && Object.hasOwn(body, name)
      ? (body as Record<string, unknown>)[name]
      : undefined;
  const q = req.query as Record<string, unknown>;
  const fromQuery = Object.hasOwn(q, name) ? q[name] : undefined;
  // E2EE-API-009 (MUST, server): the body wins over the query string.
  const [first, second] = req.sealfold?.faults.on('params-query-first')
    ? [fromQuery, fromBody]
    : [fromBody, fromQuery];
  const v = first !== undefined ? first : second;
  if (v === undefined) return undefined;
  // E2EE-API-007 (MUST, server): a repeated or nested parameter is a 400, never a 500.
  if (typeof v !== 'string') throw problem('badRequest', `parameter ${name} must be a string`);
  return v;
}

/** A required, non-empty string parameter. @throws problem badRequest naming it. */
export function requireParam(req: Request, name: string): string {
  const v = param(req, name);
  if (v === undefined || v === '') throw problem('badRequest', `parameter ${name} is required`);
  return v;
}
