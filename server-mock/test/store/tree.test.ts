/**
 * The file tree: ids, paths, etag propagation, moves, deletes, and share visibility.
 */
import { describe, expect, it } from 'vitest';
import { MemoryStore, tree, users } from '../../src/store/index.js';
import { isSealfoldError } from '../../../reference/src/errors/index.js';

function setup() {
  const s = new MemoryStore();
  const ids = s.transact((tx) => {
    const a = users.createUser(tx, 1000, { uid: 'alice', password: 'x' });
    users.createUser(tx, 1000, { uid: 'bob', password: 'y' });
    const docs = tree.createNode(tx, 1, { parent: a.rootId, name: 'docs', kind: 'folder' });
    const sub = tree.createNode(tx, 1, { parent: docs.id, name: 'sub', kind: 'folder' });
    const f = tree.createNode(tx, 1, {
      parent: sub.id,
      name: 'f.txt',
      kind: 'file',
      content: new Uint8Array([1]),
    });
    return { root: a.rootId, docs: docs.id, sub: sub.id, f: f.id };
  });
  return { s, ...ids };
}

describe('file tree', () => {
  it('resolves paths per user and propagates etags to every ancestor', () => {
    const { s, root, docs, sub, f } = setup();
    expect(tree.resolvePath(s, 'alice', '/docs/sub/f.txt')!.node.id).toBe(f);
    expect(tree.visibleTo(s, 'alice', f)!.path).toBe('/docs/sub/f.txt');
    expect(tree.resolvePath(s, 'bob', '/docs')).toBeUndefined();
    const before = [root, docs, sub].map((id) => tree.getNode(s, id)!.etag);
    s.transact((tx) => tree.writeContent(tx, 2, f, new Uint8Array([2])));
    const after = [root, docs, sub].map((id) => tree.getNode(s, id)!.etag);
    after.forEach((e, i) => expect(e).not.toBe(before[i]));
    expect(tree.getNode(s, f)!.content).toEqual(new Uint8Array([2]));
  });

  it('refuses duplicate names, bad names and moves into the own subtree without changing state', () => {
    const { s, docs, sub } = setup();
    const fp = s.fingerprint();
    const codes: string[] = [];
    for (const fn of [
      () =>
        s.transact((tx) => tree.createNode(tx, 3, { parent: docs, name: 'sub', kind: 'folder' })),
      () =>
        s.transact((tx) => tree.createNode(tx, 3, { parent: docs, name: 'a/b', kind: 'folder' })),
      () =>
        s.transact((tx) => tree.createNode(tx, 3, { parent: docs, name: '..', kind: 'folder' })),
      () => s.transact((tx) => tree.moveNode(tx, 3, docs, sub, 'x')),
      () => s.transact((tx) => tree.createNode(tx, 3, { parent: 999999, name: 'x', kind: 'file' })),
    ]) {
      try {
        fn();
      } catch (e) {
        if (isSealfoldError(e)) codes.push(e.code);
      }
    }
    expect(codes).toEqual([
      'ALREADY_EXISTS',
      'INPUT_MALFORMED',
      'INPUT_MALFORMED',
      'INPUT_MALFORMED',
      'NOT_FOUND',
    ]);
    expect(s.fingerprint()).toBe(fp);
  });

  it('a user share mounts the folder at the recipient root; deleting it removes the share', () => {
    const { s, docs, sub, f } = setup();
    s.transact((tx) =>
      tx.put('shares', '1', {
        id: 1,
        shareType: 0,
        owner: 'alice',
        nodeId: docs,
        recipient: 'bob',
        token: null,
        permissions: 31,
        mountName: tree.uniqueMountName(tx, 'bob', 'docs'),
        createdAt: 1,
      }),
    );
    expect(tree.resolvePath(s, 'bob', '/docs/sub/f.txt')!.node.id).toBe(f);
    expect(tree.visibleTo(s, 'bob', f)!.share!.id).toBe(1);
    expect(tree.listChildren(s, 'bob', tree.userRoot(s, 'bob')!.id).map((v) => v.path)).toEqual([
      '/docs',
    ]);
    expect(tree.uniqueMountName(s, 'bob', 'docs')).toBe('docs (2)');
    s.transact((tx) => tree.setEncryptedFlag(tx, 2, docs, true));
    expect(tree.isInEncryptedTree(s, f)).toBe(true);
    const gone = s.transact((tx) => tree.deleteNode(tx, 3, sub));
    expect(gone).toEqual([f, sub]);
    s.transact((tx) => tree.deleteNode(tx, 3, docs));
    expect(s.list('shares')).toEqual([]);
    expect(tree.resolvePath(s, 'bob', '/docs')).toBeUndefined();
  });
});
