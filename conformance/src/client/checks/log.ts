/**
 * The `client-log` profile (spec/18 §4.1, spec/21 §10): a client that verifies the transparency
 * log completes an honest run with it, and refuses what the log does not show — a fork between
 * two users seen through a shared witness, a metadata commit omitted from the log (as writer and
 * as reader), a rolled-back or re-rooted checkpoint, and a key not in the log at first contact.
 * The mock misbehaves through its log switches (spec/21 §9) and its attack catalogue.
 *
 * @module
 */
import type { ClientCheck } from '../check.js';
import { CheckFailure } from '../check.js';
import { mount } from '../adversarial/attack.js';
import { contentFor, expectContent, expectConverged } from './_support.js';
import {
  expectLogRefusal,
  expectLogUnchanged,
  expectVerifiedCurrent,
  logDevice,
  logStatusOf,
  serverCheckpoint,
  withLogHarness,
} from './_log-support.js';

export const honestRunWithLog: ClientCheck = {
  id: 'log/honest-run',
  title:
    'log: with a witness quorum of one, members create, share, write and read, and each verifies the log up to the checkpoint it is shown',
  requirements: ['E2EE-LOG-101', 'E2EE-DRV-134', 'E2EE-DRV-130', 'E2EE-LOG-064'],
  level: 'MUST',
  importance: 'critical',
  profile: 'client-log',
  actors: ['alice', 'bob'],
  run: (ctx) =>
    withLogHarness(ctx, async (h) => {
      const alice = await logDevice(ctx, 'alice', h.withWitness);
      const bob = await logDevice(ctx, 'bob', h.withWitness);
      // E2EE-DRV-130: configuring again with the same values changes nothing.
      await alice.call('log.configure', h.withWitness);
      const folder = ctx.folder('logged');
      const first = contentFor(ctx.seed, 'first');
      const second = contentFor(ctx.seed, 'second');
      await alice.call('folder.create', { path: folder });
      await alice.upload(folder, 'first.txt', first);
      await alice.call('share.add', { folder, userId: bob.userId });
      await expectContent(bob, folder, 'first.txt', first);
      await bob.upload(folder, 'second.txt', second);
      await expectContent(alice, folder, 'second.txt', second);
      await expectConverged([alice, bob], folder);
      // E2EE-LOG-101 (MUST, suite): an honest run with the log, verified by both members.
      for (const who of [alice, bob]) await expectVerifiedCurrent(ctx, h, who);
      if ((await h.witnessSize()) === null)
        throw new Error('the witness cosigned nothing: the run did not exercise the quorum');
    }),
};

export const forkBetweenUsers: ClientCheck = {
  id: 'log/fork-between-users',
  title:
    "log: bob is shown a branch of the log without alice's commit and served her previous document; the shared witness saw her branch, so bob's client refuses",
  requirements: ['E2EE-LOG-100', 'E2EE-LOG-061', 'E2EE-LOG-102'],
  level: 'MUST',
  importance: 'critical',
  profile: 'client-log',
  actors: ['alice', 'bob'],
  vendorRoles: ['bob'],
  run: (ctx) =>
    withLogHarness(ctx, async (h) => {
      const alice = await logDevice(ctx, 'alice', h.withWitness);
      const bob = await logDevice(ctx, 'bob', h.withWitness);
      const folder = ctx.folder('forked');
      await alice.call('folder.create', { path: folder });
      await alice.call('share.add', { folder, userId: bob.userId });
      await bob.call('sync.refresh', { folder });
      const atSize = (await serverCheckpoint(ctx, h, alice)).size;
      await ctx.server.manage('PUT', '/log/switches', { fork: { users: [bob.userId], atSize } });
      // alice's commit lands on the main branch only; her client's check has the witness cosign it.
      await alice.upload(folder, 'after-the-fork.txt', contentFor(ctx.seed, 'fork'));
      const { installed } = (await ctx.server.manage('POST', '/attacks', {
        attack: 'counter-rollback',
        scope: { user: bob.userId, folder },
      })) as { installed: { id: number } };
      try {
        // E2EE-LOG-102 (MUST, suite): the fork applied — bob's branch is behind the witness.
        const bobSize = (await serverCheckpoint(ctx, h, bob)).size;
        const witnessSize = await h.witnessSize();
        if (witnessSize === null || bobSize >= witnessSize)
          throw new Error(
            `the fork did not apply (bob is shown ${bobSize}, the witness has ${witnessSize})`,
          );
        ctx.note(`bob is shown size ${bobSize}; the witness cosigned size ${witnessSize}`);
        await expectLogRefusal(
          ctx,
          bob,
          ['LOG_INCONSISTENT'],
          'sync.refresh on a forked log',
          () => bob.call('sync.refresh', { folder }),
          folder,
        );
      } finally {
        await ctx.server.manage('DELETE', `/attacks/${installed.id}`);
      }
    }),
};

