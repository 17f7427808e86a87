/**
 * Honest sharing scenarios (profile client-sharing): alice shares with bob and carol, members
 * write and read each other's files, alice removes bob (the metadata key rotates), and only the
 * remaining members read what is written afterwards. Run with the vendor as each of the three.
 *
 * @module
 */
import type { ClientCheck } from '../check.js';
import { CheckFailure } from '../check.js';
import { contentFor, expectContent, expectConverged } from './_support.js';

export const shareAndUnshare: ClientCheck = {
  id: 'sharing/share-and-unshare',
  title:
    'sharing: members read and write each other’s files; removing a member rotates the key and shuts them out',
  requirements: ['E2EE-DRV-024', 'E2EE-DRV-071', 'E2EE-API-805'],
  level: 'MUST',
  importance: 'critical',
  profile: 'client-sharing',
  actors: ['alice', 'bob', 'carol'],
  async run(ctx) {
    const alice = await ctx.enrolled('alice');
    const bob = await ctx.enrolled('bob');
    const carol = await ctx.enrolled('carol');
    const folder = ctx.folder('shared');
    const first = contentFor(ctx.seed, 'first');
    await alice.call('folder.create', { path: folder });
    await alice.upload(folder, 'first.txt', first);
    await alice.call('share.add', { folder, userId: bob.userId });
    await alice.call('share.add', { folder, userId: carol.userId });
    const shared = await expectConverged([alice, bob, carol], folder);
    const members = [alice.userId, bob.userId, carol.userId].sort();
    if (shared.members.join(',') !== members.join(',')) {
      throw new CheckFailure('the shared folder has other members', {
        expected: members,
        actual: shared.members,
      });
    }
    await expectContent(bob, folder, 'first.txt', first);
    await expectContent(carol, folder, 'first.txt', first);

    const byBob = contentFor(ctx.seed, 'by-bob');
    await bob.upload(folder, 'by-bob.txt', byBob);
    await expectContent(alice, folder, 'by-bob.txt', byBob);
    await expectContent(carol, folder, 'by-bob.txt', byBob);

    await alice.call('share.remove', { folder, userId: bob.userId });
    const after = await expectConverged([alice, carol], folder);
    if (after.members.includes(bob.userId)) {
      throw new CheckFailure('bob is still a member after share.remove', { actual: after.members });
    }
    // E2EE-API-805: the removal rotates the metadata key.
    if (after.metadataKeySha256 === shared.metadataKeySha256) {
      throw new CheckFailure('share.remove did not rotate the metadata key');
    }
    const later = contentFor(ctx.seed, 'later');
    await carol.upload(folder, 'later.txt', later);
    await expectContent(alice, folder, 'later.txt', later);
    // The removed member reads nothing written after the removal.
    let leaked = false;
    try {
      await bob.download(folder, 'later.txt');
      leaked = true;
    } catch (e) {
      if (e instanceof CheckFailure) throw e;
      ctx.note(`bob after removal: ${(e as Error).name}`);
    }
    if (leaked) throw new CheckFailure('a removed member read a file written after the removal');
  },
};

export const SHARING_CHECKS: readonly ClientCheck[] = [shareAndUnshare];
