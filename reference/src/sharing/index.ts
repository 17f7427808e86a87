/**
 * Sharing, revocation with key rotation, whole-folder re-encryption, and filedrop
 * (spec/08-sharing.md §4-§6).
 *
 * Revocation without re-encryption ({@link removeMember}) protects everything created or changed
 * after the removal; it cannot protect content the removed member already held keys for, which
 * it reports as `exposedFiles`. {@link reencryptFolder} gives the stronger guarantee.
 *
 * @module
 */
export {
  addMember,
  assertRecipientsAuthorized,
  reencryptFolder,
  removeMember,
  type BodyStore,
  type ExposedFile,
  type MembershipOptions,
} from './members.js';
export {
  createFiledropEntry,
  mergeFiledrop,
  openFiledropEntry,
  verifiedFiledropRecipients,
  type CreateFiledropEntryOptions,
  type FiledropRecipients,
  type FiledropRecipientsOptions,
  type FiledropEntry,
  type RejectedFiledropEntry,
} from './filedrop.js';
