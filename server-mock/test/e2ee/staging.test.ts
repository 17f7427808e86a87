/**
 * The engine's staging API for WebDAV handlers (spec/11-locking.md §4) over a minimal in-memory
 * tree, and the small pure helpers (token format, counter parsing, names).
 */

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MemTree } from './_tree.js';
import {
  e2eeContext,
  emptyE2eeState,
  hasReservedSuffix,
  isE2eeFailure,
  isHiddenStagedName,
  lockFolder,
  newLockToken,
  parseCounter,
  resolveGetTarget,
  stageCopy,
  stageDelete,
  stageMove,
  stagePut,
  unlockFolder,
  visibleName,
  type E2eeContext,
  type FailureKind,
} from '../../src/e2ee/index.js';

function world(): { ctx: E2eeContext; t: MemTree; vault: number; plain: number; home: number } {
  const t = new MemTree();
  const home = t.addUser('alice');
  t.addUser('eve');
  const vault = t.create(home, 'vault', 'folder');
  t.setEncrypted(vault, true);
  const plain = t.create(home, 'plain', 'folder');
  let now = 1_000;
  const ctx = e2eeContext(t, emptyE2eeState(), { now: () => now++ });
  return { ctx, t, vault, plain, home };
}

function failure(fn: () => unknown): FailureKind | 'none' {
  try {
    fn();
    return 'none';
  } catch (e) {
    if (isE2eeFailure(e)) return e.kind;
    throw e;
  }
}

const put = (t: MemTree, body: string) => (pid: number, name: string) =>
  t.putFile(pid, name, new TextEncoder().encode(body));

