/**
 * Honest folder scenarios (profile client-core): one user, two devices of different kinds. The
 * writer creates a tree (sub-folders, uploads, a rename, a delete); the other device recovers
 * the same key and must read exactly that tree and content.
 *
 * @module
 */
import type { ClientActor, ClientCheck, ClientCheckContext, RoleKind } from '../check.js';
import { CheckFailure } from '../check.js';
import { contentFor, expectContent, expectConverged, expectEntries } from './_support.js';

/** The tree every core scenario writes, and what it must look like afterwards. */
async function writeTree(ctx: ClientCheckContext, writer: ClientActor, folder: string) {
  const a = contentFor(ctx.seed, 'a');
  const b = contentFor(ctx.seed, 'b', 1);
  const c = contentFor(ctx.seed, 'c', 70_000);
  await writer.call('folder.create', { path: folder });
  await writer.call('folder.create', { path: `${folder}/docs` });
  await writer.call('folder.create', { path: `${folder}/docs/deep` });
  await writer.upload(folder, 'a.txt', a);
  await writer.upload(folder, 'docs/b.bin', b);
  await writer.upload(folder, 'docs/deep/c.bin', c);
  await writer.upload(folder, 'gone.txt', contentFor(ctx.seed, 'gone'));
  await writer.call('file.rename', { folder, name: 'a.txt', newName: 'renamed.txt' });
  await writer.call('file.delete', { folder, name: 'gone.txt' });
  // The writer reads its own writes back.
  await expectContent(writer, folder, 'renamed.txt', a);
  const listed = await writer.call('folder.list', { folder });
  const expected = {
    'renamed.txt': 'file',
    docs: 'folder',
    'docs/b.bin': 'file',
    'docs/deep': 'folder',
    'docs/deep/c.bin': 'file',
  } as const;
  expectEntries(
    {
      path: folder,
      counter: 0,
      metadataKeySha256: '0'.repeat(64),
      members: [],
      entries: listed.entries,
    },
    expected,
    `folder.list by the writer (${writer.kind})`,
  );
  return { files: { 'renamed.txt': a, 'docs/b.bin': b, 'docs/deep/c.bin': c }, expected };
}

/** Writer on a device of `writerKind`, reader on a recovered device of `readerKind`. */
async function treeAcrossDevices(
  ctx: ClientCheckContext,
  writerKind: RoleKind,
  readerKind: RoleKind,
) {
  const folder = ctx.folder('tree');
  const writer = await ctx.newDevice('alice', writerKind);
  await writer.call('identity.enroll', {});
  const { files, expected } = await writeTree(ctx, writer, folder);
  const reader = await ctx.newDevice('alice', readerKind);
  await reader.call('identity.recover', { mnemonic: ctx.mnemonicOf('alice') });
  for (const [name, content] of Object.entries(files))
    await expectContent(reader, folder, name, content);
  const view = await expectConverged([writer, reader], folder);
  expectEntries(view, expected, 'the converged view');
  if (view.members.join(',') !== writer.userId) {
    throw new CheckFailure('the folder has other members than its owner', {
      expected: [writer.userId],
      actual: view.members,
    });
  }
}

export const treeWrittenByReference: ClientCheck = {
  id: 'core/tree-written-by-reference',
  title: 'folders and files: a tree the reference client wrote is read exactly on a vendor device',
  requirements: ['E2EE-DRV-023', 'E2EE-DRV-024', 'E2EE-DRV-026', 'E2EE-DRV-071', 'E2EE-API-304'],
  level: 'MUST',
  importance: 'critical',
  profile: 'client-core',
  actors: ['alice'],
  run: (ctx) => treeAcrossDevices(ctx, 'reference', ctx.roles.alice),
};

export const treeWrittenByVendor: ClientCheck = {
  id: 'core/tree-written-by-vendor',
  title:
    'folders and files: a tree the vendor wrote (sub-folders, rename, delete) is read exactly by the reference client',
  requirements: ['E2EE-DRV-023', 'E2EE-DRV-024', 'E2EE-DRV-026', 'E2EE-DRV-071'],
  level: 'MUST',
  importance: 'critical',
  profile: 'client-core',
  actors: ['alice'],
  needs: ['expose-secrets'],
  run: (ctx) => treeAcrossDevices(ctx, ctx.roles.alice, 'reference'),
};

export const CORE_CHECKS: readonly ClientCheck[] = [treeWrittenByReference, treeWrittenByVendor];
