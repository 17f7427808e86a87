/**
 * Trust on first use for user certificates and the server key: spec/03-certificates.md §Pinning
 * (E2EE-CERT-030..039, invariants K1 and K2).
 *
 * The server is the certificate authority: it can sign a certificate for any CN with any key.
 * Signature validation therefore only shows that the server vouches for a key; pinning is what
 * stops the server from substituting a key after the client first saw one. A pin records the
 * SHA-256 of the canonical SPKI DER (the key, not the certificate bytes, so a re-issued
 * certificate for the same key is still accepted); a different key for a pinned identity is
 * KEY_CHANGED and nothing is replaced until the user approves an explicit re-pin.
 *
 * Pin records ([schema](../../../spec/schemas/pin-store.schema.json)), keyed by identity
 * (`user:<userId>` or `server:<serverId>`):
 *
 *     { "kind": "user-certificate", "spkiSha256": "<hex>", "certificateSha256": "<hex>",
 *       "pinnedAt": "2026-01-01T00:00:00.000Z" }
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsNs from 'ajv-formats';
import { abytes, astring, sha256Hex } from '../_internal/bytes.js';
import { packageFileUrl } from '../_internal/package-files.js';
import { SealfoldError } from '../errors/index.js';
import { parseSpki, spkiOf } from '../_internal/key-der.js';
import { FileStateStore, MemoryStateStore, type StateStore } from '../state/index.js';
import type { ParsedCertificate } from '../_internal/x509.js';

const addFormats = addFormatsNs.default;

/** One pin (pin-store.schema.json `#/$defs/pinRecord`). */
export interface PinRecord {
  kind: 'user-certificate' | 'server-key';
  /** Lowercase hex SHA-256 of the pinned key's canonical SPKI DER. */
  spkiSha256: string;
  /** For `user-certificate`: SHA-256 of the certificate DER first pinned. */
  certificateSha256?: string;
  /** ISO 8601 time of the pin or of the last explicit re-pin. */
  pinnedAt: string;
  /**
   * ISO 8601 time the user confirmed this key's fingerprint out of band (E2EE-CERT-812); absent
   * while the pin rests on first sight only. A re-pin drops it (E2EE-CERT-038).
   */
  verifiedAt?: string;
}

/** Asynchronous storage of pins by identity. */
export interface PinStore {
  get(identity: string): Promise<PinRecord | undefined>;
  set(identity: string, record: PinRecord): Promise<void>;
}

/** Outcome of a pin check. */
export interface PinResult {
  /** `pinned`: first sight, now pinned; `match`: equals the pin; `repinned`: explicit re-pin. */
  status: 'pinned' | 'match' | 'repinned';
  record: PinRecord;
  /** For `repinned`: the record that was replaced, if any. */
  previous?: PinRecord;
}

function compileRecordValidator(): ValidateFunction {
  const ajv = new Ajv2020({ allErrors: false, strict: true });
  addFormats(ajv);
  const url = packageFileUrl('spec/schemas/pin-store.schema.json');
  ajv.addSchema(JSON.parse(readFileSync(url, 'utf8')) as object, 'pin-store.schema.json');
  return ajv.getSchema('pin-store.schema.json#/$defs/pinRecord')!;
}

// Compiled on first use, not at import: compiling schemas costs every CLI start that loads
// this module about 100 ms (ajv generates code), though most commands never validate with them.
let recordValidator: ValidateFunction | undefined;
const validateRecord = (v: unknown) => (recordValidator ??= compileRecordValidator())(v);

/** The identity key of a user's (or link share's) certificate pin. */
export function pinIdentity(kind: 'user' | 'server', id: string): string {
  astring(id, kind === 'user' ? 'userId' : 'serverId');
  if (id === '')
    throw new RangeError(`"${kind === 'user' ? 'userId' : 'serverId'}" must not be empty`);
  return `${kind}:${id}`;
}

/**
 * A PinStore on any StateStore: entries are keyed by identity and checked against the pin record
 * schema when read (a damaged record fails closed with INPUT_MALFORMED, E2EE-SEC-011).
 */
export class StatePinStore implements PinStore {
  readonly #state: StateStore;

  constructor(state: StateStore) {
    this.#state = state;
  }

