/**
 * Staged WebDAV names inside encrypted folders (spec/11-locking.md §4, E2EE-LOCK-042..047).
 *
 * Under a lock, a write to `X` is stored as `X.e2e-to-save` and a delete of `X` renames it to
 * `X.e2e-to-delete`; unlock commits or reverts them. Listings hide `*.e2e-to-save` and show
 * `*.e2e-to-delete` under the original name, so readers only ever see committed state.
 *
 * @module
 */

/** Suffix of an entry written under a lock and not yet committed. */
export const SAVE_SUFFIX = '.e2e-to-save';
/** Suffix of an entry deleted under a lock and not yet committed. */
export const DELETE_SUFFIX = '.e2e-to-delete';

/** True when `name` ends with one of the reserved staging suffixes. */
export function hasReservedSuffix(name: string): boolean {
  return name.endsWith(SAVE_SUFFIX) || name.endsWith(DELETE_SUFFIX);
}

/** True when a listing must hide the entry (`*.e2e-to-save`, E2EE-LOCK-046). */
export function isHiddenStagedName(name: string): boolean {
  return name.endsWith(SAVE_SUFFIX);
}

/**
 * The name a listing shows for a stored entry: `null` for a hidden staged save, the original name
 * for a staged delete, the name itself otherwise (E2EE-LOCK-046).
 */
export function visibleName(name: string): string | null {
  if (name.endsWith(SAVE_SUFFIX)) return null;
  if (name.endsWith(DELETE_SUFFIX)) return name.slice(0, -DELETE_SUFFIX.length);
  return name;
}

/** `name` with `suffix` removed (unchanged when it does not end with it). */
export function stripSuffix(name: string, suffix: string): string {
  return name.endsWith(suffix) ? name.slice(0, -suffix.length) : name;
}
