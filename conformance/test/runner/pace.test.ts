import { describe, expect, it } from 'vitest';
import { pool, RateLimiter, sleep } from '../../src/runner/pace.js';

describe('politeness towards live servers (E2EE-CONF-032)', () => {
  it('E2EE-CONF-032: the rate limiter hands out slots 1/maxRps apart, in call order', async () => {
    let now = 1000;
    const waits: number[] = [];
    const limiter = new RateLimiter(50, {
      now: () => now,
      sleep: async (ms) => void waits.push(ms),
    });
    await Promise.all(Array.from({ length: 5 }, () => limiter.acquire()));
    expect(waits).toEqual([0, 20, 40, 60, 80]);
    // Time passes: a caller after the schedule has drained waits for nothing.
    now += 500;
    await limiter.acquire();
    expect(waits.at(-1)).toBe(0);
  });

  it('E2EE-CONF-032: with the real clock, 11 requests at 50/s take at least 10 intervals', async () => {
    const limiter = new RateLimiter(50);
    const t0 = performance.now();
    await Promise.all(Array.from({ length: 11 }, () => limiter.acquire()));
    // Timers never fire early by more than their 1 ms rounding.
    expect(performance.now() - t0).toBeGreaterThanOrEqual(190);
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
