/**
 * Status-code profiles of the E2EE transaction API (spec/11-locking.md §7, E2EE-LOCK-070..079).
 *
 * Real servers answer the same situations with different HTTP statuses depending on the
 * end_to_end_encryption app version. The mock reproduces three of them:
 *
 * - `nc30`: app 1.14–1.16 (Nextcloud 28–30). A lock whose counter is not greater than the stored
 *   one ends in an uncaught exception on the real server, i.e. **500**; the profile reproduces it
 *   on purpose (E2EE-LOCK-072) so that clients can be tested against what they will meet.
 * - `nc32`: app 1.18.4 (Nextcloud 32), the default.
 * - `nc33`: app 2.2.2 and later (Nextcloud 33+): the statuses of 1.18.4.
 *
 * Handlers never pick a status themselves: the engine raises an {@link E2eeFailure} naming the
 * situation, and {@link statusFor} looks it up here. This table is the only place where a status
 * depends on the profile; `../problems.ts` holds the refusals whose status is the same in every
 * profile and maps an {@link E2eeFailure} through {@link statusFor}.
 *
 * @module
 */

import { SealfoldError, type E2eeCode } from '../../../reference/src/errors/index.js';
import type { Profile } from '../config.js';

/** Status profiles (E2EE-LOCK-070): the server's `--profile` values. */
export { PROFILES, type Profile } from '../config.js';

/**
 * Every failure situation of the transaction API: the error code it carries and its HTTP status
 * per profile `[nc30, nc32, nc33]` (app 2.2.2 and later answer every situation like 1.18.4). `null` means the profile's release does not refuse the request at
 * all (the check came with a later release); the engine asks {@link refuses} before it raises such
 * a failure. This is the table of spec/11-locking.md §7 (E2EE-LOCK-071) and, for the rows that
 * differ between profiles, of the generated table in spec/10-server-api.md §2.1.
 */
