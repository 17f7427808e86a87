/**
 * Politeness towards live servers (E2EE-CONF-032): a request-rate limit shared by every test of a
 * run, and a bounded pool that runs at most `parallelism` tests at a time.
 *
 * @module
 */

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 && !signal?.aborted) return Promise.resolve();
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Spaces request starts at least `1000 / maxRps` ms apart, across all callers. Slots are handed
 * out in call order, so concurrent tests share the budget fairly.
 */
export class RateLimiter {
  readonly #intervalMs: number;
  #next = 0;
  readonly #clock: Clock;

  constructor(maxRps: number, clock: Clock = realClock) {
    if (!(maxRps > 0)) throw new RangeError('maxRps must be positive');
    this.#intervalMs = Number.isFinite(maxRps) ? 1000 / maxRps : 0;
    this.#clock = clock;
  }

  /** Waits for the next free slot (rejects when `signal` aborts while waiting). */
  async acquire(signal?: AbortSignal): Promise<void> {
    if (this.#intervalMs === 0) return;
    const now = this.#clock.now();
    const slot = Math.max(now, this.#next);
    this.#next = slot + this.#intervalMs;
    await this.#clock.sleep(slot - now, signal);
  }
}

/** Time as the rate limiter sees it (injectable, so that its schedule can be tested exactly). */
export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

const realClock: Clock = { now: () => performance.now(), sleep };

/**
 * Runs `work` for every item with at most `parallelism` in flight; results keep the items' order.
 */
export async function pool<T, R>(
  items: readonly T[],
  parallelism: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!, i);
    }
  };
  const n = Math.max(1, Math.min(parallelism, items.length));
  await Promise.all(Array.from({ length: n }, worker));
  return results;
}
