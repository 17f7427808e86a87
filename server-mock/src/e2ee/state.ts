/**
 * The E2EE transaction state of the mock server: a plain JSON value, so the store can persist it
 * atomically together with the file tree (spec/11-locking.md §2, §5).
 *
 * It mirrors the real app's storage: the lock table
 * `oc_e2e_encryption_lock(id, timestamp, token)`, the per-folder directory
 * `meta-data/<fileId>/{meta.data, meta.data.signature, meta.data.counter, intermediate.*}` and
 * the touched-folder records `tokens/<token>/<folderId>`, plus the staged WebDAV entries of
 * each token. A folder has a {@link MetaRecord} exactly when its metadata directory exists.
 *
 * @module
 */

/** `meta-data/<fileId>/`: committed and intermediate documents of one folder. */
export interface MetaRecord {
  /** `meta.data`: the committed document, byte-exact as uploaded (E2EE-API-126). */
  doc?: string;
  /** `meta.data.signature`: the committed signature, opaque and never verified (E2EE-API-126). */
  signature?: string;
  /** `meta.data.counter`: the last committed lock counter (0 when absent, E2EE-LOCK-012). */
  counter?: number;
  /** `intermediate.meta.data` (+ `.signature`): written under a lock, promoted at unlock. */
  intermediate?: { doc: string; signature?: string };
  /** `intermediate.meta.data.counter`: the counter header of the current lock. */
  intermediateCounter?: number;
}

/** One row of the lock table: one lock per folder id (E2EE-LOCK-001). */
export interface LockRecord {
  token: string;
  /** Lock time, milliseconds since the epoch. */
  timestamp: number;
  /** Last write under this token (metadata or staging), milliseconds; drives the TTL rollback. */
  activity: number;
  /** The user who took the lock (audit only). */
  user: string;
}

/** A WebDAV entry staged under a token (E2EE-LOCK-040..046). */
export interface StagedEntry {
  /** File id of the staged node. */
  id: number;
  /** `save`: stored as `X.e2e-to-save`; `delete`: renamed to `X.e2e-to-delete`. */
  op: 'save' | 'delete';
  /** For a staged MOVE: where the node came from, so that abort can put it back. */
  origin?: { parentId: number; name: string };
}

/** Everything the transaction engine keeps, keyed by decimal file id and by token. */
export interface E2eeState {
  locks: Record<string, LockRecord>;
  meta: Record<string, MetaRecord>;
  /** `tokens/<token>/<folderId>`: folders whose metadata was written under the token. */
  touched: Record<string, number[]>;
  /** Staged WebDAV entries per token. */
  staged: Record<string, StagedEntry[]>;
}

/** A fresh, empty state. */
export function emptyE2eeState(): E2eeState {
  return { locks: {}, meta: {}, touched: {}, staged: {} };
}

/** True when `v` has the shape of an {@link E2eeState} (used when loading persisted state). */
export function isE2eeState(v: unknown): v is E2eeState {
  if (typeof v !== 'object' || v === null) return false;
  const s = v as Record<string, unknown>;
  return ['locks', 'meta', 'touched', 'staged'].every(
    (k) => typeof s[k] === 'object' && s[k] !== null && !Array.isArray(s[k]),
  );
}
