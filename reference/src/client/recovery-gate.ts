/**
 * The recovery-key gate of one device, kept in the device's state store (spec/20-recovery-key.md
 * §4.1): the pinned recovery key and policy, the per-folder consents and the warnings the user has
 * not yet been shown away. A pin that did not survive a restart would let the next first sight be
 * the server's choice, and a consent that did not survive would silently stop recovery.
 *
 * Every change is made on a copy of the gate and written to the store as one value before the
 * copy replaces the gate in memory, so the store holds either the old or the new state, and a
 * refused input (a statement or a consent the gate refuses) leaves it byte for byte as it was.
 *
 * @module
 */
import { SealfoldError } from '../errors/index.js';
import type { ClientContext } from '../http/ocs.js';
import type { FolderMember } from '../folders/index.js';
import type { StateStore } from '../state/index.js';
import * as api from '../http/e2ee-api.js';
import { parseJson } from '../_internal/json.js';
import { verifyMetadataSignature } from '../signature/index.js';
import { fetchRecoveryStatement, offersRecoveryKey } from '../recovery-key/client.js';
import {
  RecoveryKeyGuard,
  type RecoveryGuardSnapshot,
  type RecoveryKeyEvent,
  type RecoveryPin,
  type RecoveryWrapSource,
} from '../recovery-key/guard.js';
import type { RecoveryTrustAnchor } from '../recovery-key/policy.js';
import {
  readRecoveryWrap,
  type RecoveryWrap,
  type RecoveryWrapTarget,
} from '../recovery-key/wrap.js';

/** The `format` of the stored value. */
export const RECOVERY_GATE_FORMAT = 'sealfold-recovery-gate/1';
/** At most this many warnings are kept; the oldest go first. */
export const MAX_RECOVERY_WARNINGS = 32;

/** The stored value: the gate without its session-only suspension, and the warnings. */
interface StoredGate {
  readonly format: typeof RECOVERY_GATE_FORMAT;
  readonly pin: RecoveryGuardSnapshot['pin'];
  readonly consents: RecoveryGuardSnapshot['consents'];
  readonly warnings: readonly RecoveryKeyEvent[];
}

/** What {@link PersistentRecoveryGate.folderState} finds in a folder's verified root document. */
export interface RecoveryFolderState {
  /** The user consented for this folder to the pinned key and policy. */
  readonly consented: boolean;
  /** The document carries a wrap for the pinned key and policy. */
  readonly wrapped: boolean;
  /** The wrap the document carries, whoever it is for. */
  readonly wrap?: RecoveryWrap;
  /** `recovery-wrap-missing` for a consented folder without the pinned wrap. */
  readonly event?: RecoveryKeyEvent;
}

/** Options of {@link PersistentRecoveryGate.load}. */
export interface RecoveryGateOptions {
  readonly state: StateStore;
  readonly userId: string;
  /** The server the gate is about (its base URL): one pin per server (E2EE-RKEY-021). */
  readonly serverId: string;
  readonly anchor?: RecoveryTrustAnchor;
  readonly now?: () => Date;
}

