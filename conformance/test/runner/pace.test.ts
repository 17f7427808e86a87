import { describe, expect, it } from 'vitest';
import { pool, RateLimiter, sleep } from '../../src/runner/pace.js';

describe('politeness towards live servers (E2EE-CONF-032)', () => {
  it('E2EE-CONF-032: the rate limiter starts at most maxRps requests per second', async () => {
    const limiter = new RateLimiter(50);
    const starts: number[] = [];
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: 11 }, async () => {
        await limiter.acquire();
        starts.push(performance.now() - t0);
      }),
    );
    starts.sort((a, b) => a - b);
    // 11 starts at 50/s need at least 10 intervals of 20 ms.
    expect(starts.at(-1)!).toBeGreaterThanOrEqual(195);
    for (let i = 1; i < starts.length; i++) {
      expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(15);
    }
  });

  it('E2EE-CONF-032: the pool never runs more than `parallelism` items at a time, in order', async () => {
    let inFlight = 0;
    let peak = 0;
    const out = await pool([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await sleep(5 + (n % 3) * 5);
      inFlight--;
      return n * 10;
    });
    expect(peak).toBe(3);
    expect(out).toEqual([10, 20, 30, 40, 50, 60, 70]);
  });

  it('E2EE-CONF-004: waiting for a slot ends when the test is aborted', async () => {
    const limiter = new RateLimiter(1);
    await limiter.acquire();
    const c = new AbortController();
    const waiting = limiter.acquire(c.signal);
    c.abort(new Error('out of time'));
    await expect(waiting).rejects.toThrow('out of time');
  });
});
