/**
 * The client's recovery-key gate (spec/20-recovery-key.md §4–§5): pins the first anchored policy,
 * turns every later observation into a distinguishable event, records per-folder consent, and
 * answers the one question the folder writer asks: may this root document carry a recovery wrap,
 * and to which key? Until the user consented for that folder to exactly the pinned key and policy,
 * the answer is no, and every doubt (a swap, a rollback, an unsigned or unanchored statement, a
 * withdrawn one) also makes it no (invariant K5).
 *
 * @module
 */
import { isSealfoldError, SealfoldError, type E2eeCode } from '../errors/index.js';
import { fromBase64, toBase64 } from '../_internal/bytes.js';
import {
  checkAnchor,
  parseStatement,
  policyApplies,
  type RecoveryStatement,
  type RecoveryTrustAnchor,
} from './policy.js';
import { readRecoveryWrap, type RecoveryWrapTarget } from './wrap.js';

/** What the gate reports; returned to the caller, never only logged (E2EE-RKEY-020). */
export interface RecoveryKeyEvent {
  readonly kind:
    | 'recovery-key-offered'
    | 'recovery-key-changed'
    | 'recovery-key-retired'
    | 'recovery-key-withdrawn'
    | 'recovery-key-rejected'
    | 'recovery-wrap-missing';
  /** The error code of a rejection or a missing wrap. */
  readonly code?: E2eeCode;
  /** Facts to show the user (fingerprints to compare out of band). */
  readonly recoveryKeySha256?: string;
  readonly signerKeySha256?: string;
  readonly serial?: number;
  readonly issuer?: string;
  readonly purpose?: string;
  readonly scopeUsers?: readonly string[];
  /** True when the pinned policy gives this user a recipient (active, in scope, in force). */
  readonly applies?: boolean;
  readonly rootId?: string;
}

/** The pinned policy (E2EE-RKEY-021). */
export interface RecoveryPin {
  readonly recoveryKey: Uint8Array;
  readonly recoveryKeySha256: string;
  readonly signerKeySha256: string;
  readonly serial: number;
  readonly policySha256: string;
  readonly applies: boolean;
}

/** A consent for one folder (E2EE-RKEY-022). */
interface Consent {
  readonly recoveryKeySha256: string;
  readonly policySha256: string;
}

/** The part of the gate the folder writer uses (a hook in `_internal/folder-commit.ts`). */
export interface RecoveryWrapSource {
  targetFor(rootId: string): RecoveryWrapTarget | undefined;
}

/** Options of {@link RecoveryKeyGuard}. */
export interface RecoveryKeyGuardOptions {
  readonly userId: string;
  /** The trust anchor obtained outside the server; none means every statement is refused. */
  readonly anchor?: RecoveryTrustAnchor;
  readonly now?: () => Date;
}

/** What {@link RecoveryKeyGuard.snapshot} returns: plain JSON for the client's state store. */
export interface RecoveryGuardSnapshot {
  readonly pin: (Omit<RecoveryPin, 'recoveryKey'> & { readonly recoveryKey: string }) | null;
  readonly suspended: boolean;
  readonly consents: Readonly<Record<string, Consent>>;
}

/**
 * One gate per device and server. Held in memory; {@link snapshot} and {@link restore} let the
 * client keep pins and consents across restarts (a pin that did not survive a restart would
 * let the next first sight be a server's choice).
 */
export class RecoveryKeyGuard implements RecoveryWrapSource {
  readonly #userId: string;
  readonly #anchor: RecoveryTrustAnchor | undefined;
  readonly #now: () => Date;
  #pin: RecoveryPin | undefined;
  /** True while the last observation was not the pinned, valid policy (E2EE-RKEY-804). */
  #suspended = false;
  readonly #consents = new Map<string, Consent>();

  constructor(opts: RecoveryKeyGuardOptions) {
    this.#userId = opts.userId;
    this.#anchor = opts.anchor;
    this.#now = opts.now ?? (() => new Date());
  }

