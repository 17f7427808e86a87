/**
 * Folder locks: lock, retry, counter check, unlock with commit or abort, and the automatic
 * rollback of stale locks (spec/11-locking.md §2, §3, §5, §6).
 *
 * @module
 */

import { E2eeFailure, refuses } from './profiles.js';
import { isEncryptedPath } from './tree.js';
import { lockView, tokenFingerprint, type E2eeContext } from './context.js';
import { commitToken, revertToken } from './_transaction.js';
import { isV1Document } from './_documents.js';
import type { LockRecord } from './state.js';

/** Alphabet of lock tokens: 62 ASCII letters and digits (E2EE-LOCK-004). */
const TOKEN_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** Length of a lock token (E2EE-LOCK-004). */
export const TOKEN_LENGTH = 64;

/** Which API a lock or unlock came through. v1 has no counter and no abort. */
export type LockApi = 'v1' | 'v2';

/** Lock request as it arrived. */
export interface LockRequest {
  /** The `e2e-token` request parameter (retry); `''` when absent. */
  token: string;
  /** The raw `X-NC-E2EE-COUNTER` header (v2 only). */
  counter?: string | undefined;
  api: LockApi;
}

/** A fresh 64-character alphanumeric token, unbiased (rejection sampling). */
export function newLockToken(ctx: E2eeContext): string {
  let out = '';
  while (out.length < TOKEN_LENGTH) {
    for (const b of ctx.rng(TOKEN_LENGTH)) {
      if (b < 248 && out.length < TOKEN_LENGTH) out += TOKEN_ALPHABET[b % 62];
    }
  }
  return out;
}

/**
 * Parses `X-NC-E2EE-COUNTER`: a decimal integer ≥ 1 (surrounding spaces allowed). Anything else,
 * including 0, counts as missing (E2EE-LOCK-010).
 */
export function parseCounter(raw: string | undefined): number | null {
  if (raw === undefined) return null;
  const t = raw.trim();
  if (!/^[0-9]{1,15}$/.test(t)) return null;
  const n = Number(t);
  return n >= 1 ? n : null;
}

/** Throws LOCK/UNLOCK_FORBIDDEN unless `id` is a folder `user` can see, other than a home folder. */
function assertLockableFolder(ctx: E2eeContext, user: string, id: number, unlock: boolean): void {
  const node = ctx.tree.node(id);
  const kind = unlock ? 'UNLOCK_FORBIDDEN' : 'LOCK_FORBIDDEN';
  // E2EE-LOCK-001 (MUST, server): only folders the user can access are locked; never a home folder.
  if (node === undefined || node.kind !== 'folder' || !ctx.tree.canAccess(user, id)) {
    throw new E2eeFailure(kind, `you are not allowed to ${unlock ? 'remove' : 'create'} the lock`);
  }
  if (node.parentId === null) {
    throw new E2eeFailure(kind, 'you are not allowed to lock the root');
  }
  // E2EE-LOCK-200 (MUST, server): from app 1.18.4 on, only a folder in an encrypted tree is locked.
  const notEncrypted = unlock ? 'UNLOCK_NOT_ENCRYPTED' : 'LOCK_NOT_ENCRYPTED';
  if (
    refuses(notEncrypted, ctx.profile) &&
    !isEncryptedPath(ctx.tree, id) &&
    !ctx.faults.on('lock-unflagged-folder')
  ) {
    throw new E2eeFailure(notEncrypted, 'the folder is not end-to-end encrypted');
  }
  // E2EE-LOCK-201 (MUST, server): from app 1.18.4 on, a share recipient needs update permission.
  const readOnly = unlock ? 'UNLOCK_READ_ONLY_SHARE' : 'LOCK_READ_ONLY_SHARE';
  if (
    refuses(readOnly, ctx.profile) &&
    !ctx.tree.canUpdate(user, id) &&
    !ctx.faults.on('read-only-recipient-locks')
  ) {
    throw new E2eeFailure(readOnly, 'the share does not allow changes');
  }
}