describe('staging', () => {
  it('E2EE-LOCK-041: a token that does not hold the lock of the target or an ancestor is refused', () => {
    const { ctx, t, vault } = world();
    expect(
      failure(() => stagePut(ctx, { user: 'alice', token: undefined }, vault, 'f', put(t, 'x'))),
    ).toBe('DAV_NO_TOKEN');
    expect(
      failure(() => stagePut(ctx, { user: 'alice', token: 'nope' }, vault, 'f', put(t, 'x'))),
    ).toBe('DAV_NOT_LOCKED');
    const tok = lockFolder(ctx, 'alice', vault, { api: 'v2', token: '', counter: '1' });
    expect(failure(() => stagePut(ctx, { user: 'eve', token: tok }, vault, 'f', put(t, 'x')))).toBe(
      'DAV_NOT_LOCKED',
    );
    expect(t.children(vault)).toEqual([]);
  });

  it('E2EE-LOCK-042: names with a staging suffix cannot be addressed', () => {
    const { ctx, t, vault } = world();
    const tok = lockFolder(ctx, 'alice', vault, { api: 'v2', token: '', counter: '1' });
    for (const n of ['a.e2e-to-save', 'a.e2e-to-delete', '', 'a/b']) {
      expect(
        failure(() => stagePut(ctx, { user: 'alice', token: tok }, vault, n, put(t, 'x'))),
      ).toBe('DAV_RESERVED_NAME');
    }
    expect(hasReservedSuffix('x.e2e-to-save')).toBe(true);
    expect(hasReservedSuffix('x.e2e-to-saved')).toBe(false);
  });

  it('E2EE-LOCK-043: PUT and MKCOL are stored as name.e2e-to-save and renamed at unlock', () => {
    const { ctx, t, vault } = world();
    const tok = lockFolder(ctx, 'alice', vault, { api: 'v2', token: '', counter: '1' });
    const id = stagePut(ctx, { user: 'alice', token: tok }, vault, 'f', put(t, 'x'));
    expect(t.node(id)!.name).toBe('f.e2e-to-save');
    expect(stagePut(ctx, { user: 'alice', token: tok }, vault, 'f', put(t, 'y'))).toBe(id);
    unlockFolder(ctx, 'alice', vault, { api: 'v2', token: tok, abort: false });
    expect(t.node(id)!.name).toBe('f');
    expect(ctx.state.staged).toEqual({});
  });

  it('E2EE-LOCK-044: DELETE renames to name.e2e-to-delete; abort gives the name back', () => {
    const { ctx, t, vault } = world();
    const f = t.putFile(vault, 'f', new Uint8Array([1]));
    const tok = lockFolder(ctx, 'alice', vault, { api: 'v2', token: '', counter: '1' });
    stageDelete(ctx, { user: 'alice', token: tok }, f);
    expect(t.node(f)!.name).toBe('f.e2e-to-delete');
    expect(failure(() => stageDelete(ctx, { user: 'alice', token: tok }, 999))).toBe(
      'DAV_NOT_FOUND',
    );
    unlockFolder(ctx, 'alice', vault, { api: 'v2', token: tok, abort: true });
    expect(t.node(f)!.name).toBe('f');
  });

  it('E2EE-LOCK-045: MOVE and COPY stay inside the encrypted tree; destinations are staged; abort moves back', () => {
    const { ctx, t, vault, plain } = world();
    const sub = t.create(vault, 'sub', 'folder');
    const f = t.putFile(vault, 'f', new Uint8Array([1]));
    const p = t.putFile(plain, 'p', new Uint8Array([2]));
    const tok = lockFolder(ctx, 'alice', vault, { api: 'v2', token: '', counter: '1' });
    const a = { user: 'alice', token: tok };
    const copy = (src: number, pid: number, name: string) => t.putFile(pid, name, t.content(src)!);
    expect(failure(() => stageMove(ctx, a, f, plain, 'x'))).toBe('DAV_CROSS_TREE');
    expect(failure(() => stageCopy(ctx, a, p, vault, 'x', copy))).toBe('DAV_CROSS_TREE');
    stageMove(ctx, a, f, sub, 'g');
    expect(t.dump(vault)).toEqual(['/sub/', '/sub/g.e2e-to-save']);
    const c = stageCopy(ctx, a, f, vault, 'h', copy);
    expect(t.node(c)!.name).toBe('h.e2e-to-save');
    unlockFolder(ctx, 'alice', vault, { api: 'v2', token: tok, abort: true });
    expect(t.dump(vault)).toEqual(['/f', '/sub/']);
  });

  it('E2EE-LOCK-046: listings hide staged saves and show staged deletes under their name', () => {
    expect(isHiddenStagedName('a.e2e-to-save')).toBe(true);
    expect(visibleName('a.e2e-to-save')).toBeNull();
    expect(visibleName('a.e2e-to-delete')).toBe('a');
    expect(visibleName('a')).toBe('a');
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), (n) => {
        fc.pre(!hasReservedSuffix(n));
        expect(visibleName(n)).toBe(n);
        expect(visibleName(`${n}.e2e-to-delete`)).toBe(n);
      }),
    );
  });

  it('E2EE-LOCK-047: GET of a name that exists only as name.e2e-to-delete is served from it', () => {
    const { ctx, t, vault } = world();
    const f = t.putFile(vault, 'f', new Uint8Array([1]));
    const tok = lockFolder(ctx, 'alice', vault, { api: 'v2', token: '', counter: '1' });
    stagePut(ctx, { user: 'alice', token: tok }, vault, 'n', put(t, 'x'));
    stageDelete(ctx, { user: 'alice', token: tok }, f);
    expect(resolveGetTarget(t, vault, 'f')?.id).toBe(f);
    expect(resolveGetTarget(t, vault, 'n')).toBeUndefined();
    expect(resolveGetTarget(t, vault, 'n.e2e-to-save')).toBeUndefined();
  });

  it('E2EE-LOCK-004: tokens are 64 characters of [A-Za-z0-9], uniformly drawn', () => {
    const { ctx } = world();
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const tok = newLockToken(ctx);
      expect(tok).toMatch(/^[A-Za-z0-9]{64}$/);
      seen.add(tok);
    }
    expect(seen.size).toBe(200);
    // Bytes ≥ 248 are rejected (rejection sampling keeps the 62 letters uniform).
    let calls = 0;
    const mixed = e2eeContext(new MemTree(), emptyE2eeState(), {
      rng: (n) => new Uint8Array(n).fill(calls++ === 0 ? 250 : 1),
    });
    expect(newLockToken(mixed)).toBe('B'.repeat(64));
  });

  it('E2EE-LOCK-010: parseCounter accepts decimal integers ≥ 1 only', () => {
    expect(parseCounter(' 42 ')).toBe(42);
    for (const bad of [undefined, '', '0', '-1', '1e3', '0x10', '1.0', '9999999999999999']) {
      expect(parseCounter(bad)).toBeNull();
    }
  });
});
