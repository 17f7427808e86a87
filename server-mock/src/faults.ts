/**
 * Fault switches: named, deterministic misbehaviour of the mock server (Pebble's lesson,
 * conformance-design §3.7). Each switch breaks exactly one server requirement at the one place in
 * the mock that enforces it (a single `faults.on('…')` guard), so that `sealfold certify server`
 * can show that each of its checks fails on a server that breaks what the check evidences.
 *
 * Switches are off unless set: at start with `--fault NAME` (repeatable; the startup banner lists
 * them) or at run time through the management API (`GET/POST /__sealfold/faults`). They never
 * persist.
 *
 * @module
 */

/** Every fault switch: what it does and the requirement it breaks. A closed list. */
export const FAULTS = {
  'accept-second-public-key': {
    breaks: 'E2EE-API-022',
    description: 'a second POST/PUT public-key replaces the stored certificate instead of 409',
  },
  'accept-second-private-key': {
    breaks: 'E2EE-API-811',
    description: 'a second POST private-key replaces the stored blob instead of 409',
  },
  'sign-foreign-cn': {
    breaks: 'E2EE-CERT-052',
    description: 'the CA issues a certificate whatever common name the CSR names',
  },
  'skip-proof-of-possession': {
    breaks: 'E2EE-CERT-051',
    description: "the CA issues without verifying the CSR's self-signature",
  },
  'private-key-not-byte-exact': {
    breaks: 'E2EE-API-809',
    description: 'the private-key blob is stored with its base64 segments re-encoded (trimmed)',
  },
  'reset-without-confirmation': {
    breaks: 'E2EE-API-060',
    description: 'key deletes and the encrypted-files reset accept an app password',
  },
  'accept-stale-counter': {
    breaks: 'E2EE-LOCK-011',
    description: 'a lock whose counter is lower than the stored one is granted',
  },
  'accept-equal-counter': {
    breaks: 'E2EE-LOCK-011',
    description: 'a lock whose counter equals the stored one is granted',
  },
  'ignore-lock-token': {
    breaks: 'E2EE-LOCK-002',
    description: "the lock view treats another token's lock as the caller's own",
  },
  'lock-unflagged-folder': {
    breaks: 'E2EE-LOCK-200',
    description: 'nc32 locks and unlocks a folder outside every encrypted tree instead of 403',
  },
  'read-only-recipient-locks': {
    breaks: 'E2EE-LOCK-201',
    description: 'nc32 lets a share recipient without update permission lock the folder',
  },
  'commit-on-abort': {
    breaks: 'E2EE-LOCK-055',
    description: 'an abort commits the transaction instead of reverting it',
  },
  'no-stale-lock-rollback': {
    breaks: 'E2EE-LOCK-060',
    description: 'locks older than the TTL are never rolled back',
  },
  'metadata-not-byte-exact': {
    breaks: 'E2EE-API-126',
    description: 'metadata documents are re-serialised (JSON.parse + JSON.stringify) when stored',
  },
  'clear-e2ee-flag-with-content': {
    breaks: 'E2EE-API-111',
    description: 'DELETE /encrypted/{id} clears the flag of a folder that has content',
  },
  'filedrop-lost-on-malformed-metadata': {
    breaks: 'E2EE-API-121',
    description: 'a metadata PUT that is not a JSON object is stored (pending filedrops are lost)',
  },
  'read-only-recipient-can-write': {
    breaks: 'E2EE-API-235',
    description: "WebDAV writes ignore the share's permission bits",
  },
  'admit-non-e2ee-clients': {
    breaks: 'E2EE-API-006',
    description: 'the E2EE user-agent gate lets every client through',
  },
  'crash-on-malformed': {
    breaks: 'E2EE-API-007',
    description: 'malformed OCS input (an INPUT_MALFORMED refusal) ends in a 500 instead of a 4xx',
  },
  'leak-authorization-in-log': {
    breaks: 'E2EE-SEC-060',
    description: 'the request log records the Authorization header',
  },
  'leak-secret-in-error': {
    breaks: 'E2EE-SEC-062',
    description: 'a refused private-key upload echoes the blob in the error message',
  },
  'no-brute-force-limit': {
    breaks: 'E2EE-API-052',
    description: 'failed logins and share-token guesses are never throttled',
  },
  'no-retry-after': {
    breaks: 'E2EE-API-406',
    description: 'a throttled login is answered 429 without Retry-After',
  },
  'no-server-key-rate-limit': {
    breaks: 'E2EE-API-051',
    description: 'anonymous GET server-key is never throttled',
  },
  'gate-refusal-without-hint': {
    breaks: 'E2EE-API-407',
    description: "the E2EE gate's OCS 403 carries no message saying how to pass it",
  },
  'requesttoken-passes-csrf': {
    breaks: 'E2EE-API-408',
    description: 'an OCS request with a requesttoken header passes without OCS-APIRequest',
  },
  'v1-post-needs-lock': {
    breaks: 'E2EE-API-131',
    description: 'a v1 meta-data POST is refused without a lock, like a v2 one',
  },
  'nc30-counter-rollback-not-500': {
    breaks: 'E2EE-LOCK-072',
    description: "nc30 answers a lock whose counter is not greater with nc32's 412, not 500",
  },
  'keys-exist-always-true': {
    breaks: 'E2EE-API-011',
    description: "the capability's keys-exist is true for every caller, keys or not",
  },
  'public-keys-skip-missing': {
    breaks: 'E2EE-API-021',
    description:
      'GET public-key leaves out named other users without a certificate instead of answering 404',
  },
  'delete-absent-private-key-404': {
    breaks: 'E2EE-API-042',
    description: 'DELETE private-key answers 404 when there is no private key instead of 200 []',
  },
  'random-serial-by-default': {
    breaks: 'E2EE-CERT-053',
    description: 'the CA issues random serial numbers outside strict-serial mode instead of 0',
  },
  'skip-ocs-csrf-check': {
    breaks: 'E2EE-API-003',
    description: 'OCS requests without the OCS-APIRequest: true header are served',
  },
  'weak-server-key': {
    breaks: 'E2EE-CERT-080',
    description: 'GET server-key serves an RSA-1024 key with exponent 3 instead of the CA key',
  },
  'allow-reserved-suffix': {
    breaks: 'E2EE-LOCK-042',
    description: 'WebDAV writes may address .e2e-to-save / .e2e-to-delete names themselves',
  },
  'reset-answers-without-deleting': {
    breaks: 'E2EE-API-150',
    description: 'DELETE encrypted-files answers the folder ids but deletes nothing',
  },
  'dav-foreign-tree-readable': {
    breaks: 'E2EE-API-200',
    description:
      "WebDAV serves a request on another user's tree (as the caller's own) instead of 403",
  },
  'unknown-properties-omitted': {
    breaks: 'E2EE-API-821',
    description:
      'PROPFIND leaves requested properties the node lacks out instead of a 404 propstat',
  },
  'absent-depth-as-zero': {
    breaks: 'E2EE-API-212',
    description: 'PROPFIND without a Depth header answers the node alone instead of Depth 1',
  },
  'displayname-missing': {
    breaks: 'E2EE-API-270',
    description: 'PROPFIND gives no d:displayname',
  },
  'is-encrypted-always-zero': {
    breaks: 'E2EE-API-822',
    description: 'nc:is-encrypted is 0 for every folder, whatever its E2EE flag',
  },
  'permissions-for-every-client': {
    breaks: 'E2EE-API-216',
    description:
      'oc:permissions of nodes in encrypted trees are given to clients that are not E2EE clients',
  },
  'dav-405-without-allow': {
    breaks: 'E2EE-API-224',
    description: 'an unsupported WebDAV method is answered 405 without an Allow header',
  },
  'mkcol-accepts-body': {
    breaks: 'E2EE-API-230',
    description: 'MKCOL with a body creates the folder instead of answering 415',
  },
  'get-folder-answers-200': {
    breaks: 'E2EE-API-232',
    description: 'GET of a folder answers 200 with an empty body instead of 405',
  },
  'delete-root-not-refused': {
    breaks: 'E2EE-API-233',
    description: "DELETE of the user's root is not refused with 403",
  },
  'move-across-encryption-boundary': {
    breaks: 'E2EE-API-800',
    description: 'MOVE and COPY between encrypted and plain trees are carried out',
  },
  'v1-api-on-v2-folder': {
    breaks: 'E2EE-API-130',
    description: 'v1 lock, unlock and meta-data serve a folder whose document is 2.x',
  },
  'v1-lock-conflict-as-v2': {
    breaks: 'E2EE-LOCK-013',
    description: "a foreign v1 lock is answered with the v2 lock's profile status (423 in nc32)",
  },
  'search-ignores-where': {
    breaks: 'E2EE-API-271',
    description: 'SEARCH answers every node below the scope, whatever d:where says',
  },
  'search-foreign-scope': {
    breaks: 'E2EE-API-272',
    description:
      "SEARCH with another user's tree as scope searches the caller's tree instead of 403",
  },
  'search-applies-propfind-gate': {
    breaks: 'E2EE-API-273',
    description: 'SEARCH serves nc:e2ee-metadata only to E2EE clients, like PROPFIND',
  },
  'ocs-always-json': {
    breaks: 'E2EE-API-001',
    description:
      'OCS answers are JSON even when the client asked for XML (no format, no JSON Accept)',
  },
  'ocs-v1-http-status-from-statuscode': {
    breaks: 'E2EE-API-002',
    description: 'on /ocs/v1.php a refusal is answered with its error status instead of HTTP 200',
  },
  'anonymous-refused-403': {
    breaks: 'E2EE-API-005',
    description: 'an anonymous request to an endpoint acting for a user is answered 403, not 401',
  },
  'params-query-first': {
    breaks: 'E2EE-API-009',
    description: 'a request parameter in the query string wins over the one in the body',
  },
  'certificate-signature-corrupted': {
    breaks: 'E2EE-CERT-055',
    description:
      "an issued certificate's signature has one bit flipped, so server-key does not verify it",
  },
  'lock-retry-as-new-lock': {
    breaks: 'E2EE-LOCK-003',
    description:
      'a lock retry with the current token is handled as a new lock and gets a new token',
  },
  'staged-saves-listed': {
    breaks: 'E2EE-LOCK-046',
    description: 'PROPFIND lists a staged X.e2e-to-save under the name X before the unlock',
  },
  'share-not-listed-at-root': {
    breaks: 'E2EE-API-202',
    description:
      "a received share is left out of the recipient's root listing (still reachable by path)",
  },
  'filedrop-replaces-entries': {
    breaks: 'E2EE-API-140',
    description:
      'a filedrop upload replaces the pending filedrop entries instead of merging into them',
  },
  'dav-path-segments-unchecked': {
    breaks: 'E2EE-API-817',
    description:
      'WebDAV path segments are used as decoded, without refusing names that are not valid (too long, with / or \\, controls)',
  },
  'skip-private-key-format-check': {
    breaks: 'E2EE-API-041',
    description: 'the nc32 profile stores a private-key blob of any format',
  },
  'xml-dtd-accepted': {
    breaks: 'E2EE-API-211',
    description: 'PROPFIND bodies with a document type declaration are parsed instead of refused',
  },
  'share-token-keys-unchecked': {
    breaks: 'E2EE-API-025',
    description: 'key writes with a shareToken are accepted whoever owns (or not) the link share',
  },
  'uploaded-certificate-any-cn': {
    breaks: 'E2EE-API-023',
    description: 'PUT public-key stores a certificate whatever user its CN names',
  },
  'recovery-key-accepts-private-key': {
    breaks: 'E2EE-RKEY-041',
    description: 'the recovery-key statement is stored even when it carries a private key',
  },
  'recovery-key-not-byte-exact': {
    breaks: 'E2EE-RKEY-040',
    description: 'the recovery-key statement is served re-serialised (indented), not as stored',
  },
  'share-token-private-key-ignored': {
    breaks: 'E2EE-API-044',
    description:
      "GET private-key ignores a share token and serves (or refuses) the caller's own key",
  },
  'filedrop-share-permission-unchecked': {
    breaks: 'E2EE-API-816',
    description: 'an anonymous filedrop is accepted with the token of any link share',
  },
  'anonymous-public-key-refused': {
    breaks: 'E2EE-API-432',
    description: 'nc33 answers an anonymous GET public-key 401, as app 1.x does',
  },
  'v1-filedrop-route-kept': {
    breaks: 'E2EE-API-433',
    description: 'nc33 still serves the v1 filedrop route that app 2.2.2 removed',
  },
  'log-capability-missing': {
    breaks: 'E2EE-LOG-001',
    description: 'a server keeping the transparency log does not advertise it in the capabilities',
  },
  'log-omit-metadata': {
    breaks: 'E2EE-LOG-003',
    description: 'committed metadata documents get no transparency-log entry',
  },
  'log-entry-extra-field': {
    breaks: 'E2EE-LOG-006',
    description: "metadata entries carry the committed document's bytes in an extra field",
  },
  'log-fork-per-user': {
    breaks: 'E2EE-LOG-023',
    description: 'each user is shown a log of only the entries their own requests appended',
  },
  'log-inclusion-proof-corrupted': {
    breaks: 'E2EE-LOG-030',
    description: 'the first hash of every served inclusion proof has one bit flipped',
  },
  'log-checkpoint-stale': {
    breaks: 'E2EE-LOG-031',
    description: 'the served checkpoint leaves out the newest entry',
  },
  'log-tile-corrupted': {
    breaks: 'E2EE-LOG-120',
    description: 'the last hash of every served hash tile has one bit flipped',
  },
} as const satisfies Record<string, { breaks: string; description: string }>;

