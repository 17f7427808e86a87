/**
 * A sliding-window rate limiter, as Nextcloud's `Limiter` applies `#[AnonRateLimit]`: a request is
 * accepted when fewer than `limit` requests with the same key were accepted in the last
 * `periodMs`; refused requests are not counted. The counts live in the limiter (one per router),
 * not in the store: they are not persisted, and a restart forgets them, as Nextcloud's memory
 * cache does.
 *
 * @module
 */

/** Keys kept before expired ones are swept (bounds memory under many remote addresses). */
const SWEEP_AT = 10_000;

/** A sliding window: `accept` counts a request; `retryAfterSeconds` says when the next one fits. */
export interface SlidingWindow {
  /** True when the request is within the limit (and then counts it). */
  accept(key: string): boolean;
  /** Whole seconds until `key` may send again (at least 1); 0 while it is within the limit. */
  retryAfterSeconds(key: string): number;
}

/** Creates a {@link SlidingWindow} of `limit` requests per `periodMs` and key. */
export function slidingWindow(limit: number, periodMs: number, now: () => number): SlidingWindow {
  const accepted = new Map<string, number[]>();
  const recentOf = (key: string, t: number) =>
    (accepted.get(key) ?? []).filter((a) => t - a < periodMs);
  return {
    accept: (key) => {
      const t = now();
      const recent = recentOf(key, t);
      const ok = recent.length < limit;
      if (ok) recent.push(t);
      accepted.set(key, recent);
      if (accepted.size > SWEEP_AT)
        for (const [k, v] of accepted) if (v.every((a) => t - a >= periodMs)) accepted.delete(k);
      return ok;
    },
    retryAfterSeconds: (key) => {
      const t = now();
      const recent = recentOf(key, t);
      if (recent.length < limit) return 0;
      // The oldest counted request leaves the window first.
      return Math.max(1, Math.ceil((recent[0]! + periodMs - t) / 1000));
    },
  };
}

/** Returns `accept(key)`: true when the request is within the limit (and counts it). */
export function slidingWindowLimiter(
  limit: number,
  periodMs: number,
  now: () => number,
): (key: string) => boolean {
  return slidingWindow(limit, periodMs, now).accept;
}
