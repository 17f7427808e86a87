/**
 * The client attack catalogue: every named misbehaviour the mock server can mount against a
 * client (spec/17-conformance.md, E2EE-CONF-450..; the invariants of spec/00-introduction.md §4.1). Unlike the fault
 * switches of `../faults.ts`, which break a server requirement so that `certify server` has
 * something to catch, an attack is what a malicious server does to its clients: it rewrites an
 * answer the honest mock produced, so that a correct client must refuse it with a named code.
 *
 * Each entry names the answers it rewrites (`route`), the client invariant of the threat model it
 * mounts, the requirement IDs a client breaks when it accepts the result, and the error codes a
 * correct client reports. `when` says in which client situation those codes are the expected
 * ones (some attacks are only detectable once the client has pinned or verified something).
 *
 * @module
 */
import type { E2eeCode } from '../../../reference/src/errors/index.js';

/** The answers an attack rewrites. */
export type AttackRoute =
  | 'capabilities'
  | 'server-key'
  | 'public-key-post'
  | 'public-key-get'
  | 'meta-data-get'
  | 'dav-file-get'
  | 'dav-propfind'
  | 'log-checkpoint'
  | 'recovery-key-get';

export interface AttackInfo {
  readonly route: AttackRoute;
  /** Invariant tags (spec/00-introduction.md §4.1) that the attack mounts. */
  readonly invariants: readonly string[];
  /** Requirements a client breaks when it accepts what the attack serves. */
  readonly requirements: readonly string[];
  /** What a correct client reports (one of them). */
  readonly expect: readonly E2eeCode[];
  /** The client situation in which {@link expect} applies. */
  readonly when: string;
  readonly description: string;
}