export const FAILURES = {
  // Lock (POST /lock/{id}).
  LOCK_COUNTER_MISSING: { code: 'INPUT_MALFORMED', status: [412, 400, 400] },
  LOCK_HELD_BY_OTHER: { code: 'LOCK_CONFLICT', status: [403, 423, 423] },
  LOCK_COUNTER_NOT_GREATER: { code: 'COUNTER_ROLLBACK', status: [500, 412, 412] },
  LOCK_FORBIDDEN: { code: 'FORBIDDEN', status: [403, 403, 403] },
  /** The folder and its ancestors carry no encrypted flag (app 1.18.4, E2EE-LOCK-200). */
  LOCK_NOT_ENCRYPTED: { code: 'FORBIDDEN', status: [null, 403, 403] },
  /** A share recipient without update permission (app 1.18.4, E2EE-LOCK-201). */
  LOCK_READ_ONLY_SHARE: { code: 'FORBIDDEN', status: [null, 403, 403] },
  V1_LOCK_HELD_BY_OTHER: { code: 'LOCK_CONFLICT', status: [403, 403, 403] },
  // Unlock (DELETE /lock/{id}).
  UNLOCK_TOKEN_EMPTY: { code: 'INPUT_MALFORMED', status: [412, 400, 400] },
  UNLOCK_WRONG_TOKEN: { code: 'LOCK_CONFLICT', status: [403, 403, 403] },
  /** No lock on the folder or an ancestor holds the token (1.18.4's pre-check, E2EE-LOCK-021). */
  UNLOCK_NOT_LOCKED: { code: 'NOT_FOUND', status: [404, 403, 403] },
  /** The folder has no lock of its own, but an ancestor's lock holds the token (E2EE-LOCK-202). */
  UNLOCK_ANCESTOR_LOCKED: { code: 'NOT_FOUND', status: [404, 404, 404] },
  /** The v1 unlock has no pre-check in any release. */
  V1_UNLOCK_NOT_LOCKED: { code: 'NOT_FOUND', status: [404, 404, 404] },
  UNLOCK_FORBIDDEN: { code: 'FORBIDDEN', status: [403, 403, 403] },
  UNLOCK_NOT_ENCRYPTED: { code: 'FORBIDDEN', status: [null, 403, 403] },
  UNLOCK_READ_ONLY_SHARE: { code: 'FORBIDDEN', status: [null, 403, 403] },
  // Metadata (/meta-data/{id}).
  META_TOKEN_EMPTY: { code: 'INPUT_MALFORMED', status: [412, 400, 400] },
  META_SIGNATURE_EMPTY: { code: 'SIGNATURE_MISSING', status: [412, 400, 400] },
  META_MALFORMED: { code: 'METADATA_MALFORMED', status: [400, 400, 400] },
  META_POST_NOT_LOCKED: { code: 'LOCK_CONFLICT', status: [403, 403, 403] },
  META_PUT_NOT_LOCKED: { code: 'LOCK_CONFLICT', status: [403, 412, 412] },
  META_DELETE_NOT_LOCKED: { code: 'LOCK_CONFLICT', status: [403, 412, 412] },
  META_EXISTS: { code: 'ALREADY_EXISTS', status: [409, 409, 409] },
  META_NOT_FOUND: { code: 'NOT_FOUND', status: [404, 404, 404] },
  /**
   * DELETE with no committed document: `MissingMetaDataException` falls into the controller's
   * generic catch, "Cannot delete metadata" (every release, E2EE-API-125).
   */
  META_DELETE_NOTHING_COMMITTED: { code: 'NOT_FOUND', status: [400, 400, 400] },
  META_V1_ON_V2: { code: 'UNSUPPORTED', status: [403, 403, 403] },
  V1_META_NOT_LOCKED: { code: 'LOCK_CONFLICT', status: [403, 403, 403] },
  // Filedrop (PUT /meta-data/{id}/filedrop).
  FILEDROP_MALFORMED: { code: 'METADATA_MALFORMED', status: [400, 400, 400] },
  FILEDROP_LOCKED: { code: 'LOCK_CONFLICT', status: [403, 412, 412] },
  FILEDROP_FORBIDDEN: { code: 'FORBIDDEN', status: [403, 403, 403] },
  // Encrypted flag (/encrypted/{id}).
  FLAG_NOT_FOUND: { code: 'NOT_FOUND', status: [404, 404, 404] },
  // WebDAV inside encrypted folders.
  DAV_NO_TOKEN: { code: 'LOCK_CONFLICT', status: [403, 403, 403] },
  /**
   * A token that does not hold the lock: `LockPlugin` throws core's `FileLocked`, whose HTTP code
   * is always 423 (every release; E2EE-LOCK-041).
   */
  DAV_NOT_LOCKED: { code: 'LOCK_CONFLICT', status: [423, 423, 423] },
  DAV_RESERVED_NAME: { code: 'FORBIDDEN', status: [403, 403, 403] },
  DAV_CROSS_TREE: { code: 'FORBIDDEN', status: [403, 403, 403] },
  DAV_NOT_FOUND: { code: 'NOT_FOUND', status: [404, 404, 404] },
  // User-agent gate (E2EE-API-006).
  CLIENT_NOT_ALLOWED: { code: 'FORBIDDEN', status: [403, 403, 403] },
} as const satisfies Record<
  string,
  { code: E2eeCode; status: readonly [number | null, number | null, number | null] }
>;

/** One failure situation. */
export type FailureKind = keyof typeof FAILURES;

/**
 * A rejected transaction-API operation. `kind` names the situation (stable, used by tests and the
 * executable model); `code` is the spec's error code; the HTTP status depends on the profile.
 */
export class E2eeFailure extends SealfoldError {
  readonly kind: FailureKind;

  constructor(kind: FailureKind, message: string) {
    super(FAILURES[kind].code, message);
    this.kind = kind;
  }
}

/** True when `e` is an {@link E2eeFailure}, optionally of the given kind. */
export function isE2eeFailure(e: unknown, kind?: FailureKind): e is E2eeFailure {
  return e instanceof E2eeFailure && (kind === undefined || e.kind === kind);
}

/** Column of a profile in {@link FAILURES}. */
export function profileIndex(profile: Profile): 0 | 1 | 2 {
  return PROFILE_COLUMNS[profile];
}

/** The {@link FAILURES} column of each profile. */
const PROFILE_COLUMNS: Readonly<Record<Profile, 0 | 1 | 2>> = { nc30: 0, nc32: 1, nc33: 2 };

/** Whether the profile's release refuses the situation at all (see {@link FAILURES}). */
export function refuses(kind: FailureKind, profile: Profile): boolean {
  return FAILURES[kind].status[profileIndex(profile)] !== null;
}

/** HTTP status of a failure situation under a profile (E2EE-LOCK-071). */
export function statusFor(kind: FailureKind, profile: Profile): number {
  const status = FAILURES[kind].status[profileIndex(profile)];
  // The engine raises only failures its profile refuses (`refuses`); anything else is a bug.
  if (status === null) throw new Error(`${kind} is not refused in profile ${profile}`);
  return status;
}
