/**
 * Before the first test (E2EE-CONF-031, E2EE-CONF-033): what the server advertises, whether the
 * actors' credentials work, and whether any actor already holds E2EE keys.
 *
 * @module
 */
import type { Actor } from '../server/check.js';
import { ACTORS } from '../server/check.js';
import { clientHeaders, type Account } from './http.js';
import { ConfigError } from './config-error.js';
import { ensureFolder, removeFolder } from './folders.js';
import type { RateLimiter } from './pace.js';

const KEYS_API = '/ocs/v2.php/apps/end_to_end_encryption/api/v1';

/** What the server says about itself. */
export interface ServerInfo {
  reportedVersion: string | null;
  capabilities: Record<string, unknown> | null;
}

type Acct = { name: string; userId: string; password: string };

async function call(
  baseUrl: string,
  method: string,
  path: string,
  account: Acct | null,
  limiter: RateLimiter,
): Promise<{ status: number; body: string }> {
  await limiter.acquire();
  let res: Response;
  try {
    res = await fetch(baseUrl + path, {
      method,
      headers: { ...clientHeaders(account, false), accept: 'application/json' },
      signal: AbortSignal.timeout(30_000),
    });
  } catch (e) {
    throw new ConfigError(`pre-flight: ${method} ${path} failed: ${(e as Error).message}`);
  }
  return { status: res.status, body: await res.text() };
}

function jsonOrNull(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** `status.php`'s version and the `end-to-end-encryption` capability (null when absent). */
export async function serverInfo(
  baseUrl: string,
  alice: Acct,
  limiter: RateLimiter,
): Promise<ServerInfo> {
  // E2EE-CONF-033 (MUST, suite): record what the server advertises.
  const status = await call(baseUrl, 'GET', '/status.php', null, limiter);
  const doc = status.status === 200 ? (jsonOrNull(status.body) as Record<string, unknown>) : null;
  const versionstring = doc && typeof doc.versionstring === 'string' ? doc.versionstring : null;
  const caps = await call(
    baseUrl,
    'GET',
    '/ocs/v2.php/cloud/capabilities?format=json',
    alice,
    limiter,
  );
  const capsDoc = caps.status === 200 ? jsonOrNull(caps.body) : null;
  const data = (capsDoc as { ocs?: { data?: Record<string, unknown> } } | null)?.ocs?.data;
  const all = data?.capabilities as Record<string, unknown> | undefined;
  const e2ee = all?.['end-to-end-encryption'];
  const version = (data?.version as { string?: unknown } | undefined)?.string;
  return {
    reportedVersion: versionstring ?? (typeof version === 'string' ? version : null),
    capabilities:
      e2ee !== null && typeof e2ee === 'object'
        ? { 'end-to-end-encryption': e2ee as Record<string, unknown> }
        : null,
  };
}

/** Which of the actor's keys the server holds. */
async function keysHeld(baseUrl: string, a: Acct, limiter: RateLimiter): Promise<string[]> {
  const held: string[] = [];
  for (const kind of ['public-key', 'private-key']) {
    const r = await call(baseUrl, 'GET', `${KEYS_API}/${kind}?format=json`, a, limiter);
    if (r.status === 200) held.push(kind);
    else if (r.status !== 404) {
      throw new ConfigError(`pre-flight: GET ${kind} as ${a.name} answered ${r.status}`);
    }
  }
  return held;
}

/** Deletes the actor's keys (login password required, E2EE-API-060); false when refused. */
async function deleteKeys(
  baseUrl: string,
  a: Acct,
  kinds: readonly string[],
  limiter: RateLimiter,
): Promise<boolean> {
  let ok = true;
  for (const kind of kinds) {
    const r = await call(baseUrl, 'DELETE', `${KEYS_API}/${kind}?format=json`, a, limiter);
    if (r.status !== 200 && r.status !== 404) ok = false;
  }
  return ok;
}

function acct(actor: Actor, accounts: Readonly<Record<Actor, Account>>): Acct {
  return { name: actor, ...accounts[actor] };
}

/**
 * Checks credentials and keys of every actor and creates the run folder for each. Throws a
 * ConfigError (exit 3) when an account is unusable or holds keys the target may not reset.
 */
export async function preflight(opts: {
  baseUrl: string;
  accounts: Readonly<Record<Actor, Account>>;
  allowKeyReset: boolean;
  runFolder: string;
  limiter: RateLimiter;
}): Promise<void> {
  for (const actor of ACTORS) {
    const a = acct(actor, opts.accounts);
    const me = await call(
      opts.baseUrl,
      'GET',
      '/ocs/v2.php/cloud/user?format=json',
      a,
      opts.limiter,
    );
    if (me.status !== 200) {
      throw new ConfigError(
        `pre-flight: the credentials of ${actor} (${a.userId}) were refused (HTTP ${me.status})`,
      );
    }
    const held = await keysHeld(opts.baseUrl, a, opts.limiter);
    if (held.length > 0) {
      // E2EE-CONF-031 (MUST, suite): never replace keys of an account that has some, unless allowed.
      if (!opts.allowKeyReset) {
        throw new ConfigError(
          `pre-flight: ${actor} (${a.userId}) already holds E2EE keys (${held.join(', ')}); ` +
            'use dedicated test accounts, or set isolation.allowKeyReset in the target file',
        );
      }
      if (!(await deleteKeys(opts.baseUrl, a, held, opts.limiter))) {
        throw new ConfigError(
          `pre-flight: could not delete the keys of ${actor} (${a.userId}); the secret must be the login password`,
        );
      }
    }
  }
  for (const actor of ACTORS) {
    try {
      await ensureFolder(opts.baseUrl, acct(actor, opts.accounts), opts.runFolder, {
        pace: () => opts.limiter.acquire(),
      });
    } catch (e) {
      throw new ConfigError(`pre-flight: ${(e as Error).message}`);
    }
  }
}

/**
 * Removes what the run left on the server: each actor's run folder, then the keys the run
 * enrolled (pre-flight made sure the actors held none before). Returns problems, never throws.
 */
export async function cleanup(opts: {
  baseUrl: string;
  accounts: Readonly<Record<Actor, Account>>;
  runFolder: string;
  limiter: RateLimiter;
}): Promise<string[]> {
  const problems: string[] = [];
  for (const actor of ACTORS) {
    const a = acct(actor, opts.accounts);
    try {
      await opts.limiter.acquire();
      if (!(await removeFolder(opts.baseUrl, a, opts.runFolder))) {
        problems.push(`could not delete the run folder of ${actor}`);
      }
      if (!(await deleteKeys(opts.baseUrl, a, ['public-key', 'private-key'], opts.limiter))) {
        problems.push(`could not delete the keys the run enrolled for ${actor}`);
      }
    } catch (e) {
      problems.push(`cleanup for ${actor} failed: ${(e as Error).message}`);
    }
  }
  return problems;
}
