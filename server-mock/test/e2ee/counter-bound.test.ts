/**
 * The mock server's bound on lock counter jumps (E2EE-LOCK-073): a member cannot push the stored
 * counter out of honest reach in one lock.
 */
import { describe, expect, it } from 'vitest';
import { lock, makeServer } from './_server.js';

describe.each(['nc30', 'nc32'] as const)('lock counter bound, profile %s', (profile) => {
  it('E2EE-LOCK-073: a counter more than 2^20 above the stored one is refused; 2^20 above is accepted', async () => {
    const s = makeServer(profile);
    const top = s.mkdir(s.root('alice'), 'e2ee');
    s.engine((ctx) => ctx.tree.setEncrypted(top, true));
    const refused = await s
      .ocs('post', `/v2/lock/${top}`)
      .set('X-NC-E2EE-COUNTER', String(2 ** 20 + 1));
    expect(refused.status).toBe(profile === 'nc30' ? 500 : 412);
    expect(refused.headers['x-sealfold-e2ee-code']).toBe('COUNTER_ROLLBACK');
    expect(typeof (await lock(s, top, 2 ** 20))).toBe('string');
  });
});