/** v1 endpoints refuse a folder whose stored document is not v1 (E2EE-API-130). */
export function assertV1Folder(ctx: E2eeContext, id: number): void {
  const doc = ctx.state.meta[String(id)]?.doc;
  // E2EE-API-130 (MUST, server): the v1 API refuses a folder whose metadata is not v1.
  if (doc !== undefined && !isV1Document(doc) && !ctx.faults.on('v1-api-on-v2-folder')) {
    throw new E2eeFailure('META_V1_ON_V2', 'client version cannot handle this metadata version');
  }
}

/**
 * Locks folder `id` for `user` and returns the lock token (E2EE-LOCK-001..013).
 *
 * @throws E2eeFailure LOCK_COUNTER_MISSING, LOCK_FORBIDDEN, LOCK_HELD_BY_OTHER,
 *   V1_LOCK_HELD_BY_OTHER, LOCK_COUNTER_NOT_GREATER, META_V1_ON_V2
 */
export function lockFolder(ctx: E2eeContext, user: string, id: number, req: LockRequest): string {
  let counter: number | null = null;
  if (req.api === 'v2') {
    counter = parseCounter(req.counter);
    // E2EE-LOCK-010 (MUST, server): a v2 lock without a counter ≥ 1 is refused.
    if (counter === null) {
      throw new E2eeFailure('LOCK_COUNTER_MISSING', 'X-NC-E2EE-COUNTER is missing in the request');
    }
  }
  assertLockableFolder(ctx, user, id, false);
  if (req.api === 'v1') assertV1Folder(ctx, id);
  // E2EE-LOCK-002 (MUST, server): a lock with another token on the folder or an ancestor wins.
  if (lockView(ctx, user, id, req.token) === 'other') {
    throw new E2eeFailure(
      // E2EE-LOCK-013 (MUST, server): the v1 lock answers a foreign lock with 403 in every profile.
      req.api === 'v1' && !ctx.faults.on('v1-lock-conflict-as-v2')
        ? 'V1_LOCK_HELD_BY_OTHER'
        : 'LOCK_HELD_BY_OTHER',
      'file already locked',
    );
  }
  const key = String(id);
  const existing = ctx.state.locks[key];
  // E2EE-LOCK-003 (MUST, server): a retry with the current token returns the same token.
  if (existing !== undefined && !ctx.faults.on('lock-retry-as-new-lock')) return existing.token;
  const rec = ctx.state.meta[key];
  if (counter !== null) {
    const stored = rec?.counter ?? 0;
    const faults = ctx.faults;
    // E2EE-LOCK-011 (MUST, server): the counter must be strictly greater than the stored one.
    if (
      (stored > counter && !faults.on('accept-stale-counter')) ||
      (stored === counter && !faults.on('accept-equal-counter'))
    ) {
      throw new E2eeFailure(
        'LOCK_COUNTER_NOT_GREATER',
        `received counter is not greater than the stored one (${stored})`,
      );
    }
    // E2EE-LOCK-073 (SHOULD, server): no lock counter jumps more than 2^20 past the stored one.
    if (counter - stored > 2 ** 20)
      throw new E2eeFailure('LOCK_COUNTER_NOT_GREATER', 'counter jump');
  }
  const token = newLockToken(ctx);
  const now = ctx.now();
  ctx.state.locks[key] = { token, timestamp: now, activity: now, user };
  // E2EE-LOCK-012 (MUST, server): the counter is kept as intermediate until the commit; like the
  // real server, only when the folder already has a metadata directory.
  if (counter !== null && rec !== undefined) rec.intermediateCounter = counter;
  ctx.audit({
    action: 'lock',
    user,
    folderId: id,
    tokenFingerprint: tokenFingerprint(token),
    detail: { api: req.api, counter },
  });
  return token;
}

/** Unlock request as it arrived. */
export interface UnlockRequest {
  /** The `e2e-token` header; `''` when absent. */
  token: string;
  /** `?abort=true` (v2 only). */
  abort: boolean;
  api: LockApi;
}

