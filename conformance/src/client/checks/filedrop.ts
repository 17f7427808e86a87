/**
 * Honest filedrop scenario (profile client-filedrop): bob drops a file into alice's shared
 * folder without a lock; alice merges it; both read it. Run with the vendor as dropper and as
 * merger.
 *
 * @module
 */
import type { ClientCheck } from '../check.js';
import { CheckFailure } from '../check.js';
import { contentFor, expectContent, expectConverged } from './_support.js';

export const dropAndMerge: ClientCheck = {
  id: 'filedrop/drop-and-merge',
  title:
    'filedrop: a dropped file is encrypted to the members, merged by a member and read by both',
  requirements: ['E2EE-DRV-025', 'E2EE-DRV-071', 'E2EE-API-312'],
  level: 'MUST',
  importance: 'high',
  profile: 'client-filedrop',
  actors: ['alice', 'bob'],
  async run(ctx) {
    const alice = await ctx.enrolled('alice');
    const bob = await ctx.enrolled('bob');
    const folder = ctx.folder('drop');
    await alice.call('folder.create', { path: folder });
    await alice.call('share.add', { folder, userId: bob.userId });
    await bob.call('sync.refresh', { folder });
    const dropped = contentFor(ctx.seed, 'dropped');
    const recipients = await bob.drop(folder, 'dropped.txt', dropped);
    const members = [alice.userId, bob.userId].sort();
    if ([...recipients].sort().join(',') !== members.join(',')) {
      throw new CheckFailure('the dropped file was encrypted to others than the members', {
        expected: members,
        actual: recipients,
      });
    }
    const merged = await alice.call('sync.refresh', { folder, mergeFiledrop: true });
    if (!merged.merged || merged.merged.length !== 1) {
      throw new CheckFailure('the member merged no dropped file', { actual: merged });
    }
    await expectContent(alice, folder, 'dropped.txt', dropped);
    await expectContent(bob, folder, 'dropped.txt', dropped);
    await expectConverged([alice, bob], folder);
  },
};

export const FILEDROP_CHECKS: readonly ClientCheck[] = [dropAndMerge];