/** Every attack. A closed list; the order is the order of the management API's answers. */
export const ATTACKS = {
  'drop-capability': {
    route: 'capabilities',
    invariants: ['M5'],
    requirements: ['E2EE-API-301'],
    expect: ['UNSUPPORTED'],
    when: 'enrolment or recovery',
    description: 'the capabilities answer no longer offers end-to-end encryption',
  },
  'capability-1x-only': {
    route: 'capabilities',
    invariants: ['M5', 'P2'],
    requirements: ['E2EE-API-301'],
    expect: ['UNSUPPORTED'],
    when: 'enrolment or recovery',
    description: 'the capability claims E2EE API 1.2 only (a downgrade to the unsigned format)',
  },
  'server-key-swap': {
    route: 'server-key',
    invariants: ['K2'],
    requirements: ['E2EE-API-303', 'E2EE-CERT-034'],
    expect: ['KEY_CHANGED', 'CERT_UNTRUSTED'],
    when:
      'KEY_CHANGED on a device that pinned the server key; CERT_UNTRUSTED on first contact ' +
      '(the issued certificate does not verify under the swapped key)',
    description: 'GET server-key serves a fresh RSA key instead of the CA key',
  },
  'own-certificate-other-key': {
    route: 'public-key-post',
    invariants: ['K1'],
    requirements: ['E2EE-API-302', 'E2EE-CERT-016'],
    expect: ['KEY_MISMATCH'],
    when: 'enrolment (no private key is uploaded)',
    description:
      "the certificate issued for the caller's CSR is replaced by a CA-valid one for a key the server holds",
  },
  'own-certificate-other-ca': {
    route: 'public-key-post',
    invariants: ['K1'],
    requirements: ['E2EE-API-302', 'E2EE-CERT-012'],
    expect: ['CERT_UNTRUSTED'],
    when: 'enrolment (no private key is uploaded)',
    description: "the certificate for the caller's own key is issued under another CA key",
  },
  'own-certificate-other-key-lookup': {
    route: 'public-key-get',
    invariants: ['K1'],
    requirements: ['E2EE-API-304', 'E2EE-REC-030'],
    expect: ['KEY_MISMATCH'],
    when: 'recovery on a new device',
    description:
      "GET public-key answers a CA-valid certificate for another key in place of the caller's own",
  },
  'member-certificate-other-key': {
    route: 'public-key-get',
    invariants: ['K2'],
    requirements: ['E2EE-API-804', 'E2EE-SHARE-020', 'E2EE-CERT-805', 'E2EE-CERT-014'],
    expect: ['KEY_CHANGED', 'CERT_USER_MISMATCH'],
    when:
      'KEY_CHANGED when sharing with a user the client has pinned; CERT_USER_MISMATCH on any ' +
      'share when param cn names another user than the one looked up; on first contact without ' +
      'cn the client reports an unverified recipient (E2EE-CERT-039), the limit of trust on first use',
    description:
      "GET public-key answers a CA-valid certificate for a key the server holds in place of other users' (for the user id param cn, when given)",
  },
  'member-certificate-in-document': {
    route: 'meta-data-get',
    invariants: ['K2', 'K4'],
    requirements: ['E2EE-API-309', 'E2EE-API-803'],
    expect: ['SIGNATURE_INVALID', 'KEY_CHANGED'],
    when:
      'opening a folder: the signed users list no longer verifies (SIGNATURE_INVALID), or the ' +
      'substituted member is the signer and is pinned (KEY_CHANGED)',
    description:
      "the users list of a document carries a CA-valid certificate for a key the server holds in place of a member's",
  },
  'inject-member': {
    route: 'meta-data-get',
    invariants: ['K4', 'I1'],
    requirements: ['E2EE-API-309', 'E2EE-SHARE-809', 'E2EE-SEC-053'],
    expect: ['SIGNATURE_INVALID'],
    when:
      'opening a folder or dropping a file into it (the list a filedrop uploader encrypts to); ' +
      'nothing is uploaded',
    description:
      'a users entry for a server-minted identity (param user, default "mallory") is added without a signature',
  },
  'replace-users': {
    route: 'meta-data-get',
    invariants: ['K4'],
    requirements: ['E2EE-API-309', 'E2EE-SHARE-809'],
    expect: ['SIGNATURE_INVALID', 'KEY_CHANGED'],
    when: 'opening a folder or dropping a file into it; nothing is uploaded',
    description:
      'every users entry is replaced by one for the same user id with a server-minted certificate',
  },
  'drop-member': {
    route: 'meta-data-get',
    invariants: ['K4', 'R3'],
    requirements: ['E2EE-API-309'],
    expect: ['SIGNATURE_INVALID'],
    when: 'opening a folder shared with at least two users',
    description: 'the last users entry is removed from the document without a new signature',
  },
  'resign-as-minted-signer': {
    route: 'meta-data-get',
    invariants: ['K2', 'K7'],
    requirements: ['E2EE-API-803', 'E2EE-CERT-805', 'E2EE-META-807', 'E2EE-META-126'],
    expect: ['SIGNER_NOT_MEMBER', 'KEY_CHANGED'],
    when:
      'SIGNER_NOT_MEMBER on a device that verified the folder before (the minted certificate is ' +
      "no verified member's); KEY_CHANGED on a device that only pinned the real signer's key",
    description:
      'a new document, signed with a server-minted certificate for the user id of the first member, wraps a server-chosen key for every member',
  },
  'resign-under-other-ca': {
    route: 'meta-data-get',
    invariants: ['K2', 'K7'],
    requirements: ['E2EE-META-805', 'E2EE-META-043'],
    expect: ['CERT_UNTRUSTED'],
    when: "a device opening the folder for the first time that has not pinned the signer's key",
    description:
      'a new document signed with a certificate for the user id of the first member that another CA issued',
  },
  'strip-signature': {
    route: 'meta-data-get',
    invariants: ['C1', 'K7'],
    requirements: ['E2EE-API-309'],
    expect: ['SIGNATURE_MISSING'],
    when: 'opening a folder',
    description: 'the document is served without its signature header',
  },
  'resign-as-minted-member': {
    route: 'meta-data-get',
    invariants: ['K7', 'R3'],
    requirements: ['E2EE-SEC-054', 'E2EE-META-126'],
    expect: ['SIGNER_NOT_MEMBER'],
    when: 'a device that verified the folder before (it knows the member set)',
    description:
      'a new document listing the members and a server-minted user (param user, default "mallory"), signed by that user',
  },
  'readd-removed-member': {
    route: 'meta-data-get',
    invariants: ['R3', 'K2'],
    requirements: ['E2EE-SEC-054', 'E2EE-META-126', 'E2EE-CERT-805'],
    expect: ['SIGNER_NOT_MEMBER', 'KEY_CHANGED'],
    when:
      'a device that verified the removal (param user = the removed member, required): the ' +
      'signer is no member (SIGNER_NOT_MEMBER) or its key is not the pinned one (KEY_CHANGED)',
    description:
      'a new document re-adding the removed member, signed with a server-minted certificate for that member',
  },
  'counter-rollback': {
    route: 'meta-data-get',
    invariants: ['F1'],
    requirements: ['E2EE-API-309', 'E2EE-META-062'],
    expect: ['COUNTER_ROLLBACK'],
    when: 'a device that has seen or written a later version of the folder',
    description:
      "the folder's previous document (recorded as served or stored), correctly signed, is served instead of the current one",
  },
  'hide-removal': {
    route: 'meta-data-get',
    invariants: ['F1', 'R1', 'R3'],
    requirements: ['E2EE-API-309', 'E2EE-META-062', 'E2EE-SEC-054'],
    expect: ['COUNTER_ROLLBACK'],
    when:
      'a device that has seen the removal (param user = the removed member, required); the ' +
      'last recorded document that still lists that user is served',
    description: 'the last document from before a member removal is served again',
  },
  'subfolder-swap': {
    route: 'meta-data-get',
    invariants: ['M1', 'I1'],
    requirements: ['E2EE-SHARE-041'],
    expect: ['METADATA_MISPLACED'],
    when: 'opening a folder: the scoped sub-folder (scope folder, required) gets the stored document of param source, another sub-folder of the same tree',
    description:
      'every sub-folder below the scoped folder is served the stored document of a sibling sub-folder',
  },
  'v1-document': {
    route: 'meta-data-get',
    invariants: ['P2'],
    requirements: ['E2EE-SEC-031', 'E2EE-META-061'],
    expect: ['METADATA_VERSION_UNSUPPORTED', 'DOWNGRADE'],
    when: 'opening a 2.x folder',
    description:
      'a 1.2 document (no signature, no counter, no files) is served for a 2.x folder with its signature header',
  },
  'flip-metadata-byte': {
    route: 'meta-data-get',
    invariants: ['C1', 'K6'],
    requirements: ['E2EE-API-309'],
    expect: ['SIGNATURE_INVALID'],
    when: 'opening a folder',
    description: 'one byte of the encrypted metadata is flipped',
  },
  'flip-signature-byte': {
    route: 'meta-data-get',
    invariants: ['C1'],
    requirements: ['E2EE-API-309'],
    expect: ['SIGNATURE_INVALID', 'SIGNATURE_MALFORMED'],
    when: 'opening a folder',
    description: 'the last byte of the signature (the RSA signature value) is flipped',
  },
  'zero-wrapped-key': {
    route: 'meta-data-get',
    invariants: ['C4', 'C5', 'K6'],
    requirements: ['E2EE-API-309'],
    expect: ['SIGNATURE_INVALID', 'KEY_UNWRAP_FAILED'],
    when: 'opening a folder',
    description: "every member's wrapped metadata key is replaced by zero bytes of the same length",
  },
  'repeated-byte-wrapped-key': {
    route: 'meta-data-get',
    invariants: ['C5', 'K6'],
    requirements: ['E2EE-API-309'],
    expect: ['SIGNATURE_INVALID', 'KEY_UNWRAP_FAILED'],
    when: 'opening a folder',
    description:
      "every member's wrapped metadata key is replaced by one repeated byte (0x41) of the same length",
  },
  'delete-metadata': {
    route: 'meta-data-get',
    invariants: ['D1'],
    requirements: ['E2EE-API-309'],
    expect: ['NOT_FOUND'],
    when: 'opening a folder (the client deletes nothing locally)',
    description: "the folder's document is answered 404 as if the server had deleted it",
  },
  'flip-file-byte': {
    route: 'dav-file-get',
    invariants: ['C1'],
    requirements: ['E2EE-FILE-006', 'E2EE-FILE-800'],
    expect: ['AEAD_TAG_MISMATCH'],
    when: 'downloading a file (no plaintext is released)',
    description: 'the first byte of an encrypted file body is flipped',
  },
  'flip-file-tag': {
    route: 'dav-file-get',
    invariants: ['C1'],
    requirements: ['E2EE-FILE-006', 'E2EE-FILE-800'],
    expect: ['AEAD_TAG_MISMATCH'],
    when: 'downloading a file (no plaintext is released)',
    description: 'the last byte of an encrypted file body (its authentication tag) is flipped',
  },
  'truncate-file': {
    route: 'dav-file-get',
    invariants: ['C2'],
    requirements: ['E2EE-FILE-006', 'E2EE-FILE-800'],
    expect: ['AEAD_TAG_MISMATCH', 'CIPHERTEXT_MALFORMED'],
    when: 'downloading a file (no plaintext is released)',
    description: 'an encrypted file body is cut to half its length',
  },
  'splice-file': {
    route: 'dav-file-get',
    invariants: ['C2', 'K6'],
    requirements: ['E2EE-FILE-006', 'E2EE-FILE-800'],
    expect: ['AEAD_TAG_MISMATCH'],
    when: 'downloading a file from a folder with at least two files',
    description:
      'the body of another file of the same folder (the next one by encrypted name) is served',
  },
  'delete-folder': {
    route: 'dav-propfind',
    invariants: ['D1'],
    requirements: ['E2EE-API-309'],
    expect: ['NOT_FOUND'],
    when: 'opening a folder (the client deletes nothing locally)',
    description: 'PROPFIND of the scoped folder answers 404 as if the server had deleted it',
  },
  'log-checkpoint-rollback': {
    route: 'log-checkpoint',
    invariants: ['F2'],
    requirements: ['E2EE-LOG-060'],
    expect: ['LOG_INCONSISTENT'],
    when:
      'a client that verifies the transparency log (spec/21) and has verified a later ' +
      'checkpoint than the one replayed',
    description:
      'the checkpoint served to the user before the current one (log-signed, smaller) is served again',
  },
  'log-checkpoint-other-root': {
    route: 'log-checkpoint',
    invariants: ['F2'],
    requirements: ['E2EE-LOG-060', 'E2EE-LOG-023'],
    expect: ['LOG_INCONSISTENT'],
    when:
      'a client that verifies the transparency log without a witness quorum (the re-signed ' +
      'checkpoint carries no cosignature, which a quorum refuses first with LOG_SIGNATURE_INVALID)',
    description:
      'a checkpoint of the same size with another root, signed with the log key, is served',
  },
  'recovery-statement-unsigned': {
    route: 'recovery-key-get',
    invariants: ['K5'],
    requirements: ['E2EE-RKEY-010', 'E2EE-RKEY-024'],
    expect: ['RECOVERY_POLICY_INVALID'],
    when:
      'a recovery-aware client looking at the served statement (spec/20 §4): nothing is pinned, ' +
      'consented or wrapped',
    description:
      'the recovery-key statement is served with its signature replaced by 64 zero bytes: shaped as signed, signed by nobody (a statement the mock refuses to store)',
  },
} as const satisfies Record<string, AttackInfo>;

/** An attack name. */
export type AttackName = keyof typeof ATTACKS;

/** All attack names, in catalogue order. */
export const ATTACK_NAMES = Object.keys(ATTACKS) as readonly AttackName[];

/** True when `name` names an attack of the catalogue. */
export function isAttackName(name: unknown): name is AttackName {
  return typeof name === 'string' && Object.hasOwn(ATTACKS, name);
}
