/**
 * A log monitor (spec/21 §8): follows the log with a client's verification and reports every key
 * entry, marking a key logged for a watched user id that is not among that user's expected
 * certificates — a key substituted for them, which every client that accepted it had to find in
 * this log (E2EE-LOG-063). The events are returned only when the whole advance verified, with the
 * new state for the caller to store.
 *
 * @example
 * ```ts
 * const r = await followLog(state, { source, logKey, expected: { bob: [myCertHash] } });
 * for (const e of r.keyEvents) if (e.unexpected) alert(e);
 * ```
 *
 * @module
 */
import { advanceLog, type AdvanceOptions, type LogTrust } from './verifier.js';

/** One key entry of the log. */
export interface KeyEvent {
  readonly index: number;
  readonly userId: string;
  /** Lowercase hex SHA-256 of the certificate DER; null for a deletion. */
  readonly certificateHash: string | null;
  /** True when `userId` is watched and this certificate is not one of its expected ones. */
  readonly unexpected: boolean;
}

export interface FollowOptions extends Omit<AdvanceOptions, 'onEntry'> {
  /** Watched user ids and the certificate hashes each expects to see logged. */
  readonly expected?: Readonly<Record<string, readonly string[]>>;
}

/** Advances `trust` and reports every key entry in the new part of the log (E2EE-LOG-070). */
export async function followLog(
  trust: LogTrust,
  opts: FollowOptions,
): Promise<{ trust: LogTrust; keyEvents: KeyEvent[] }> {
  const keyEvents: KeyEvent[] = [];
  const expected = opts.expected ?? {};
  const next = await advanceLog(trust, {
    ...opts,
    onEntry: (index, e) => {
      if (e.kind !== 'key') return;
      const watched = Object.hasOwn(expected, e.userId) ? expected[e.userId]! : undefined;
      keyEvents.push({
        index,
        userId: e.userId,
        certificateHash: e.certificateHash,
        // E2EE-LOG-070 (MUST, client): a key for a watched user that the user does not know.
        unexpected:
          watched !== undefined &&
          e.certificateHash !== null &&
          !watched.includes(e.certificateHash),
      });
    },
  });
  return { trust: next, keyEvents };
}
