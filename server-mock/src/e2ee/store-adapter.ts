/**
 * The bridge between the pure transaction engine and the mock server's store: an {@link E2eeTree}
 * over a store transaction, and {@link withE2ee}, which runs one engine operation inside one store
 * transaction (load `documents['e2ee']`, run, audit, save). Everything an operation changes — tree,
 * metadata, locks, audit — commits atomically or not at all, and with a data directory it is
 * journaled before the response (E2EE-LOCK-061).
 *
 * WebDAV handlers use it like this (the write callback runs in the same transaction):
 *
 * ```ts
 * const id = withE2ee(deps.store, e2eeOptions(deps), (ctx, tx) =>
 *   stagePut(ctx, { user, token }, parentId, name, (pid, staged) =>
 *     tree.createNode(tx, nowSec, { parent: pid, name: staged, kind: 'file', content }).id),
 * );
 * ```
 *
 * @module
 */

import { append } from '../audit.js';
import { committedDocs, logCommittedDocs } from '../log-tree/append.js';
import { tree as storeTree, type Store, type StoreView, type Tx } from '../store/index.js';
import { e2eeContext, type E2eeAuditEvent, type E2eeContext } from './context.js';
import { isStaleLock, rollbackStaleLocks } from './locks.js';
import { emptyE2eeState, isE2eeState, type E2eeState } from './state.js';
import type { E2eeTree, TreeNode } from './tree.js';
import type { FaultSwitches } from '../faults.js';
import type { Profile } from '../config.js';

/** Nextcloud's `Constants::PERMISSION_UPDATE`. */
const PERMISSION_UPDATE = 2;

/** Key of the engine's document in the `documents` table. */
export const E2EE_DOCUMENT = 'e2ee';

/** Engine options derived from the server's clock and configuration. */
export interface E2eeOptions {
  /** Milliseconds since the epoch. */
  now: number;
  /** Stale-lock TTL in milliseconds; `null` disables the rollback. */
  lockTtlMs: number | null;
  rng?: E2eeContext['rng'];
  /** Fault switches (`../faults.ts`); all off when absent. */
  faults?: FaultSwitches;
  /** The status profile; `nc32` when absent. */
  profile?: Profile;
}

/** {@link E2eeOptions} from the app's dependencies (`Deps`). */
export function e2eeOptions(deps: {
  clock: { now(): number };
  config: { lockTtlSeconds: number; profile?: Profile };
  faults?: FaultSwitches;
  /** The TTL as set at run time (management API); the configured one when absent. */
  lockTtl?: { seconds: number };
}): E2eeOptions {
  return {
    now: deps.clock.now(),
    lockTtlMs: (deps.lockTtl?.seconds ?? deps.config.lockTtlSeconds) * 1000,
    ...(deps.faults ? { faults: deps.faults } : {}),
    ...(deps.config.profile ? { profile: deps.config.profile } : {}),
  };
}

/**
 * The engine's state as stored, for readers: no copy (stored records are deep-frozen, so it cannot
 * be changed through this); empty when none is stored yet.
 */
export function readE2eeState(view: StoreView): Readonly<E2eeState> {
  const json = view.get('documents', E2EE_DOCUMENT)?.json;
  return isE2eeState(json) ? json : emptyE2eeState();
}

/** The engine's state as stored (a mutable copy); empty when none is stored yet. */
export function loadE2eeState(view: StoreView): E2eeState {
  return structuredClone(readE2eeState(view));
}

function toTreeNode(n: {
  id: number;
  parent: number | null;
  name: string;
  kind: 'file' | 'folder';
  owner: string;
  encrypted: boolean;
}): TreeNode {
  return {
    id: n.id,
    parentId: n.parent,
    name: n.name,
    kind: n.kind,
    owner: n.owner,
    encrypted: n.encrypted,
  };
}