  /** The gate's state as JSON, for the client's persistent state store. */
  snapshot(): RecoveryGuardSnapshot {
    const pin = this.#pin;
    return {
      pin: pin === undefined ? null : { ...pin, recoveryKey: toBase64(pin.recoveryKey) },
      suspended: this.#suspended,
      consents: Object.fromEntries(this.#consents),
    };
  }

  /** A gate with the state of `snapshot` (what {@link snapshot} returned, read back). */
  static restore(snapshot: RecoveryGuardSnapshot, opts: RecoveryKeyGuardOptions): RecoveryKeyGuard {
    const g = new RecoveryKeyGuard(opts);
    const p = snapshot.pin;
    if (p !== null)
      g.#pin = Object.freeze({ ...p, recoveryKey: fromBase64(p.recoveryKey, 'pin.recoveryKey') });
    g.#suspended = snapshot.suspended;
    for (const [rootId, c] of Object.entries(snapshot.consents)) g.#consents.set(rootId, { ...c });
    return g;
  }

  /** The pinned policy, if any. */
  get pin(): RecoveryPin | undefined {
    return this.#pin;
  }

  /**
   * Takes in what the server serves now: the statement text, or null when it serves none (no
   * capability, or 404). Returns the event to show, or undefined when nothing changed.
   */
  observe(statementText: string | null): RecoveryKeyEvent | undefined {
    if (statementText === null) {
      if (this.#pin === undefined) return undefined;
      // E2EE-RKEY-804 (MUST, client): a withdrawn policy stops every wrap.
      this.#suspended = true;
      return { kind: 'recovery-key-withdrawn', recoveryKeySha256: this.#pin.recoveryKeySha256 };
    }
    let st: RecoveryStatement;
    try {
      st = parseStatement(statementText);
      checkAnchor(st, this.#anchor);
    } catch (e) {
      return this.#reject(e);
    }
    const pin = this.#pin;
    if (pin === undefined) return this.#pinNew(st, 'recovery-key-offered');
    if (pin.policySha256 === st.policySha256) {
      this.#suspended = false;
      // E2EE-RKEY-012 (MUST NOT, client): a policy not yet in force becomes applicable in time.
      const applies = policyApplies(st.policy, this.#userId, this.#now());
      if (applies !== pin.applies) this.#pin = Object.freeze({ ...pin, applies });
      return undefined;
    }
    // E2EE-RKEY-060 (MUST, client): another signer than the pinned one is a key change.
    if (st.signerKeySha256 !== pin.signerKeySha256)
      return this.#reject(
        new SealfoldError('RECOVERY_KEY_CHANGED', 'the policy is signed by another signer'),
      );
    // E2EE-RKEY-021 (MUST, client): no rollback, no second policy under one serial.
    if (st.policy.serial <= pin.serial)
      return this.#reject(
        new SealfoldError(
          'RECOVERY_KEY_CHANGED',
          'the policy is older than, or conflicts with, the pinned one',
        ),
      );
    // E2EE-RKEY-060 (MUST, client): a newer policy by the pinned signer is a change.
    return this.#pinNew(st, 'recovery-key-changed');
  }

  #reject(e: unknown): RecoveryKeyEvent {
    if (!isSealfoldError(e)) throw e;
    // E2EE-RKEY-804 (MUST, client): a rejected statement stops every wrap.
    this.#suspended = true;
    return {
      kind: 'recovery-key-rejected',
      code: e.code,
      ...(this.#pin ? { recoveryKeySha256: this.#pin.recoveryKeySha256 } : {}),
    };
  }

  #pinNew(st: RecoveryStatement, kind: 'recovery-key-offered' | 'recovery-key-changed') {
    const p = st.policy;
    const applies = policyApplies(p, this.#userId, this.#now());
    // E2EE-RKEY-021 (MUST, client): pin key, signer, serial and policy digest.
    this.#pin = Object.freeze({
      recoveryKey: p.recoveryKey,
      recoveryKeySha256: p.recoveryKeySha256,
      signerKeySha256: st.signerKeySha256,
      serial: p.serial,
      policySha256: st.policySha256,
      applies,
    });
    // E2EE-RKEY-803 (MUST NOT, client): consents name one key and policy; a new pin voids them.
    this.#consents.clear();
    this.#suspended = false;
    const event: RecoveryKeyEvent = {
      kind: p.status === 'retired' ? 'recovery-key-retired' : kind,
      recoveryKeySha256: p.recoveryKeySha256,
      signerKeySha256: st.signerKeySha256,
      serial: p.serial,
      issuer: p.issuer,
      purpose: p.purpose,
      scopeUsers: p.scopeUsers,
      applies,
    };
    return event;
  }

  /**
   * Records the user's consent for folder `rootId` to the recovery key with fingerprint
   * `recoveryKeySha256` (what the user was shown).
   * @throws RECOVERY_POLICY_INVALID without an applicable pinned policy; RECOVERY_KEY_CHANGED when
   *   the fingerprint is not the pinned one.
   */
  consent(rootId: string, recoveryKeySha256: string): void {
    const pin = this.#pin;
    // E2EE-RKEY-024 (MUST, client): consent only to a valid, anchored, applicable, active policy.
    if (pin === undefined || this.#suspended || !pin.applies)
      throw new SealfoldError('RECOVERY_POLICY_INVALID', 'no applicable recovery policy is pinned');
    // E2EE-RKEY-024 (MUST, client): the user consents to the key they were shown.
    if (recoveryKeySha256.toLowerCase() !== pin.recoveryKeySha256)
      throw new SealfoldError('RECOVERY_KEY_CHANGED', 'the consent names another recovery key');
    this.#consents.set(rootId, {
      recoveryKeySha256: pin.recoveryKeySha256,
      policySha256: pin.policySha256,
    });
  }