function storeKey(userId: string, serverId: string): string {
  return `client/${userId}/recovery-key/${serverId}`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Reads a stored gate; anything of another shape fails closed (E2EE-SEC-011). */
function parseStored(v: unknown): StoredGate {
  if (
    !isRecord(v) ||
    v.format !== RECOVERY_GATE_FORMAT ||
    !(v.pin === null || isRecord(v.pin)) ||
    !isRecord(v.consents) ||
    !Array.isArray(v.warnings)
  )
    throw new SealfoldError('INPUT_MALFORMED', 'the stored recovery-key state is malformed');
  return v as unknown as StoredGate;
}

/** True when `a` and `b` would be stored alike (the suspension is not stored). */
function sameStored(a: RecoveryKeyGuard, b: RecoveryKeyGuard): boolean {
  const x = a.snapshot();
  const y = b.snapshot();
  return JSON.stringify([x.pin, x.consents]) === JSON.stringify([y.pin, y.consents]);
}

/** A warning the user has to see: every event but a rejection, which recurs on each look. */
function isLasting(e: RecoveryKeyEvent): boolean {
  return e.kind !== 'recovery-key-rejected';
}

/**
 * The gate of one device and server, persisted. The folder writer reads it through
 * {@link RecoveryWrapSource} (put it in `Device.recovery`).
 */
export class PersistentRecoveryGate implements RecoveryWrapSource {
  readonly #opts: RecoveryGateOptions;
  readonly #key: string;
  #guard: RecoveryKeyGuard;
  #warnings: readonly RecoveryKeyEvent[];
  /** Rejections of this session: shown, never stored (the store stays as it was). */
  #rejections: RecoveryKeyEvent[] = [];

  private constructor(opts: RecoveryGateOptions, stored: StoredGate | undefined) {
    this.#opts = opts;
    this.#key = storeKey(opts.userId, opts.serverId);
    this.#guard =
      stored === undefined
        ? new RecoveryKeyGuard(this.#guardOptions())
        : // E2EE-RKEY-102 (MUST NOT, client): a restored gate wraps nothing before the next look.
          RecoveryKeyGuard.restore(
            { pin: stored.pin, consents: stored.consents, suspended: true },
            this.#guardOptions(),
          );
    this.#warnings = stored?.warnings ?? [];
  }

  #guardOptions() {
    const o = this.#opts;
    return {
      userId: o.userId,
      ...(o.anchor ? { anchor: o.anchor } : {}),
      ...(o.now ? { now: o.now } : {}),
    };
  }

  /**
   * The gate as the store keeps it (a fresh one when nothing is stored). It starts suspended:
   * nothing is wrapped until {@link sync} saw the server serve the pinned policy in this session.
   */
  static async load(opts: RecoveryGateOptions): Promise<PersistentRecoveryGate> {
    const raw = await opts.state.get(storeKey(opts.userId, opts.serverId));
    return new PersistentRecoveryGate(opts, raw === undefined ? undefined : parseStored(raw));
  }

  /** A copy of the gate in memory, to change without touching this one. */
  #copy(): RecoveryKeyGuard {
    return RecoveryKeyGuard.restore(this.#guard.snapshot(), this.#guardOptions());
  }

  /** Writes `next` with `warnings` as one value, then makes it the gate (E2EE-RKEY-101). */
  async #commit(next: RecoveryKeyGuard, warnings: readonly RecoveryKeyEvent[]): Promise<void> {
    const s = next.snapshot();
    const stored: StoredGate = {
      format: RECOVERY_GATE_FORMAT,
      pin: s.pin,
      consents: s.consents,
      warnings,
    };
    // E2EE-RKEY-100 (MUST, client): pin, consents and warnings survive a restart.
    await this.#opts.state.set(this.#key, stored);
    this.#guard = next;
    this.#warnings = warnings;
  }

  #withWarning(e: RecoveryKeyEvent): readonly RecoveryKeyEvent[] {
    const text = JSON.stringify(e);
    if (this.#warnings.some((w) => JSON.stringify(w) === text)) return this.#warnings;
    return [...this.#warnings, e].slice(-MAX_RECOVERY_WARNINGS);
  }

  /**
   * Takes in what the server serves now (the statement text, or null for none) and returns the
   * event to show. A rejection changes nothing stored: it only stops wrapping in this session.
   */
  async observe(statementText: string | null): Promise<RecoveryKeyEvent | undefined> {
    const next = this.#copy();
    const event = next.observe(statementText);
    if (event !== undefined && !isLasting(event)) {
      // E2EE-RKEY-101 (MUST, client): a refused statement leaves the stored state as it was.
      this.#guard = RecoveryKeyGuard.restore(
        { ...this.#guard.snapshot(), suspended: true },
        this.#guardOptions(),
      );
      this.#rejections.push(event);
      return event;
    }
    // Seeing the pinned policy again only lifts the suspension: nothing to write.
    if (event === undefined && sameStored(next, this.#guard)) this.#guard = next;
    else await this.#commit(next, event === undefined ? this.#warnings : this.#withWarning(event));
    return event;
  }

  /** Fetches what the server serves (nothing without the capability) and observes it. */
  async sync(ctx: ClientContext): Promise<RecoveryKeyEvent | undefined> {
    // E2EE-RKEY-020 (MUST, client): the statement is fetched when the capability is advertised.
    const text = (await offersRecoveryKey(ctx)) ? await fetchRecoveryStatement(ctx) : null;
    return this.observe(text);
  }

  /**
   * Records the user's consent for folder `rootId` to the key with fingerprint
   * `recoveryKeySha256`; a refused consent changes nothing stored (E2EE-RKEY-024, -101).
   */
  async consent(rootId: string, recoveryKeySha256: string): Promise<void> {
    const next = this.#copy();
    // E2EE-RKEY-101 (MUST, client): the consent is refused on the copy, before any write.
    next.consent(rootId, recoveryKeySha256);
    await this.#commit(next, this.#warnings);
  }

  /**
   * Fetches and verifies the root document of `rootId` against the folder's verified `members`,
   * reports whether it carries the pinned wrap, and keeps a missing wrap of a consented folder
   * among the warnings (E2EE-RKEY-032).
   */
  async folderState(
    ctx: ClientContext,
    rootId: string,
    members: readonly FolderMember[],
  ): Promise<RecoveryFolderState> {
    const { document, signature } = await api.getMetadata(ctx, rootId);
    // Only a document a member signed says anything about the wrap: the server cannot strip or
    // add the member of a signed document without breaking its signature.
    await verifyMetadataSignature({ outer: document, signature, members });
    const outer = parseJson(document);
    if (outer === null || typeof outer !== 'object' || Array.isArray(outer))
      throw new SealfoldError('METADATA_MALFORMED', 'the metadata document is not a JSON object');
    const record = outer as Record<string, unknown>;
    const wrap = readRecoveryWrap(record);
    const pin = this.#guard.pin;
    const event = this.#guard.checkFolder(rootId, record);
    if (event !== undefined) {
      const warnings = this.#withWarning(event);
      if (warnings !== this.#warnings) await this.#commit(this.#copy(), warnings);
    }
    return {
      consented: this.#guard.consented(rootId),
      wrapped:
        wrap !== undefined &&
        pin !== undefined &&
        wrap.recoveryKeySha256 === pin.recoveryKeySha256 &&
        wrap.policySha256 === pin.policySha256,
      ...(wrap ? { wrap } : {}),
      ...(event ? { event } : {}),
    };
  }

  /** True when the user consented for `rootId` to the pinned key and policy. */
  consented(rootId: string): boolean {
    return this.#guard.consented(rootId);
  }

  targetFor(rootId: string): RecoveryWrapTarget | undefined {
    return this.#guard.targetFor(rootId);
  }

  get pin(): RecoveryPin | undefined {
    return this.#guard.pin;
  }

  /** The stored warnings, oldest first, then this session's rejections. */
  warnings(): RecoveryKeyEvent[] {
    return [...this.#warnings, ...this.#rejections];
  }
}