  async get(identity: string): Promise<PinRecord | undefined> {
    const v = await this.#state.get<unknown>(identity);
    if (v === undefined) return undefined;
    // E2EE-SEC-011 (MUST, client): a pin that does not match its schema fails closed.
    if (!validateRecord(v)) {
      throw new SealfoldError('INPUT_MALFORMED', `the pin for ${identity} is damaged`);
    }
    return v as PinRecord;
  }

  async set(identity: string, record: PinRecord): Promise<void> {
    if (!validateRecord(record)) throw new TypeError(`"record" is not a valid pin record`);
    await this.#state.set(identity, record);
  }

  /** Every pin, by identity in sorted order (each checked like {@link get}). */
  async list(): Promise<Array<{ identity: string; record: PinRecord }>> {
    const out: Array<{ identity: string; record: PinRecord }> = [];
    for (const identity of await this.#state.keys()) {
      if (!/^(user|server):./.test(identity)) continue;
      out.push({ identity, record: (await this.get(identity))! });
    }
    return out;
  }
}

/** Pins kept in memory. */
export class MemoryPinStore extends StatePinStore {
  constructor() {
    super(new MemoryStateStore());
  }
}

/** Pins kept in a JSON file (pin-store.schema.json), written atomically. */
export class FilePinStore extends StatePinStore {
  constructor(path: string) {
    super(new FileStateStore(path));
  }
}

function checkStore(store: PinStore): void {
  if (store === null || typeof store !== 'object' || typeof store.get !== 'function') {
    throw new TypeError('"store" must be a PinStore');
  }
}

/**
 * Compares `record` with the pin for `identity` without writing: `pinned` when there is none
 * (the caller then stores it), `match` when it has the same key, KEY_CHANGED otherwise.
 * Internal to the certs module (acceptUserCertificate checks every pin before storing any).
 */
export async function checkPin(
  store: PinStore,
  identity: string,
  record: PinRecord,
): Promise<PinResult> {
  checkStore(store);
  const existing = await store.get(identity);
  // E2EE-CERT-031 (MUST, client): the first key seen for an identity is pinned.
  if (existing === undefined) return { status: 'pinned', record };
  // E2EE-CERT-803, E2EE-CERT-804 (MUST, client): a different key for a pinned identity is
  // KEY_CHANGED, and the pin is left unchanged (E2EE-SEC-804).
  if (existing.kind !== record.kind || existing.spkiSha256 !== record.spkiSha256) {
    throw new SealfoldError(
      'KEY_CHANGED',
      `the key for ${identity} differs from the pinned one (pinned ${existing.spkiSha256.slice(0, 16)}…, got ${record.spkiSha256.slice(0, 16)}…)`,
    );
  }
  return { status: 'match', record: existing };
}

/** First sight pins (persisted before returning, E2EE-SEC-012); a difference is KEY_CHANGED. */
async function pin(store: PinStore, identity: string, record: PinRecord): Promise<PinResult> {
  const result = await checkPin(store, identity, record);
  if (result.status === 'pinned') await store.set(identity, record);
  return result;
}

/** E2EE-CERT-033: an explicit, user-approved replacement of a pin. */
async function repin(store: PinStore, identity: string, record: PinRecord): Promise<PinResult> {
  checkStore(store);
  const previous = await store.get(identity).catch((e: unknown) => {
    // A damaged pin may be replaced by an explicit re-pin; it is reported as absent.
    if (e instanceof SealfoldError && e.code === 'INPUT_MALFORMED') return undefined;
    throw e;
  });
  await store.set(identity, record);
  return previous === undefined
    ? { status: 'repinned', record }
    : { status: 'repinned', record, previous };
}

export function certificateRecord(cert: ParsedCertificate, now: Date): PinRecord {
  if (cert === null || typeof cert !== 'object' || !(cert.der instanceof Uint8Array)) {
    throw new TypeError('"cert" must be a parsed certificate (see verifyUserCertificate)');
  }
  abytes(cert.spki, 'cert.spki');
  return {
    kind: 'user-certificate',
    // Re-canonicalise so that a hand-built object cannot pin a non-canonical encoding.
    spkiSha256: sha256Hex(spkiOf(parseSpki(cert.spki, 'cert.spki'))),
    certificateSha256: sha256Hex(cert.der),
    pinnedAt: now.toISOString(),
  };
}

export function serverKeyRecord(spki: Uint8Array, now: Date): PinRecord {
  return {
    kind: 'server-key',
    spkiSha256: sha256Hex(spkiOf(parseSpki(spki, 'spki'))),
    pinnedAt: now.toISOString(),
  };
}

