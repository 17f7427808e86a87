/**
 * The contract between the server test battery and the runner: what a server check is, and
 * what the runner hands it. Checks are plain async functions over real HTTP; they know nothing
 * of reports, consoles or vitest.
 *
 * @module
 */
import type { HttpExchange, Importance, Level, Replay } from '../core/results.js';

/** Profiles a server can claim (spec chapter 17). */
export type ServerProfile =
  | 'server-core'
  | 'server-sharing'
  | 'server-filedrop'
  | 'server-hsm'
  | 'server-recovery-key'
  | 'server-log';

export const SERVER_PROFILES: readonly ServerProfile[] = [
  'server-core',
  'server-sharing',
  'server-filedrop',
  'server-hsm',
  'server-recovery-key',
  'server-log',
];

/** The test accounts every server run uses. Four, as conformance-design §3.2 asks. */
export type Actor = 'alice' | 'bob' | 'carol' | 'mallory';
export const ACTORS: readonly Actor[] = ['alice', 'bob', 'carol', 'mallory'];

/** A response as a check sees it. Header names are lower case. */
export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array;
  /** The body as UTF-8 text. */
  text(): string;
  /** The body parsed as JSON; throws a CheckFailure when it is not JSON. */
  json(): unknown;
}

export interface RequestOptions {
  headers?: Record<string, string>;
  body?: Uint8Array | string;
  /**
   * Leave out the headers a Nextcloud E2EE client sends by default (`OCS-APIRequest`, the
   * client User-Agent, `X-E2EE-Supported`), to test the server's gates.
   */
  bare?: boolean;
  /** Send no Authorization header. */
  anonymous?: boolean;
  /** Authenticate with this password instead of the actor's secret (brute-force tests). */
  password?: string;
}

/**
 * What the runner hands a check. Every request goes through `request`, which records the
 * exchange as the test's evidence and honours the target's rate limit.
 */
export interface CheckContext {
  /** The status-code profile the server claims (e.g. `nc30`, `nc32`). */
  statusProfile: string;
  /** The profiles the server claims. */
  claims: readonly ServerProfile[];
  /** Features the target declares (e.g. `short-lock-ttl`, `brute-force-limit`, `management`). */
  features: readonly string[];
  /** The user id of each actor on the target. */
  userId(actor: Actor): string;
  /**
   * The folder (a WebDAV path relative to the user's root, no leading slash) under which this
   * test may write for `actor`; unique per test and cleaned up by the runner. The runner creates
   * it (MKCOL) before the next request of the test is sent, so it exists when first used.
   */
  runFolder(actor: Actor): string;
  /**
   * The absolute URL of a path relative to the base URL (for WebDAV `Destination` headers).
   * Added by the runner (helper A); optional only so that existing fakes keep compiling — the
   * runner always sets it.
   */
  absoluteUrl?(path: string): string;
  /** One HTTP request as `actor` against the target; path is relative to the base URL. */
  request(actor: Actor | null, method: string, path: string, opts?: RequestOptions): Promise<Reply>;
  /**
   * Values planted by the runner that must never appear in any response or artefact (the
   * actors' passwords, a mnemonic's words, private-key blobs the test stored).
   */
  plantSecret(secret: string): void;
  /** A deterministic seed for this test (from the run seed and the test id). */
  seed: number;
  /** Budgets from the target config, for property-based and fuzzed checks. */
  budget: { numRuns: number; maxCommands: number; wallClockMs: number };
  /** Aborted when the test's time runs out. */
  signal: AbortSignal;
  /** Adds a line of evidence (never a secret). */
  note(line: string): void;
  /**
   * Set by `sealfold certify replay`: a property-based check re-runs exactly this case (seed, path,
   * commands) instead of a fresh search. Other checks ignore it.
   */
  replay?: Replay;
  /** Mock targets only: the management API (reset, state fingerprint, faults); else undefined. */
  management?: ManagementApi;
}

/** The embedded mock's management API as the checks use it. */
export interface ManagementApi {
  /** The committed-state fingerprint (sha256 hex over the whole E2EE and file state). */
  stateFingerprint(): Promise<string>;
  /** Sets the stale-lock TTL in seconds (for stale-lock rollback checks). */
  setLockTtl?(seconds: number): Promise<void>;
}

/** Thrown by a check when the requirement does not hold. */
export class CheckFailure extends Error {
  override readonly name = 'CheckFailure';
  readonly details: { expected?: unknown; actual?: unknown; replay?: Replay };
  constructor(
    message: string,
    details: { expected?: unknown; actual?: unknown; replay?: Replay } = {},
  ) {
    super(message);
    this.details = details;
  }
}

/** Thrown by a check that cannot run against this target (always with a reason). */
export class CheckSkipped extends Error {
  override readonly name = 'CheckSkipped';
}

/** One server check. `id` is stable forever: never reused or renumbered. */
export interface ServerCheck {
  /** `<area>/<slug>`, e.g. `keys/second-public-key-rejected`. */
  id: string;
  title: string;
  /** The requirement IDs this check evidences (spec registry IDs). */
  requirements: readonly string[];
  level: Level;
  importance: Importance;
  /** In scope when the target claims at least one of these. */
  profiles: readonly ServerProfile[];
  /** Features the target must declare, else SKIP with the missing feature as the reason. */
  needs?: readonly string[];
  /** Status profiles this check applies to (default: all). */
  statusProfiles?: readonly string[];
  /**
   * The check exhausts a per-address limit of the target (brute-force throttling), so the runner
   * runs it after every other check (E2EE-CONF-530).
   */
  exhaustsAddressLimits?: boolean;
  run(ctx: CheckContext): Promise<void>;
}

/** What the runner records of one check (the report helper maps it into report.json). */
export interface CheckEvidence {
  notes: string[];
  http: HttpExchange[];
  replay?: Replay;
}

/**
 * Thrown by a check when the server says it does not implement what the check tests (e.g. it
 * answers 501). Added by the runner (helper A): counts like FAIL when the check is in scope
 * (spec/17-conformance.md §4).
 */
export class CheckUnsupported extends Error {
  override readonly name = 'CheckUnsupported';
}