/** A fault switch name. */
export type FaultName = keyof typeof FAULTS;

/** All fault names, in the order of {@link FAULTS}. */
export const FAULT_NAMES = Object.keys(FAULTS) as readonly FaultName[];

/** True when `name` is a known fault switch. */
export function isFaultName(name: unknown): name is FaultName {
  return typeof name === 'string' && Object.hasOwn(FAULTS, name);
}

/** The live fault switches of one server: read by the enforcing code, set by the management API. */
export interface FaultSwitches {
  /** True when the switch is on. */
  on(name: FaultName): boolean;
  /** The switches that are on, in the order of {@link FAULTS}. */
  list(): FaultName[];
  /** Replaces the set of switches that are on. */
  set(names: readonly FaultName[]): void;
}

/**
 * Switches starting with `initial` on.
 * @example
 * const faults = faultSwitches(['commit-on-abort']);
 * faults.on('commit-on-abort'); // true
 */
export function faultSwitches(initial: readonly FaultName[] = []): FaultSwitches {
  let active = new Set<FaultName>(initial);
  return {
    on: (name) => active.has(name),
    list: () => FAULT_NAMES.filter((n) => active.has(n)),
    set: (names) => {
      active = new Set(names);
    },
  };
}

/** Switches that are all off and cannot be turned on (engine contexts built outside a server). */
export const NO_FAULTS: FaultSwitches = Object.freeze({
  on: () => false,
  list: () => [],
  set: () => {
    throw new TypeError('these fault switches are fixed off');
  },
});
