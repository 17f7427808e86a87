import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockTarget, type MockTarget } from './_mock-target.js';
import { modelTransactionsCheck } from '../../src/server/model/checks.js';

describe('model run against the clean mock', () => {
  let target: MockTarget;
  beforeAll(async () => {
    target = await startMockTarget('nc32');
  });
  afterAll(() => target.close());

  it('passes', async () => {
    const ctx = target.context({
      profile: 'nc32',
      claims: ['server-core'],
      seed: 1,
      budget: { numRuns: 5, maxCommands: 15, wallClockMs: 20_000 },
      folder: 'conf/a',
    });
    await modelTransactionsCheck.run(ctx);
    console.log(ctx.notes, ctx.requests());
    expect(ctx.requests()).toBeGreaterThan(0);
  });
});
