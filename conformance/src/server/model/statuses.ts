/**
 * The HTTP statuses the model expects, per status profile: the table of spec/11-locking.md §7
 * (E2EE-LOCK-071) written out once, plus the statuses that are the same in every profile
 * (chapters 12 and 14). The model names a situation; this table turns it into a number.
 *
 * @module
 */

/** The status profiles the model knows (spec/10-server-api.md §2). */
export const MODEL_PROFILES = ['nc30', 'nc32', 'nc33'] as const;
export type ModelProfile = (typeof MODEL_PROFILES)[number];

/** Situation → [nc30, nc32] status (E2EE-LOCK-071); nc33 (app 2.2.2+) answers like nc32. */
const BY_PROFILE = {
  /** Lock: counter missing, empty or 0 (E2EE-LOCK-010). */
  counterMissing: [412, 400],
  /** Lock: another token on the folder or an ancestor (E2EE-LOCK-002). */
  lockedByOther: [403, 423],
  /** Lock: counter not greater than the stored one (E2EE-LOCK-011, E2EE-LOCK-072). */
  counterNotGreater: [500, 412],
  /** Lock or unlock of something that is not a folder the user sees (E2EE-LOCK-001). */
  forbidden: [403, 403],
  /** Unlock without a token (E2EE-LOCK-020). */
  unlockEmpty: [412, 400],
  /** Unlock with another token (E2EE-LOCK-022). */
  unlockWrong: [403, 403],
  /** Unlock of a folder that is not locked (E2EE-LOCK-021; app 1.18.4's pre-check: 403). */
  unlockNotLocked: [404, 403],
  /** Lock or unlock by a share recipient without update permission (E2EE-LOCK-201). */
  readOnlyShare: [200, 403],
  /** Metadata write without `e2e-token` (E2EE-API-122). */
  tokenEmpty: [412, 400],
  /** Metadata POST while the lock view is not *mine* (E2EE-LOCK-030). */
  postNotLocked: [403, 403],
  /** Metadata PUT or DELETE while the lock view is not *mine* (E2EE-LOCK-030). */
  putNotLocked: [403, 412],
  /** Filedrop while the folder or an ancestor is locked (E2EE-API-141). */
  filedropLocked: [403, 412],
} as const;

export type Situation = keyof typeof BY_PROFILE;

/** The status of `situation` in `profile`. */
export function statusFor(profile: ModelProfile, situation: Situation): number {
  return BY_PROFILE[situation][profile === 'nc30' ? 0 : 1];
}

/** True when the conformance run's status profile is one the model knows. */
export function isModelProfile(p: string): p is ModelProfile {
  return (MODEL_PROFILES as readonly string[]).includes(p);
}
