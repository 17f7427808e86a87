/**
 * Brute-force protection (SRV-11; spec/10-server-api.md §7, E2EE-API-052, E2EE-API-053): failed
 * logins per login name and remote address, and failed link-share-token look-ups per remote
 * address, are counted in a sliding window; once the limit is reached, further attempts are
 * answered 429 with `Retry-After` without being checked, so that guessing a password or a share
 * token costs the window per {@link BRUTE_FORCE_LIMIT} guesses. Like Nextcloud's throttler the
 * counts live in memory, not in the store: a restart forgets them.
 *
 * @module
 */
import type { FaultSwitches } from '../faults.js';

/** Failed attempts allowed per key and window (E2EE-API-052, E2EE-API-053). */
export const BRUTE_FORCE_LIMIT = 10;
/** The window, in milliseconds (600 s). */
export const BRUTE_FORCE_WINDOW_MS = 600_000;

/** Keys kept before expired ones are swept (bounds memory under many remote addresses). */
const SWEEP_AT = 10_000;

/** What a throttled request is told: seconds until an attempt is counted afresh. */
export interface Throttled {
  retryAfterSeconds: number;
}

/** Failure counters of one server. */
export interface BruteForceGuard {
  /** A throttle verdict for a login name from an address, or null when it may be checked. */
  loginThrottled(login: string, address: string): Throttled | null;
  loginFailed(login: string, address: string): void;
  /** The same for link-share tokens, per address only (any token). */
  shareTokenThrottled(address: string): Throttled | null;
  shareTokenFailed(address: string): void;
}

function failureWindow(now: () => number) {
  const failures = new Map<string, number[]>();
  const recent = (key: string, t: number) =>
    (failures.get(key) ?? []).filter((a) => t - a < BRUTE_FORCE_WINDOW_MS);
  return {
    throttled(key: string): Throttled | null {
      const t = now();
      const r = recent(key, t);
      if (r.length < BRUTE_FORCE_LIMIT) return null;
      const oldest = r[r.length - BRUTE_FORCE_LIMIT]!;
      return {
        retryAfterSeconds: Math.max(1, Math.ceil((oldest + BRUTE_FORCE_WINDOW_MS - t) / 1000)),
      };
    },
    failed(key: string): void {
      const t = now();
      failures.set(key, [...recent(key, t), t]);
      if (failures.size > SWEEP_AT)
        for (const [k, v] of failures)
          if (v.every((a) => t - a >= BRUTE_FORCE_WINDOW_MS)) failures.delete(k);
    },
  };
}

/**
 * A guard whose limits apply unless the `no-brute-force-limit` fault is on.
 * @example
 * const guard = bruteForceGuard(() => Date.now(), faultSwitches());
 * guard.loginFailed('alice', '127.0.0.1');
 */
export function bruteForceGuard(now: () => number, faults: FaultSwitches): BruteForceGuard {
  const logins = failureWindow(now);
  const tokens = failureWindow(now);
  const off = () => faults.on('no-brute-force-limit');
  return {
    // E2EE-API-052 (MUST, server): 10 failed logins per login name and address in 600 s → 429.
    loginThrottled: (login, address) => (off() ? null : logins.throttled(`${login}\n${address}`)),
    loginFailed: (login, address) => logins.failed(`${login}\n${address}`),
    // E2EE-API-053 (MUST, server): 10 unknown share tokens per address in 600 s → 429.
    shareTokenThrottled: (address) => (off() ? null : tokens.throttled(address)),
    shareTokenFailed: (address) => tokens.failed(address),
  };
}
