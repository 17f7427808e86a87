/**
 * The mock server's state model: named tables of immutable, JSON-serialisable records (plus
 * `Uint8Array` for file contents). Every table is a map from a string key to one record type.
 * Records are frozen when stored; change them only by `put`ting a new record inside a transaction.
 *
 * Adding a table is a one-line edit of {@link TABLES} plus its record type in {@link Tables}.
 *
 * Storage layout that this mirrors (the Nextcloud end_to_end_encryption app):
 * `public-keys/<uid>.public.key`, `private-keys/<uid>.private.key` (and `<token>.share.*` for
 * link shares: owner `s:<token>`), the folder flag `oc_filecache.encrypted` (`NodeRecord.encrypted`);
 * `meta-data/…` and `tokens/…` live in the E2EE engine's document (`documents['e2ee']`).
 *
 * @module
 */

/** A user: login password and app passwords are kept only as salted SHA-256 hashes. */
export interface UserRecord {
  readonly uid: string;
  readonly displayName: string;
  readonly email: string | null;
  /** hex SHA-256(salt ‖ UTF-8 password). */
  readonly passwordHash: string;
  /** hex, 16 random bytes. */
  readonly salt: string;
  /** File id of the user's root folder (`/` in their WebDAV tree). */
  readonly rootId: number;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
}

/** An app password (device token); authenticates like the login password but cannot confirm. */
export interface AppPasswordRecord {
  readonly id: string;
  readonly uid: string;
  readonly name: string;
  readonly passwordHash: string;
  readonly salt: string;
  readonly createdAt: number;
}

export const NODE_KINDS = ['file', 'folder'] as const;
export type NodeKind = (typeof NODE_KINDS)[number];

/** One file or folder. Every user's tree has a root folder whose `parent` is null. */
export interface NodeRecord {
  /** Numeric file id (WebDAV `oc:fileid`, the `{id}` of the E2EE API). */
  readonly id: number;
  readonly owner: string;
  readonly parent: number | null;
  /** Name inside the parent ("" for a root). */
  readonly name: string;
  readonly kind: NodeKind;
  /** File bytes (null for folders). Never mutate: store a new Uint8Array. */
  readonly content: Uint8Array | null;
  /** Opaque; changes whenever the node or (for folders) anything below it changes. */
  readonly etag: string;
  /** Seconds since the epoch. */
  readonly mtime: number;
  /** The folder's own `encrypted` flag (`oc_filecache.encrypted`); false for files. */
  readonly encrypted: boolean;
}

/** A certificate stored for a user (`uid`) or for a link share (`s:<shareToken>`). */
export interface PublicKeyRecord {
  readonly owner: string;
  /** The PEM exactly as served by GET /public-key. */
  readonly certificatePem: string;
  /** hex SHA-256 of the certificate DER. */
  readonly fingerprint: string;
  readonly source: 'issued' | 'uploaded';
  readonly createdAt: number;
}

/** An encrypted private-key blob, stored and returned verbatim (E2EE-API-809, E2EE-API-810). */
export interface PrivateKeyRecord {
  readonly owner: string;
  readonly blob: string;
  readonly createdAt: number;
}

/**
 * A JSON document kept whole: for engines that hold their state as one value and change it inside
 * a store transaction (the E2EE transaction engine keeps its `E2eeState` — locks, metadata
 * directories, touched folders, staged entries — under the key `e2ee`).
 */
export interface DocumentRecord {
  readonly json: unknown;
}

/** A share of a folder: to a user (type 0) or a public link (type 3). */
export interface ShareRecord {
  readonly id: number;
  readonly shareType: 0 | 3;
  readonly owner: string;
  readonly nodeId: number;
  /** Recipient uid for user shares; null for links. */
  readonly recipient: string | null;
  /** Link token for link shares; null for user shares. */
  readonly token: string | null;
  /** OCS permission bits (1 read, 2 update, 4 create, 8 delete, 16 share). */
  readonly permissions: number;
  /** Name of the mount in the recipient's root folder (user shares). */
  readonly mountName: string | null;
  readonly createdAt: number;
}

/** One audit event (E2EE-CERT-060, E2EE-SEC-061): never holds secrets. */
export interface AuditRecord {
  readonly seq: number;
  /** Milliseconds since the epoch. */
  readonly time: number;
  /** uid, `s:<token-hash>` or `management`. */
  readonly actor: string;
  /** e.g. `certificate.issue`, `public-key.upload`, `private-key.delete`, `lock.create`. */
  readonly action: string;
  /** The object acted on, e.g. `user:alice`, `file:42`, `share:7`. */
  readonly object: string;
  /** hex SHA-256 of the certificate DER when a certificate is involved. */
  readonly certFingerprint?: string;
  /** Small non-secret facts (serial, counter, profile); never keys, tokens or passwords. */
  readonly details?: Readonly<Record<string, string | number | boolean>>;
}

/**
 * The enabled recovery-key statement (spec/20-recovery-key.md §3.1), key `current`: the exact
 * text the administrator stored, and facts for the audit log. Never a private key (SRV-10).
 */
export interface RecoveryKeyRecord {
  readonly statement: string;
  readonly recoveryKeySha256: string;
  readonly serial: number;
  readonly enabledAt: number;
}

/**
 * One transparency-log entry (spec/21-transparency-log.md §2): the entry text, and who caused it
 * (the mock's fork switch shows users the entries of their own requests).
 */
export interface TlogEntryRecord {
  readonly index: number;
  /** The entry exactly as hashed (reference/src/log/entry.ts). */
  readonly entry: string;
  readonly actor: string;
  /** Milliseconds since the epoch. */
  readonly time: number;
}

/** Monotonic counters (file ids, share ids, audit sequence, etag generation). */
export interface CounterRecord {
  readonly value: number;
}

/** Table name → record type. */
export interface Tables {
  users: UserRecord;
  appPasswords: AppPasswordRecord;
  nodes: NodeRecord;
  publicKeys: PublicKeyRecord;
  privateKeys: PrivateKeyRecord;
  documents: DocumentRecord;
  shares: ShareRecord;
  audit: AuditRecord;
  counters: CounterRecord;
  recoveryKey: RecoveryKeyRecord;
  tlog: TlogEntryRecord;
}

/** Every table, in the order used for fingerprints and snapshots. */
export const TABLES = [
  'users',
  'appPasswords',
  'nodes',
  'publicKeys',
  'privateKeys',
  'documents',
  'shares',
  'audit',
  'counters',
  'recoveryKey',
  'tlog',
] as const satisfies readonly (keyof Tables)[];

export type TableName = (typeof TABLES)[number];

/** First values handed out by {@link Tx.nextId}; file ids look like Nextcloud's (not 1, 2, 3). */
export const COUNTER_START: Readonly<Record<string, number>> = {
  fileId: 100,
  shareId: 1,
  audit: 1,
  etag: 1,
};