/** The engine's tree port over a store transaction. */
export function treeOf(tx: Tx, nowSec: number): E2eeTree {
  return {
    node: (id) => {
      const n = storeTree.getNode(tx, id);
      return n && toTreeNode(n);
    },
    child: (folderId, name) => {
      const n = storeTree.childByName(tx, folderId, name);
      return n && toTreeNode(n);
    },
    children: (folderId) => tx.childrenOf(folderId).map(toTreeNode),
    move: (id, parentId, name) => {
      storeTree.moveNode(tx, nowSec, id, parentId, name);
    },
    remove: (id) => storeTree.deleteNode(tx, nowSec, id),
    setEncrypted: (id, encrypted) => {
      storeTree.setEncryptedFlag(tx, nowSec, id, encrypted);
    },
    canAccess: (user, id) => storeTree.visibleTo(tx, user, id) !== undefined,
    canUpdate: (user, id) =>
      ((storeTree.visibleTo(tx, user, id)?.permissions ?? 0) & PERMISSION_UPDATE) !== 0,
    isSharedBy: (user, id) => tx.list('shares').some((s) => s.nodeId === id && s.owner === user),
  };
}

/** Folders owned by `user` that carry the encrypted flag (for the reset). */
export function encryptedFoldersOf(view: StoreView, user: string): number[] {
  return view
    .list('nodes')
    .filter((n) => n.owner === user && n.encrypted && n.kind === 'folder')
    .map((n) => n.id);
}

/** Writes one engine event to the audit log (E2EE-LOCK-065); details are short facts only. */
function auditEvent(tx: Tx, now: number, e: E2eeAuditEvent): void {
  const details: Record<string, string | number | boolean> = {};
  if (e.tokenFingerprint !== null) details['token'] = e.tokenFingerprint;
  for (const [k, v] of Object.entries(e.detail ?? {})) {
    if (typeof v === 'number' || typeof v === 'boolean') details[k] = v;
    else if (typeof v === 'string' && v.length <= 40) details[k] = v;
    else if (Array.isArray(v)) details[k] = v.length;
  }
  append(tx, {
    time: now,
    actor: e.user,
    action: `e2ee.${e.action}`,
    object: `file:${e.folderId}`,
    details,
  });
}

/**
 * Runs `fn` with an engine context inside one store transaction and saves the engine state with
 * it. If `fn` throws, nothing is changed (the transaction rolls back) and the error propagates.
 */
export function withE2ee<R>(
  store: Store,
  opts: E2eeOptions,
  fn: (ctx: E2eeContext, tx: Tx) => R,
): R {
  return store.transact((tx) => {
    const state = loadE2eeState(tx);
    const before = committedDocs(state.meta);
    let committer: string | null = null;
    const ctx = e2eeContext(treeOf(tx, Math.floor(opts.now / 1000)), state, {
      now: () => opts.now,
      lockTtlMs: opts.lockTtlMs,
      ...(opts.rng ? { rng: opts.rng } : {}),
      ...(opts.faults ? { faults: opts.faults } : {}),
      ...(opts.profile ? { profile: opts.profile } : {}),
      audit: (e) => {
        committer = e.user;
        auditEvent(tx, opts.now, e);
      },
    });
    const out = fn(ctx, tx);
    // Transparency log (spec/21, E2EE-LOG-004): committed documents are logged in this transaction.
    if (!opts.faults?.on('log-omit-metadata'))
      logCommittedDocs(
        tx,
        before,
        committedDocs(state.meta),
        committer,
        opts.now,
        opts.faults?.on('log-entry-extra-field'),
      );
    // put stores a deep-frozen copy, so `state` itself needs no copy here.
    tx.put('documents', E2EE_DOCUMENT, { json: state });
    return out;
  });
}

/**
 * Rolls back stale locks in a transaction of its own (E2EE-LOCK-060). Routers call it before every
 * E2EE operation, so that a failing operation never undoes a due rollback.
 */
export function rollbackStale(store: Store, opts: E2eeOptions): number[] {
  if (opts.lockTtlMs === null) return [];
  const ttl = opts.lockTtlMs;
  const due = Object.values(readE2eeState(store).locks).some((l) => isStaleLock(l, opts.now, ttl));
  return due ? withE2ee(store, opts, (ctx) => rollbackStaleLocks(ctx)) : [];
}
