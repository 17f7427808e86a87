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

/** Returns `accept(key)`: true when the request is within the limit (and counts it). */
export function slidingWindowLimiter(
  limit: number,
  periodMs: number,
  now: () => number,
): (key: string) => boolean {
  const accepted = new Map<string, number[]>();
  return (key) => {
    const t = now();
    const recent = (accepted.get(key) ?? []).filter((a) => t - a < periodMs);
    const ok = recent.length < limit;
    if (ok) recent.push(t);
    accepted.set(key, recent);
    if (accepted.size > SWEEP_AT)
      for (const [k, v] of accepted) if (v.every((a) => t - a >= periodMs)) accepted.delete(k);
    return ok;
  };
}
