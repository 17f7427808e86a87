/**
 * Pinning a server's log (spec/21 §1, E2EE-LOG-002): the origin and verifier key a server first
 * advertised are kept with the client's other trust state; a different one is refused, and so is
 * a server that stops advertising the log once it was seen.
 *
 * @example
 * ```ts
 * const pinned = checkLogCapability(stored, capability['transparency-log']); // store it
 * ```
 *
 * @module
 */
import { SealfoldError } from '../errors/index.js';
import { parseVerifierKey, type NoteVerifier } from './note.js';

/** What a client pins per server. */
export interface PinnedLog {
  readonly origin: string;
  /** The verifier key as advertised (vkey text). */
  readonly verifierKey: string;
  readonly path: string;
}

/** The capability object as advertised (`transparency-log`), or undefined when absent. */
export interface LogCapability {
  readonly origin?: unknown;
  readonly 'verifier-key'?: unknown;
  readonly path?: unknown;
}

/**
 * Checks an advertised capability against the pin: returns the pin to keep (the advertised one
 * at first contact), or null for a server that never advertised a log.
 * @throws SealfoldError DOWNGRADE (the log disappeared), LOG_SIGNATURE_INVALID (another origin
 *   or key), LOG_NOTE_MALFORMED (a malformed capability)
 */
export function checkLogCapability(
  pinned: PinnedLog | undefined,
  advertised: LogCapability | undefined,
): PinnedLog | null {
  if (advertised === undefined) {
    // E2EE-LOG-002 (MUST, client): a server that had a log may not drop it.
    if (pinned !== undefined)
      throw new SealfoldError('DOWNGRADE', 'the server stopped advertising its transparency log');
    return null;
  }
  const { origin, path } = advertised;
  const vkey = advertised['verifier-key'];
  if (
    typeof origin !== 'string' ||
    typeof vkey !== 'string' ||
    typeof path !== 'string' ||
    !path.startsWith('/')
  )
    throw new SealfoldError('LOG_NOTE_MALFORMED', 'malformed transparency-log capability');
  const key = parseVerifierKey(vkey);
  if (key.name !== origin)
    throw new SealfoldError('LOG_NOTE_MALFORMED', 'the log key is not named after the origin');
  const now: PinnedLog = { origin, verifierKey: vkey, path };
  // E2EE-LOG-002 (MUST, client): the pinned origin and key never change.
  if (pinned !== undefined && (pinned.origin !== origin || pinned.verifierKey !== vkey))
    throw new SealfoldError(
      'LOG_SIGNATURE_INVALID',
      'the server advertises another log than the one pinned',
    );
  return pinned ?? now;
}

/** The note verifier of a pinned log. */
export function pinnedLogKey(pinned: PinnedLog): NoteVerifier {
  return parseVerifierKey(pinned.verifierKey);
}