/**
 * Unlocks folder `id`, committing (or with `abort`, reverting) everything written under the token
 * (E2EE-LOCK-020..023, 050..055). Returns the ids whose metadata was committed.
 *
 * @throws E2eeFailure UNLOCK_TOKEN_EMPTY, UNLOCK_FORBIDDEN, UNLOCK_NOT_LOCKED, UNLOCK_WRONG_TOKEN,
 *   META_V1_ON_V2
 */
export function unlockFolder(
  ctx: E2eeContext,
  user: string,
  id: number,
  req: UnlockRequest,
): number[] {
  // E2EE-LOCK-020 (MUST, server): an unlock without a token is refused.
  if (req.token === '' && req.api === 'v2') {
    throw new E2eeFailure('UNLOCK_TOKEN_EMPTY', 'e2e-token is empty');
  }
  assertLockableFolder(ctx, user, id, true);
  if (req.api === 'v1') assertV1Folder(ctx, id);
  const key = String(id);
  const lock = ctx.state.locks[key];
  // E2EE-LOCK-021 (MUST, server): unlocking a folder that is not locked answers "not locked";
  // E2EE-LOCK-202 (MUST, server): an ancestor's lock held by the token keeps its 404 everywhere.
  if (lock === undefined) {
    if (req.api === 'v1') throw new E2eeFailure('V1_UNLOCK_NOT_LOCKED', 'file not locked');
    const held = req.token !== '' && lockView(ctx, user, id, req.token) === 'mine';
    throw new E2eeFailure(held ? 'UNLOCK_ANCESTOR_LOCKED' : 'UNLOCK_NOT_LOCKED', 'file not locked');
  }
  // E2EE-LOCK-022 (MUST, server): only the lock's own token unlocks it, and nothing is committed
  // or reverted otherwise.
  if (lock.token !== req.token) {
    throw new E2eeFailure('UNLOCK_WRONG_TOKEN', 'you are not allowed to remove the lock');
  }
  // The v1 API has no touched-folder records: its unlock also commits the locked folder itself.
  const extra = req.api === 'v1' ? [id] : [];
  let committed: number[] = [];
  if (req.abort && !ctx.faults.on('commit-on-abort')) {
    revertToken(ctx, lock.token, [...extra, id]);
  } else {
    committed = commitToken(ctx, lock.token, extra);
  }
  const rec = ctx.state.meta[key];
  if (rec !== undefined) delete rec.intermediateCounter;
  delete ctx.state.locks[key];
  ctx.audit({
    action: req.abort ? 'abort' : 'unlock',
    user,
    folderId: id,
    tokenFingerprint: tokenFingerprint(lock.token),
    detail: { api: req.api, committed },
  });
  return committed;
}

/** E2EE-LOCK-060: a lock is stale when both it and its last write are older than the TTL. */
export function isStaleLock(lock: LockRecord, now: number, ttlMs: number): boolean {
  return now - lock.timestamp > ttlMs && now - lock.activity > ttlMs;
}

/**
 * Reverts and removes every lock older than the TTL whose last write is also older than the TTL
 * (E2EE-LOCK-060). Returns the folder ids rolled back. Runs before each E2EE request and from the
 * management API, so an injected clock makes it deterministic.
 */
export function rollbackStaleLocks(ctx: E2eeContext): number[] {
  // E2EE-LOCK-060 (MUST, server): stale locks are rolled back.
  if (ctx.lockTtlMs === null || ctx.faults.on('no-stale-lock-rollback')) return [];
  const now = ctx.now();
  const out: number[] = [];
  for (const [key, lock] of Object.entries(ctx.state.locks)) {
    if (!isStaleLock(lock, now, ctx.lockTtlMs)) continue;
    const id = Number(key);
    revertToken(ctx, lock.token, [id]);
    const rec = ctx.state.meta[key];
    if (rec !== undefined) delete rec.intermediateCounter;
    delete ctx.state.locks[key];
    out.push(id);
    ctx.audit({
      action: 'rollback',
      user: lock.user,
      folderId: id,
      tokenFingerprint: tokenFingerprint(lock.token),
      detail: { ageMs: now - lock.timestamp },
    });
  }
  return out;
}
