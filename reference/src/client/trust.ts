/**
 * Trust warnings: what a flow reports, with its result, about keys that rest on first sight only
 * (spec/03-certificates.md §4.2, E2EE-CERT-039, invariant K3). Pinning stops a key from changing
 * after first contact; it cannot tell whether the first key was the right one. Until the user has
 * compared a key's fingerprint out of band and marked its pin verified, every key wrapped for or
 * signature accepted from that user is reported here, so that a caller (a UI, the CLI, a
 * conformance driver) can show it. Warnings are data in the result, never only log lines.
 *
 * @module
 */
import { isPinVerified, pinIdentity, type PinStore } from '../certs/index.js';

/** One user whose key the flow relied on without a verified pin. */
export interface TrustWarning {
  /**
   * `unverified-recipient`: a key was wrapped for this user (share, filedrop);
   * `unverified-signer`: a document this flow accepted was signed by this user.
   */
  readonly kind: 'unverified-recipient' | 'unverified-signer';
  readonly userId: string;
  /** The pinned key fingerprint to compare out of band (E2EE-CERT-030). */
  readonly spkiSha256: string;
  /** True when this flow made the pin: the key was checked against nothing earlier. */
  readonly firstContact: boolean;
}

/**
 * The warnings for `userIds` (each once, the device's own user left out): every one whose pin is
 * not marked verified. Call after the flow pinned them.
 */
export async function trustWarnings(
  pins: PinStore,
  kind: TrustWarning['kind'],
  userIds: readonly string[],
  opts: { self: string; firstContact: ReadonlySet<string> },
): Promise<TrustWarning[]> {
  const warnings: TrustWarning[] = [];
  for (const userId of new Set(userIds)) {
    if (userId === opts.self) continue;
    const record = await pins.get(pinIdentity('user', userId));
    // The flow pinned every key it relied on before it returned (E2EE-SEC-012).
    if (record === undefined) throw new Error(`no pin for ${userId} after the flow relied on it`);
    // E2EE-CERT-039 (MUST, client): an unverified key the flow relied on is reported.
    if (isPinVerified(record)) continue;
    warnings.push({
      kind,
      userId,
      spkiSha256: record.spkiSha256,
      firstContact: opts.firstContact.has(userId),
    });
  }
  return warnings;
}