/** E2EE-LOG-102: fails the test as ERROR unless the omit switch swallowed its entry. */
async function expectOmitted(ctx: Parameters<ClientCheck['run']>[0]): Promise<void> {
  const s = (await ctx.server.manage('GET', '/log/switches')) as {
    omit: { count: number } | null;
  };
  if (s.omit === null || s.omit.count !== 0)
    throw new Error('the omit switch did not apply: no metadata entry was left out');
}

export const omittedOwnCommit: ClientCheck = {
  id: 'log/omitted-own-commit',
  title:
    "log: the server commits the client's own metadata write but leaves it out of the log; the writer refuses",
  requirements: ['E2EE-LOG-100', 'E2EE-LOG-064', 'E2EE-DRV-132'],
  level: 'MUST',
  importance: 'critical',
  profile: 'client-log',
  actors: ['alice'],
  run: (ctx) =>
    withLogHarness(ctx, async (h) => {
      const alice = await logDevice(ctx, 'alice', h.withWitness);
      const folder = ctx.folder('omitted');
      await alice.call('folder.create', { path: folder });
      await alice.upload(folder, 'logged.txt', contentFor(ctx.seed, 'logged'));
      await ctx.server.manage('PUT', '/log/switches', { omit: { kinds: ['metadata'], count: 1 } });
      const before = await logStatusOf(alice);
      const content = contentFor(ctx.seed, 'omitted');
      // The write commits on the server, so only the log state must be unchanged (not the view).
      const first = await alice.upload(folder, 'omitted.txt', content).then(
        () => ({ accepted: true as const }),
        (error: unknown) => ({ accepted: false as const, error }),
      );
      // Judged only once the switch is known to have applied (else ERROR, not FAIL).
      await expectOmitted(ctx);
      await ctx.expectRejection(
        first.accepted ? Promise.resolve() : Promise.reject(first.error),
        ['LOG_ENTRY_MISSING'],
        'an upload whose commit the log omits',
      );
      await ctx.expectRejection(
        alice.upload(folder, 'omitted.txt', content),
        ['LOG_ENTRY_MISSING'],
        'an upload to the folder whose latest commit the log omits',
      );
      await expectLogUnchanged(alice, before, ['LOG_ENTRY_MISSING']);
    }),
};

export const omittedCommitRead: ClientCheck = {
  id: 'log/omitted-commit-read',
  title:
    "log: a member's commit is left out of the log while the log grows; a reader refuses the folder and keeps its state, the verified checkpoint included",
  requirements: ['E2EE-LOG-100', 'E2EE-LOG-062', 'E2EE-LOG-065'],
  level: 'MUST',
  importance: 'critical',
  profile: 'client-log',
  actors: ['alice', 'bob', 'carol'],
  vendorRoles: ['bob'],
  run: (ctx) =>
    withLogHarness(ctx, async (h) => {
      const alice = await logDevice(ctx, 'alice', h.withWitness);
      const bob = await logDevice(ctx, 'bob', h.withWitness);
      const folder = ctx.folder('omitted-read');
      await alice.call('folder.create', { path: folder });
      await alice.call('share.add', { folder, userId: bob.userId });
      await bob.call('sync.refresh', { folder });
      await ctx.server.manage('PUT', '/log/switches', { omit: { kinds: ['metadata'], count: 1 } });
      // alice (the reference client) refuses her own unlogged write; it committed all the same.
      await alice.upload(folder, 'unlogged.txt', contentFor(ctx.seed, 'unlogged')).then(
        () => {
          throw new Error('the reference client accepted an unlogged commit of its own');
        },
        () => undefined,
      );
      await expectOmitted(ctx);
      // carol's enrolment appends a key entry: bob's refresh verifies a larger checkpoint before
      // it meets the unlogged document, and must keep none of it (E2EE-LOG-065).
      await ctx.enrolled('carol');
      await expectLogRefusal(
        ctx,
        bob,
        ['LOG_ENTRY_MISSING'],
        'sync.refresh of a folder whose latest commit the log omits',
        () => bob.call('sync.refresh', { folder }),
        folder,
      );
    }),
};