/**
 * Pins the key of a validated user certificate (TOFU, E2EE-CERT-031/032). Call it after
 * {@link verifyUserCertificate} succeeded for `userId`.
 *
 * @returns `pinned` on first sight, `match` when the key equals the pin.
 * @throws KEY_CHANGED when `userId` is pinned to another key (the pin is not replaced).
 * @example
 * await pinCertificate(store, 'bob', verifyUserCertificate({ certificate, serverPublicKey, userId: 'bob' }));
 */
export async function pinCertificate(
  store: PinStore,
  userId: string,
  cert: ParsedCertificate,
  opts: { now?: Date } = {},
): Promise<PinResult> {
  const id = pinIdentity('user', userId);
  return pin(store, id, certificateRecord(cert, opts.now ?? new Date()));
}

/** Replaces the pin for `userId` after the user approved the new key (E2EE-CERT-033). */
export async function repinCertificate(
  store: PinStore,
  userId: string,
  cert: ParsedCertificate,
  opts: { now?: Date } = {},
): Promise<PinResult> {
  const id = pinIdentity('user', userId);
  return repin(store, id, certificateRecord(cert, opts.now ?? new Date()));
}

/**
 * Pins the server key (SPKI DER) of server `serverId` (TOFU, E2EE-CERT-034).
 *
 * @throws KEY_MALFORMED, KEY_CHANGED.
 */
export async function pinServerKey(
  store: PinStore,
  serverId: string,
  spki: Uint8Array,
  opts: { now?: Date } = {},
): Promise<PinResult> {
  const id = pinIdentity('server', serverId);
  return pin(store, id, serverKeyRecord(spki, opts.now ?? new Date()));
}

/** Replaces the server key pin after the user approved it (E2EE-CERT-033). */
export async function repinServerKey(
  store: PinStore,
  serverId: string,
  spki: Uint8Array,
  opts: { now?: Date } = {},
): Promise<PinResult> {
  const id = pinIdentity('server', serverId);
  return repin(store, id, serverKeyRecord(spki, opts.now ?? new Date()));
}

/** True when the user confirmed the pinned key out of band (E2EE-CERT-812). */
export function isPinVerified(record: PinRecord | undefined): boolean {
  return typeof record?.verifiedAt === 'string';
}

/** A key fingerprint as people copy it: hex, any case, optionally split by colons or spaces. */
function normalFingerprint(fingerprint: string): string {
  astring(fingerprint, 'fingerprint');
  const hex = fingerprint.replace(/[\s:]/g, '').toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(hex)) {
    throw new SealfoldError('INPUT_MALFORMED', 'a key fingerprint is 64 hex digits (SHA-256)');
  }
  return hex;
}

/**
 * Marks the pin of `identity` verified: the user compared the key fingerprint shown for it with
 * `fingerprint`, obtained from its owner out of band (E2EE-CERT-813, invariant K3). The whole
 * fingerprint must equal the pinned key's; nothing else is accepted and nothing is pinned here.
 *
 * @returns the updated record (persisted before returning).
 * @throws INPUT_MALFORMED (not a SHA-256 fingerprint, or a damaged pin), NOT_FOUND (nothing
 *   pinned for `identity`), KEY_CHANGED (the pinned key is not the one the user confirmed; the
 *   pin is left unchanged).
 * @example
 * await markPinVerified(pins, pinIdentity('user', 'bob'), fingerprintBobReadOut);
 */
export async function markPinVerified(
  store: PinStore,
  identity: string,
  fingerprint: string,
  opts: { now?: Date } = {},
): Promise<PinRecord> {
  checkStore(store);
  const expected = normalFingerprint(fingerprint);
  const existing = await store.get(identity);
  if (existing === undefined) {
    throw new SealfoldError('NOT_FOUND', `nothing is pinned for ${identity}`);
  }
  // E2EE-CERT-814 (MUST, client): only the exact pinned key can be marked verified.
  if (existing.spkiSha256 !== expected) {
    throw new SealfoldError(
      'KEY_CHANGED',
      `the key pinned for ${identity} (${existing.spkiSha256.slice(0, 16)}…) is not the one confirmed (${expected.slice(0, 16)}…)`,
    );
  }
  const record: PinRecord = { ...existing, verifiedAt: (opts.now ?? new Date()).toISOString() };
  await store.set(identity, record);
  return record;
}
