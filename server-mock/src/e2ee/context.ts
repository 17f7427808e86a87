/**
 * What every engine operation receives: the tree port, the mutable transaction state, the clock,
 * the randomness source, the stale-lock TTL and the audit sink. Nothing lives at module level.
 *
 * @module
 */

import { defaultRng, sha256Hex, type Rng } from '../../../reference/src/bytes/index.js';
import { ancestry, type E2eeTree } from './tree.js';
import type { E2eeState } from './state.js';
import { NO_FAULTS, type FaultSwitches } from '../faults.js';
import type { Profile } from '../config.js';

/** One audited transaction event (E2EE-LOCK-065). Tokens appear only as a fingerprint. */
export interface E2eeAuditEvent {
  action:
    'lock' | 'unlock' | 'abort' | 'rollback' | 'filedrop' | 'flag-set' | 'flag-clear' | 'reset';
  user: string;
  folderId: number;
  /** First 16 hex digits of sha256(token); `null` when the event has no token. */
  tokenFingerprint: string | null;
  /** Extra facts (counter, committed folder ids, deleted ids). */
  detail?: Record<string, unknown>;
}

/** Engine dependencies. */
export interface E2eeContext {
  readonly tree: E2eeTree;
  readonly state: E2eeState;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
  readonly rng: Rng;
  /** Locks older than this (and idle as long) are rolled back; `null` disables it (E2EE-LOCK-060). */
  readonly lockTtlMs: number | null;
  readonly audit: (e: E2eeAuditEvent) => void;
  /** Fault switches (`../faults.ts`); all off unless a server set them. */
  readonly faults: FaultSwitches;
  /** The status profile: which release's refusals apply (`./profiles.ts`, `refuses`). */
  readonly profile: Profile;
}

/** Builds a context with production defaults for the clock, randomness, TTL (24 h) and audit. */
export function e2eeContext(
  tree: E2eeTree,
  state: E2eeState,
  opts: Partial<
    Pick<E2eeContext, 'now' | 'rng' | 'lockTtlMs' | 'audit' | 'faults' | 'profile'>
  > = {},
): E2eeContext {
  return {
    tree,
    state,
    now: opts.now ?? Date.now,
    rng: opts.rng ?? defaultRng,
    lockTtlMs: opts.lockTtlMs === undefined ? 86_400_000 : opts.lockTtlMs,
    audit: opts.audit ?? (() => {}),
    faults: opts.faults ?? NO_FAULTS,
    profile: opts.profile ?? 'nc32',
  };
}

/** The audit fingerprint of a token: never the token itself (E2EE-SEC-003). */
export function tokenFingerprint(token: string): string {
  return sha256Hex(token).slice(0, 16);
}

/** Result of the ancestor walk of `LockManager::isLocked` (E2EE-LOCK-002). */
export type LockView = 'other' | 'mine' | 'none';

/**
 * Walks from `id` up to the home folder, as `user` sees it: `other` as soon as a lock with a
 * different token is found, `mine` when at least one lock with `token` is found and no other,
 * `none` otherwise (also for a node the user cannot see).
 */
export function lockView(ctx: E2eeContext, user: string, id: number, token: string): LockView {
  if (ctx.tree.node(id) === undefined || !ctx.tree.canAccess(user, id)) return 'none';
  let mine = false;
  for (const a of ancestry(ctx.tree, id)) {
    const lock = ctx.state.locks[String(a)];
    if (lock === undefined) continue;
    // E2EE-LOCK-002 (MUST, server): a lock with another token on the folder or an ancestor wins.
    if (lock.token !== token && !ctx.faults.on('ignore-lock-token')) return 'other';
    mine = true;
  }
  return mine ? 'mine' : 'none';
}

/** Records write activity for the lock that holds `token` (drives the TTL rollback). */
export function touchActivity(ctx: E2eeContext, token: string): void {
  for (const lock of Object.values(ctx.state.locks)) {
    if (lock.token === token) lock.activity = ctx.now();
  }
}
