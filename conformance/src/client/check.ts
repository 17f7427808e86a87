/**
 * The contract between the client test battery and the client runner (`certifyClient`): what a
 * client check is and what the runner hands it. Checks are plain async functions over driver
 * calls and the embedded mock server; they know nothing of reports, consoles or vitest.
 *
 * STABLE API (shared with the adversarial checks in `./adversarial/`): changes are additive only.
 *
 * @module
 */
import type { Importance, Level } from '../core/results.js';
import type { Actor } from '../server/check.js';
import type { DriverMethod, DriverMethods, FingerprintResult, HelloResult } from './protocol.js';
import type { UnnamedRun } from './adversarial/recording.js';
import type { SuiteReader } from './adversarial/suite-reader.js';

export type { Actor } from '../server/check.js';
export { ACTORS } from '../server/check.js';
export { CheckFailure, CheckSkipped, CheckUnsupported } from '../server/check.js';

/** Profiles a client can claim (spec/18-driver-protocol.md, "Profiles"). */
export type ClientProfile =
  | 'client-identity'
  | 'client-core'
  | 'client-sharing'
  | 'client-filedrop'
  | 'client-log'
  | 'client-recovery-key';

export const CLIENT_PROFILES: readonly ClientProfile[] = [
  'client-identity',
  'client-core',
  'client-sharing',
  'client-filedrop',
  'client-log',
  'client-recovery-key',
];

/** Who plays an actor in one run of a check. */
export type RoleKind = 'vendor' | 'reference';

/**
 * One device of one actor, driven through the driver protocol: the vendor's driver process or
 * the reference driver. Every call and answer is schema-validated and recorded as evidence.
 */
export interface ClientActor {
  readonly actor: Actor;
  readonly kind: RoleKind;
  /** The user id of this actor on the mock server (unique per test). */
  readonly userId: string;
  /**
   * Calls a driver method. Resolves with the validated result; rejects with a
   * {@link DriverRejected} for a JSON-RPC error answer (PROTOCOL_REJECTED, PRECONDITION, …), with
   * CheckUnsupported for UNSUPPORTED / method not found, and with an Error (harness ERROR) for an
   * invalid message or a dead process.
   */
  call<M extends DriverMethod>(
    method: M,
    params: DriverMethods[M]['params'],
  ): Promise<DriverMethods[M]['result']>;
  /** Writes `content` into the actor's work folder and uploads it (path + sha256). */
  upload(folder: string, name: string, content: Uint8Array): Promise<void>;
  /** Downloads into the work folder; returns the plaintext after checking the driver's hash. */
  download(folder: string, name: string): Promise<Uint8Array>;
  /** Drops a file into `folder` (filedrop.put). */
  drop(folder: string, name: string, content: Uint8Array): Promise<string[]>;
  /** `state.fingerprint` of `folder`. */
  fingerprint(folder: string): Promise<FingerprintResult>;
}

/** A JSON-RPC error answer of a driver (anything but UNSUPPORTED). */
export class DriverRejected extends Error {
  override readonly name = 'DriverRejected';
  readonly rpcCode: number;
  /** The spec error code: `error.data.e2eeCode`, or the vendor's errorMap applied; else undefined. */
  readonly e2eeCode: string | undefined;
  readonly vendorMessage: string | undefined;
  constructor(rpcCode: number, message: string, e2eeCode?: string, vendorMessage?: string) {
    super(message);
    this.rpcCode = rpcCode;
    this.e2eeCode = e2eeCode;
    this.vendorMessage = vendorMessage;
  }
}

/**
 * Thrown by a check (usually via `expectRejection`) when the client refused but its reason cannot
 * be verified (no e2eeCode, nothing in the errorMap matched): WARN, never PASS (E2EE-DRV-044).
 */
export class ReasonUnverified extends Error {
  override readonly name = 'ReasonUnverified';
}

/** The embedded mock server as a check sees it. */
export interface MockServer {
  readonly baseUrl: string;
  /** Calls the mock's management API (`/__sealfold/...`); JSON in, JSON out; throws on non-2xx. */
  manage(method: string, path: string, body?: unknown): Promise<unknown>;
  /** The mock's committed-state fingerprint (sha256 hex over all E2EE and file state). */
  stateFingerprint(): Promise<string>;
}