export const checkpointRolledBack: ClientCheck = {
  id: 'log/checkpoint-rolled-back',
  title:
    'log-checkpoint-rollback: an earlier, smaller checkpoint that still holds the folder’s document is served again; the client refuses it as inconsistent',
  requirements: ['E2EE-LOG-100', 'E2EE-LOG-060', 'E2EE-CONF-455'],
  level: 'MUST',
  importance: 'critical',
  profile: 'client-log',
  actors: ['alice', 'carol'],
  vendorRoles: ['alice'],
  run: (ctx) =>
    withLogHarness(ctx, async (h) => {
      const alice = await logDevice(ctx, 'alice', h.noWitness);
      const folder = ctx.folder('rollback');
      await alice.call('folder.create', { path: folder });
      await alice.upload(folder, 'kept.txt', contentFor(ctx.seed, 'kept'));
      await alice.call('sync.refresh', { folder });
      // carol's enrolment appends a key entry: alice's next checkpoint is larger, and the one
      // before it still holds alice's document, so only the log's growth can tell them apart.
      await ctx.enrolled('carol');
      await alice.call('sync.refresh', { folder });
      const before = await logStatusOf(alice);
      await mount(ctx, {
        attack: 'log-checkpoint-rollback',
        victim: alice,
        folder,
        act: () => alice.call('sync.refresh', { folder }),
      });
      await expectLogUnchanged(alice, before, ['LOG_INCONSISTENT']);
    }),
};

export const checkpointOtherRoot: ClientCheck = {
  id: 'log/checkpoint-other-root',
  title:
    'log-checkpoint-other-root: a checkpoint of the verified size with another root, signed with the log key, is refused as inconsistent',
  requirements: ['E2EE-LOG-100', 'E2EE-LOG-060', 'E2EE-CONF-455'],
  level: 'MUST',
  importance: 'critical',
  profile: 'client-log',
  actors: ['alice'],
  run: (ctx) =>
    withLogHarness(ctx, async (h) => {
      const alice = await logDevice(ctx, 'alice', h.noWitness);
      const folder = ctx.folder('other-root');
      await alice.call('folder.create', { path: folder });
      await alice.upload(folder, 'kept.txt', contentFor(ctx.seed, 'kept'));
      await alice.call('sync.refresh', { folder });
      const before = await logStatusOf(alice);
      await mount(ctx, {
        attack: 'log-checkpoint-other-root',
        victim: alice,
        folder,
        act: () => alice.call('sync.refresh', { folder }),
      });
      await expectLogUnchanged(alice, before, ['LOG_INCONSISTENT']);
    }),
};

export const keyNotInLog: ClientCheck = {
  id: 'log/key-not-in-log',
  title:
    'log: sharing with a user met for the first time, the server answers a CA-valid certificate that is not in the log; the client refuses to share',
  requirements: ['E2EE-LOG-100', 'E2EE-LOG-063', 'E2EE-DRV-132'],
  level: 'MUST',
  importance: 'critical',
  profile: 'client-log',
  actors: ['alice', 'bob'],
  vendorRoles: ['alice'],
  run: (ctx) =>
    withLogHarness(ctx, async (h) => {
      const alice = await logDevice(ctx, 'alice', h.withWitness);
      const bob = await ctx.enrolled('bob');
      const folder = ctx.folder('first-contact');
      await alice.call('folder.create', { path: folder });
      const before = await logStatusOf(alice);
      await mount(ctx, {
        attack: 'member-certificate-other-key',
        victim: alice,
        folder,
        // Without the log this is the first-contact limit (accepted, reported unverified).
        codes: ['LOG_ENTRY_MISSING'],
        act: () => alice.call('share.add', { folder, userId: bob.userId }),
        // A refused share.add withdraws the OCS share it created: share ids move on.
        serverUnchanged: false,
      });
      await expectLogUnchanged(alice, before, ['LOG_ENTRY_MISSING']);
      const members = (await alice.fingerprint(folder)).folder?.members ?? [];
      if (members.includes(bob.userId))
        throw new CheckFailure('bob became a member under a key that is not in the log');
    }),
};

/** The client-log checks, in run order. */
export const LOG_CHECKS: readonly ClientCheck[] = [
  honestRunWithLog,
  forkBetweenUsers,
  omittedOwnCommit,
  omittedCommitRead,
  checkpointRolledBack,
  checkpointOtherRoot,
  keyNotInLog,
];
