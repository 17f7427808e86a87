/**
 * The per-switch proof of issue 7's "Done when": for every fault switch of the mock
 * (server-mock/src/faults.ts), the server checks that must FAIL on a mock with that switch on, and
 * so the requirement IDs they evidence. `faults.test.ts` runs `certifyServer` for each row and
 * asserts FAIL on exactly these checks (every other check not FAIL) and exit code 1.
 *
 * A row may name more than one check when the broken requirement is evidenced by several (a
 * second certificate also breaks the immutability across re-login), or when a check's set-up
 * relies on what the switch breaks (`keys/second-private-key-rejected` reads back the blob it
 * stored, which `private-key-not-byte-exact` changes).
 */
import type { FaultName } from '../../server-mock/src/faults.js';

export interface FaultRow {
  fault: FaultName;
  /** The check ids that must FAIL, in battery order. */
  fails: readonly string[];
  /** Status profiles to run under (default nc32). */
  statusProfiles?: readonly ('nc30' | 'nc32' | 'nc33')[];
  /**
   * `battery`: run every check but the model run's and assert over all of them. Otherwise only the
   * checks of the groups (`keys/…`, `lock/…`) of `fails` run, to keep the test short.
   */
  scope?: 'battery';
}

export const FAULT_TABLE: readonly FaultRow[] = [
  { fault: 'recovery-key-accepts-private-key', fails: ['recovery-key/private-key-refused'] },
  { fault: 'recovery-key-not-byte-exact', fails: ['recovery-key/statement-byte-exact'] },
  // Transparency log (spec/21-transparency-log.md). Without the capability no log check can find
  // the log, so all five fail; a stale checkpoint also serves proofs beyond its own size.
  {
    fault: 'log-capability-missing',
    fails: [
      'log/capability-advertised',
      'log/changes-logged',
      'log/proofs-verify',
      'log/append-only',
      'log/tiles-verify',
    ],
  },
  { fault: 'log-omit-metadata', fails: ['log/changes-logged'] },
  { fault: 'log-entry-extra-field', fails: ['log/changes-logged'] },
  { fault: 'log-fork-per-user', fails: ['log/append-only'] },
  { fault: 'log-inclusion-proof-corrupted', fails: ['log/proofs-verify'] },
  { fault: 'log-checkpoint-stale', fails: ['log/changes-logged', 'log/proofs-verify'] },
  { fault: 'log-tile-corrupted', fails: ['log/tiles-verify'] },
  {
    fault: 'accept-second-public-key',
    fails: ['keys/second-public-key-rejected', 'keys/immutable-across-relogin'],
  },
  { fault: 'accept-second-private-key', fails: ['keys/second-private-key-rejected'] },
  { fault: 'sign-foreign-cn', fails: ['keys/csr-foreign-cn-refused'], scope: 'battery' },
  { fault: 'skip-proof-of-possession', fails: ['keys/csr-proof-of-possession'] },
  {
    fault: 'private-key-not-byte-exact',
    fails: ['keys/second-private-key-rejected', 'keys/private-key-byte-exact'],
  },
  {
    fault: 'reset-without-confirmation',
    fails: ['keys/delete-needs-password-confirmation'],
    scope: 'battery',
  },
  {
    fault: 'accept-stale-counter',
    fails: ['metadata/counter-stale-refused'],
    statusProfiles: ['nc30', 'nc32'],
  },
  {
    fault: 'accept-equal-counter',
    fails: ['metadata/counter-equal-refused'],
    statusProfiles: ['nc30', 'nc32'],
  },
  {
    fault: 'ignore-lock-token',
    // The v1 lock's foreign-lock 403 rests on the same lock view.
    fails: ['lock/foreign-token-refused', 'lock/ancestor-lock', 'v1/lock-without-counter'],
    scope: 'battery',
  },
  { fault: 'commit-on-abort', fails: ['lock/abort-reverts'] },
  { fault: 'lock-unflagged-folder', fails: ['lock/needs-encrypted-folder'] },
  { fault: 'read-only-recipient-locks', fails: ['sharing/read-only-recipient-cannot-lock'] },
  { fault: 'no-stale-lock-rollback', fails: ['lock/stale-lock-rollback'] },
  { fault: 'metadata-not-byte-exact', fails: ['metadata/byte-exact'] },
  { fault: 'clear-e2ee-flag-with-content', fails: ['flags/flag-rules'] },
  {
    fault: 'filedrop-lost-on-malformed-metadata',
    fails: ['filedrop/malformed-metadata-keeps-entries'],
    scope: 'battery',
  },
  { fault: 'read-only-recipient-can-write', fails: ['sharing/read-only-recipient-cannot-write'] },
  { fault: 'admit-non-e2ee-clients', fails: ['flags/non-e2ee-clients-kept-out'] },
  {
    fault: 'crash-on-malformed',
    // A malformed `users` list is INPUT_MALFORMED too, so its 400 becomes the switch's 500.
    fails: ['keys/public-key-lookup-errors', 'security/fuzz-malformed-requests'],
    scope: 'battery',
  },
  { fault: 'leak-authorization-in-log', fails: ['security/no-secret-in-logs'] },
  // Only nc32 checks the blob's format (E2EE-API-041), so only nc32 has a refusal to leak it in.
  { fault: 'leak-secret-in-error', fails: ['security/no-secret-in-errors'] },
  { fault: 'no-brute-force-limit', fails: ['security/brute-force-limit'] },
  { fault: 'no-retry-after', fails: ['security/brute-force-limit'] },
  { fault: 'no-server-key-rate-limit', fails: ['security/server-key-rate-limit'] },
  { fault: 'gate-refusal-without-hint', fails: ['sealfold/gate-refusal-says-how'] },
  { fault: 'requesttoken-passes-csrf', fails: ['sealfold/no-browser-session'] },
  { fault: 'v1-post-needs-lock', fails: ['v1/metadata-without-signature-or-counter'] },
  {
    fault: 'nc30-counter-rollback-not-500',
    fails: ['metadata/counter-equal-refused', 'metadata/counter-stale-refused'],
    statusProfiles: ['nc30'],
  },
  {
    fault: 'keys-exist-always-true',
    fails: ['capabilities/end-to-end-encryption'],
    statusProfiles: ['nc30', 'nc32'],
  },
  { fault: 'public-keys-skip-missing', fails: ['keys/public-key-lookup-errors'] },
  { fault: 'delete-absent-private-key-404', fails: ['keys/absent-keys-not-found'] },
  { fault: 'skip-private-key-format-check', fails: ['keys/private-key-format-checked'] },
  { fault: 'share-token-keys-unchecked', fails: ['keys/share-token-writes-refused'] },
  { fault: 'share-token-private-key-ignored', fails: ['sharing/link-share-private-key'] },
  { fault: 'filedrop-share-permission-unchecked', fails: ['filedrop/link-share-upload'] },
  {
    fault: 'anonymous-public-key-refused',
    fails: ['keys/anonymous-public-key-lookup'],
    statusProfiles: ['nc33'],
  },
  {
    fault: 'v1-filedrop-route-kept',
    fails: ['legacy-v1/filedrop-route'],
    statusProfiles: ['nc33'],
  },
  { fault: 'uploaded-certificate-any-cn', fails: ['keys/uploaded-certificate-checked'] },
  { fault: 'skip-ocs-csrf-check', fails: ['ocs/csrf-header-required'] },
  { fault: 'ocs-always-json', fails: ['ocs/envelope-formats'] },
  { fault: 'ocs-v1-http-status-from-statuscode', fails: ['ocs/status-codes'] },
  // The anonymous 401/997 is also part of the status codes (E2EE-API-002).
  { fault: 'anonymous-refused-403', fails: ['ocs/status-codes', 'ocs/anonymous-refused'] },
  { fault: 'params-query-first', fails: ['ocs/parameters-body-first'] },
  // The served key is not the CA key either, so the issued certificate no longer verifies.
  {
    fault: 'weak-server-key',
    fails: ['keys/certificate-issued-to-caller', 'certificate/server-key-rsa-2048'],
  },
  { fault: 'allow-reserved-suffix', fails: ['lock/reserved-suffix-refused'] },
  { fault: 'reset-answers-without-deleting', fails: ['flags/encrypted-files-reset'] },
  {
    fault: 'v1-api-on-v2-folder',
    fails: ['v1/refuses-v2-folder'],
    statusProfiles: ['nc30', 'nc32'],
  },
  // nc30 answers a foreign v2 lock with 403 too, so only nc32 tells the two apart.
  { fault: 'v1-lock-conflict-as-v2', fails: ['v1/lock-without-counter'] },
  {
    fault: 'random-serial-by-default',
    fails: ['certificate/issued-profile'],
    statusProfiles: ['nc30', 'nc32'],
  },
  // WebDAV (spec/14-webdav-and-shares.md), one check per switch.
  { fault: 'dav-foreign-tree-readable', fails: ['webdav/own-tree-only'] },
  { fault: 'unknown-properties-omitted', fails: ['webdav/propfind-bodies'] },
  { fault: 'absent-depth-as-zero', fails: ['webdav/propfind-depth'] },
  { fault: 'displayname-missing', fails: ['webdav/properties'] },
  {
    fault: 'is-encrypted-always-zero',
    fails: ['webdav/encryption-properties'],
    statusProfiles: ['nc30', 'nc32'],
  },
  { fault: 'permissions-for-every-client', fails: ['webdav/permissions'] },
  { fault: 'dav-405-without-allow', fails: ['webdav/no-property-writes'] },
  { fault: 'mkcol-accepts-body', fails: ['webdav/mkcol'] },
  { fault: 'get-folder-answers-200', fails: ['webdav/get-and-head'] },
  { fault: 'delete-root-not-refused', fails: ['webdav/delete'] },
  { fault: 'move-across-encryption-boundary', fails: ['webdav/move-across-encryption'] },
  { fault: 'search-ignores-where', fails: ['webdav/search-finds'] },
  { fault: 'search-foreign-scope', fails: ['webdav/search-refusals'] },
  { fault: 'search-applies-propfind-gate', fails: ['webdav/search-serves-metadata'] },
  // Checks that had no switch of their own (issue 7).
  { fault: 'certificate-signature-corrupted', fails: ['keys/certificate-issued-to-caller'] },
  { fault: 'lock-retry-as-new-lock', fails: ['lock/token-and-retry'] },
  { fault: 'staged-saves-listed', fails: ['lock/commit-on-unlock'] },
  { fault: 'share-not-listed-at-root', fails: ['sharing/share-visible-to-recipient'] },
  {
    fault: 'filedrop-replaces-entries',
    // The link-share check uploads twice with the same token and reads both entries back.
    fails: ['filedrop/merge-without-lock', 'filedrop/link-share-upload'],
  },
  { fault: 'dav-path-segments-unchecked', fails: ['webdav/path-segments'] },
  { fault: 'xml-dtd-accepted', fails: ['webdav/xml-body-limits'] },
];
