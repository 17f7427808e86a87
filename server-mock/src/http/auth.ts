/**
 * Authentication and the E2EE client gate.
 *
 * - HTTP Basic with the login password or an app password (E2EE-API-004). Wrong credentials give
 *   401; no `Authorization` header leaves the request anonymous (endpoints that need a user then
 *   answer 401). Which kind of password was used is kept: only the login password can confirm
 *   sensitive actions (E2EE-API-060).
 * - The user-agent gate of the end_to_end_encryption app (`E2ERestrictUserAgent`, E2EE-API-006):
 *   E2EE endpoints refuse clients that are not known E2EE clients with 403.
 *
 * @module
 */
import type { NextFunction, Request, Response } from 'express';
import type { Store } from '../store/index.js';
import { users } from '../store/index.js';
import { problem } from '../problems.js';
import type { Profile } from '../config.js';
import { PROFILE_INFO } from '../profiles.js';
import { NO_FAULTS, type FaultSwitches } from '../faults.js';
import type { BruteForceGuard } from './_brute-force.js';

/** Parses `Authorization: Basic base64(user:password)`; null when absent or not Basic. */
export function parseBasic(
  header: string | undefined,
): { user: string; password: string } | null | 'malformed' {
  if (header === undefined) return null;
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!m) return 'malformed';
  const text = Buffer.from(m[1]!, 'base64').toString('utf8');
  const i = text.indexOf(':');
  if (i <= 0) return 'malformed';
  return { user: text.slice(0, i), password: text.slice(i + 1) };
}

/**
 * Sets `req.sealfold.user` / `credential` from HTTP Basic; 401 for wrong credentials, 429 once
 * the login name has too many recent failures from this address (E2EE-API-052).
 */
export function basicAuth(store: Store, guard: BruteForceGuard, faults: FaultSwitches = NO_FAULTS) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const creds = parseBasic(req.get('authorization'));
    if (creds === null) return next();
    if (creds === 'malformed') throw problem('notLoggedIn');
    const address = req.socket.remoteAddress ?? '';
    // E2EE-API-052 (MUST, server): a throttled login is refused before the password is checked.
    const throttled = guard.loginThrottled(creds.user, address);
    if (throttled !== null) {
      // E2EE-API-406 (MUST, server): the 429 says when the window admits the next attempt.
      if (!faults.on('no-retry-after')) res.set('Retry-After', String(throttled.retryAfterSeconds));
      throw problem('rateLimited', 'Too many failed logins; retry later');
    }
    // E2EE-API-004 (MUST, server): authenticate with the login password or an app password.
    const kind = users.verifyLogin(store, creds.user, creds.password);
    if (kind === null) {
      guard.loginFailed(creds.user, address);
      throw problem('notLoggedIn');
    }
    req.sealfold.user = creds.user;
    req.sealfold.credential = kind;
    next();
  };
}

/** A version part as the app's regexes write it: no leading zeros (`03.1.0` matches no client). */
const PART = String.raw`(0|[1-9]\d*)`;
const VERSION = `${PART}\\.${PART}\\.${PART}`;

/** Minimum versions of the app's built-in user-agent list (`UserAgentManager`). */
const SUPPORTED_AGENTS: readonly { re: RegExp; min: readonly number[] }[] = [
  {
    re: new RegExp(String.raw`^Mozilla/5\.0 \(Android\) Nextcloud-android/` + VERSION),
    min: [3, 13, 0],
  },
  {
    re: new RegExp(String.raw`^Mozilla/5\.0 \([A-Za-z ]+\) (?:mirall|csyncoC)/` + VERSION),
    min: [3, 0, 0],
  },
  { re: new RegExp(String.raw`^Mozilla/5\.0 \(iOS\) Nextcloud-iOS/` + VERSION), min: [3, 0, 5] },
];

function atLeast(v: number[], min: readonly number[]): boolean {
  for (let i = 0; i < 3; i++) if (v[i]! !== min[i]!) return v[i]! > min[i]!;
  return true;
}

/**
 * True when the request comes from an allowed E2EE client. A user agent that matches a known
 * client with a too-old version is refused even with the header; `X-E2EE-Supported: true` is
 * honoured from app 1.17 on (so not by the `nc30` profile).
 */
export function isE2eeClient(
  userAgent: string,
  supportedHeader: string | undefined,
  profile: Profile,
  faults: FaultSwitches = NO_FAULTS,
): boolean {
  if (faults.on('admit-non-e2ee-clients')) return true;
  for (const a of SUPPORTED_AGENTS) {
    const m = a.re.exec(userAgent);
    if (m) return atLeast([Number(m[1]), Number(m[2]), Number(m[3])], a.min);
  }
  return (
    // E2EE-API-221 (MUST, server): the header counts only as exactly `true`, as in the app.
    PROFILE_INFO[profile].acceptsSupportedHeader && supportedHeader === 'true'
  );
}

const CLIENT_LIST = 'desktop (mirall) 3.0.0, Android 3.13.0 or iOS 3.0.5 and later';

/**
 * What a client refused by the user-agent gate can do (E2EE-API-407). It names no request bytes
 * (the user agent is not echoed).
 */
export function e2eeGateHint(profile: Profile): string {
  return PROFILE_INFO[profile].acceptsSupportedHeader
    ? `Send the header X-E2EE-Supported: true, or the User-Agent of an E2EE client (${CLIENT_LIST}).`
    : `This server (profile ${profile}) recognises E2EE clients by User-Agent only (${CLIENT_LIST}); ` +
        'X-E2EE-Supported is not honoured before app 1.17.';
}

/** Middleware: the E2EE user-agent gate (403). */
export function e2eeClientGate(profile: Profile, faults: FaultSwitches = NO_FAULTS) {
  const hint = e2eeGateHint(profile);
  return (req: Request, _res: Response, next: NextFunction): void => {
    // E2EE-API-006 (MUST, server): refuse E2EE API calls from clients that are not E2EE-capable.
    if (!isE2eeClient(req.get('user-agent') ?? '', req.get('x-e2ee-supported'), profile, faults))
      // E2EE-API-407 (MUST, server): the refusal says how to pass the gate.
      throw problem(
        'userAgentNotAllowed',
        undefined,
        faults.on('gate-refusal-without-hint') ? undefined : hint,
      );
    next();
  };
}