/** What the runner hands a client check. A fresh context (and fresh users) per test run. */
export interface ClientCheckContext {
  /** The actor the vendor driver plays in this run. */
  readonly vendorRole: Actor;
  /** Who plays each actor in this run. */
  readonly roles: Readonly<Record<Actor, RoleKind>>;
  /** The vendor driver's `driver.hello` answer. */
  readonly hello: HelloResult;
  /** The profiles the vendor claims. */
  readonly claims: readonly ClientProfile[];
  /** The mock server (fresh users per test; faults are installed through `manage`). */
  readonly server: MockServer;
  /**
   * The first device of `actor` (started on first use, configured, not enrolled). The vendor's
   * driver when `roles[actor]` is `vendor`, else the reference driver.
   */
  actor(actor: Actor): Promise<ClientActor>;
  /**
   * A further device of the same user (a new driver process, configured, not enrolled), of
   * `kind` (default: the actor's role kind): recovery on a second device.
   */
  newDevice(actor: Actor, kind?: RoleKind): Promise<ClientActor>;
  /** Enrols `actor`'s first device and returns it (remembering the mnemonic for `recover`). */
  enrolled(actor: Actor): Promise<ClientActor>;
  /**
   * The mnemonic of `actor`'s latest `identity.enroll` (any device; the harness keeps every
   * mnemonic an enrol result carries, as a planted secret). Throws CheckSkipped when the enrolling
   * driver does not expose it (feature `expose-secrets`).
   */
  mnemonicOf(actor: Actor): string[];
  /** `actor`'s login password on the mock (a planted secret), for direct HTTP by a check. */
  passwordOf(actor: Actor): string;
  /** A top-folder path unique to this test, e.g. `t3-share`. */
  folder(name: string): string;
  /**
   * Awaits `call` and asserts that the client refused it with one of `codes` (E2EE-DRV-044):
   * success → CheckFailure; a rejection with another code → CheckFailure; a rejection whose
   * reason cannot be verified → ReasonUnverified (WARN); UNSUPPORTED → CheckUnsupported.
   */
  expectRejection(call: Promise<unknown>, codes: readonly string[], what: string): Promise<void>;
  /** Fails when `after` differs from `before` (trust state or folder view changed). */
  expectUnchanged(before: FingerprintResult, after: FingerprintResult, what: string): void;
  /** Fails when any of the plaintexts occurs in `bytes` (no plaintext released). */
  expectNoPlaintext(bytes: Uint8Array, plaintexts: readonly Uint8Array[], what: string): void;
  /** Values that must never appear in evidence or reports. */
  plantSecret(secret: string): void;
  /** A deterministic seed for this test run. */
  readonly seed: number;
  /** Aborted when the test's time runs out. */
  readonly signal: AbortSignal;
  /** Adds a line of evidence (never a secret). */
  note(line: string): void;
  /**
   * The suite reader of this test: a user on the mock with the committed test key (enrolled on
   * first use), which a recording check makes a member of the attacked folder (E2EE-CONF-540).
   */
  suiteReader(): Promise<SuiteReader>;
  /** Keeps the test's recorded run; the runner puts it into a FAIL or WARN result (E2EE-CONF-542). */
  recordRun(run: UnnamedRun): void;
}

/** One client check. `id` is stable forever: never reused or renumbered. */
export interface ClientCheck {
  /** `<group>/<slug>`, e.g. `honest/share-and-unshare`. The runner appends `-as-<actor>`. */
  id: string;
  title: string;
  /** Requirement IDs this check evidences. */
  requirements: readonly string[];
  level: Level;
  importance: Importance;
  /** In scope when the vendor claims this profile. */
  profile: ClientProfile;
  /** Actors the check uses. */
  actors: readonly Actor[];
  /**
   * The actors the vendor plays, one run each (default: every actor in `actors`, the role matrix
   * of E2EE-DRV-070). An adversarial check usually names just the victim.
   */
  vendorRoles?: readonly Actor[];
  /** Features of `driver.hello` the vendor must declare, else SKIP with the reason. */
  needs?: readonly string[];
  run(ctx: ClientCheckContext): Promise<void>;
}