  /** True when the user consented for `rootId` to the pinned key and policy. */
  consented(rootId: string): boolean {
    const c = this.#consents.get(rootId);
    const pin = this.#pin;
    return (
      c !== undefined &&
      pin !== undefined &&
      c.recoveryKeySha256 === pin.recoveryKeySha256 &&
      c.policySha256 === pin.policySha256
    );
  }

  /** The recovery recipient for a write of root folder `rootId`, or undefined (E2EE-RKEY-022). */
  targetFor(rootId: string): RecoveryWrapTarget | undefined {
    const pin = this.#pin;
    // E2EE-RKEY-022 (MUST NOT, client): nothing is wrapped without consent for this folder.
    if (pin === undefined || !this.consented(rootId)) return undefined;
    // E2EE-RKEY-804 (MUST, client): nothing while the served policy is not the pinned one.
    if (this.#suspended || !pin.applies) return undefined;
    return {
      recoveryKey: pin.recoveryKey,
      recoveryKeySha256: pin.recoveryKeySha256,
      policySha256: pin.policySha256,
    };
  }

  /**
   * Checks a verified root document of a consented folder for its wrap (E2EE-RKEY-032).
   * `outer` is the parsed outer document whose signature was verified.
   */
  checkFolder(
    rootId: string,
    outer: Readonly<Record<string, unknown>>,
  ): RecoveryKeyEvent | undefined {
    const target = this.targetFor(rootId);
    if (target === undefined) return undefined;
    // E2EE-RKEY-033 (MUST NOT, client): the member is read for this check only.
    const wrap = readRecoveryWrap(outer);
    // E2EE-RKEY-032 (MUST, client): a consented folder without the pinned wrap is reported.
    if (
      wrap === undefined ||
      wrap.recoveryKeySha256 !== target.recoveryKeySha256 ||
      wrap.policySha256 !== target.policySha256
    )
      return {
        kind: 'recovery-wrap-missing',
        code: 'RECOVERY_WRAP_MISSING',
        rootId,
        recoveryKeySha256: target.recoveryKeySha256,
      };
    return undefined;
  }
}
