/**
 * The adversarial check of the recovery-key profile that needs the mock to misbehave in a way
 * its management interface refuses: it serves the statement with a signature nobody made (attack
 * `recovery-statement-unsigned`). Swapped and server-enabled keys are served through the
 * management interface itself (`../checks/recovery-key.ts`).
 *
 * @module
 */
import { ATTACKS } from '../../../../server-mock/src/adversary/catalogue.js';
import type { ClientCheck } from '../check.js';
import {
  enable,
  recoveryAdmin,
  statementOf,
  storedRoot,
  withStatementCleanup,
} from '../checks/recovery-key.js';
import { CheckFailure } from '../check.js';
import { contentFor } from '../checks/_support.js';
import { mount } from './attack.js';

const ATTACK = 'recovery-statement-unsigned';

export const unsignedStatementRefused: ClientCheck = {
  id: 'adversarial/recovery-statement-unsigned',
  title: `${ATTACK}: a recovery-key statement served without a valid signature is rejected; no consent is taken, nothing is pinned or wrapped`,
  requirements: [...ATTACKS[ATTACK].requirements, 'E2EE-RKEY-101', 'E2EE-CONF-455'],
  level: 'MUST',
  importance: 'critical',
  profile: 'client-recovery-key',
  actors: ['alice'],
  vendorRoles: ['alice'],
  async run(ctx) {
    const admin = await recoveryAdmin();
    const alice = await ctx.enrolled('alice');
    await alice.call('recovery.configure', { anchor: { signerKeySha256: admin.signerKeySha256 } });
    const folder = ctx.folder('rkey-unsigned');
    await alice.call('folder.create', { path: folder });
    await withStatementCleanup(ctx, async () => {
      // The administrator's statement is genuine; the server replaces its signature on the way.
      await enable(ctx, statementOf(admin));
      // The consent names the key the statement carries: only the missing signature is wrong.
      await mount(ctx, {
        attack: ATTACK,
        victim: alice,
        folder,
        act: () =>
          alice.call('recovery.consent', { folder, recoveryKeySha256: admin.recoveryKeySha256 }),
      });
      const events = (await alice.call('recovery.events', {})).events;
      const rejected = events.find((e) => e.kind === 'recovery-key-rejected');
      if (rejected?.code !== 'RECOVERY_POLICY_INVALID')
        throw new CheckFailure('the client reported no rejection of the unsigned statement', {
          expected: { kind: 'recovery-key-rejected', code: 'RECOVERY_POLICY_INVALID' },
          actual: events.map((e) => ({ kind: e.kind, code: e.code ?? null })),
        });
      // Served intact again it is offered for the first time: nothing was pinned from the forgery.
      if (!events.some((e) => e.kind === 'recovery-key-offered'))
        throw new CheckFailure('the genuine statement is not offered after the unsigned one');
      await alice.upload(folder, 'after.txt', contentFor(ctx.seed, 'after'));
      if ((await storedRoot(ctx, alice, folder)).wrap !== undefined)
        throw new CheckFailure('the client wrapped to a recovery key it was never asked about');
    });
  },
};
