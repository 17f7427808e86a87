/**
 * The transparency log at enrolment (spec/21 §1, §7): when a server advertises the log, the
 * client pins its origin and key together with the first checkpoint it verified under that key,
 * in the device's state store, so that every later verification starts from that pin and needs
 * no out-of-band step. A later different key is refused (`LOG_SIGNATURE_INVALID`), a log that
 * disappeared is a `DOWNGRADE`, and a refusal writes nothing.
 *
 * @example
 * ```ts
 * const pin = await pinLogAtEnrolment(ctx, state, capability.transparencyLog);
 * const witness = pin && pinnedLogWitness(ctx, state, pin); // the device's fork witness
 * ```
 *
 * @module
 */
import type { ClientContext } from '../http/ocs.js';
import type { StateStore } from '../state/index.js';
import type { ForkWitness } from '../folders/index.js';
import {
  advanceLog,
  checkLogCapability,
  httpLogSource,
  newLogTrust,
  pinnedLogKey,
  transparencyLogWitness,
  type LogCapability,
  type LogTrust,
  type LogTrustStore,
  type PinnedLog,
} from '../log/index.js';

/** State-store key of the pinned log of the server at `baseUrl`. */
export function logPinKey(baseUrl: string): string {
  return `tlog-pin:${baseUrl}`;
}

/** State-store key of the verified log state of the server at `baseUrl`. */
export function logTrustKey(baseUrl: string): string {
  return `tlog-trust:${baseUrl}`;
}

/** The device's {@link LogTrustStore} for one server, kept in its state store. */
export function stateLogTrustStore(state: StateStore, baseUrl: string): LogTrustStore {
  return {
    load: async () => state.get<LogTrust>(logTrustKey(baseUrl)),
    save: (t) => state.set(logTrustKey(baseUrl), t),
  };
}

/**
 * Checks the advertised log against the pin and, at first contact, verifies the server's
 * checkpoint under the advertised key and pins both. Returns the pin, or null for a server that
 * never advertised a log.
 * @throws SealfoldError LOG_SIGNATURE_INVALID (another key or origin, a checkpoint not signed by
 *   the advertised key), DOWNGRADE (the log disappeared), LOG_NOTE_MALFORMED, LOG_INCONSISTENT
 */
export async function pinLogAtEnrolment(
  ctx: ClientContext,
  state: StateStore,
  advertised: LogCapability | undefined,
): Promise<PinnedLog | null> {
  const baseUrl = ctx.account.baseUrl;
  const stored = await state.get<PinnedLog>(logPinKey(baseUrl));
  // E2EE-LOG-002 (MUST, client): a pinned log's key never changes and the log never disappears.
  const pin = checkLogCapability(stored, advertised);
  if (pin === null || stored !== undefined) return pin;
  const trusts = stateLogTrustStore(state, baseUrl);
  // E2EE-LOG-122 (MUST, client): the first checkpoint is verified under the advertised key
  // before anything is stored; the pin is written last, so a refusal leaves no trace.
  const trust = await advanceLog((await trusts.load()) ?? newLogTrust(pin.origin), {
    source: httpLogSource(ctx, pin.path),
    logKey: pinnedLogKey(pin),
  });
  await trusts.save(trust);
  await state.set(logPinKey(baseUrl), pin);
  return pin;
}

/** The fork witness that verifies every read and write against the pinned log (spec/21 §7). */
export function pinnedLogWitness(
  ctx: ClientContext,
  state: StateStore,
  pin: PinnedLog,
): ForkWitness {
  return transparencyLogWitness({
    source: httpLogSource(ctx, pin.path),
    logKey: pinnedLogKey(pin),
    store: stateLogTrustStore(state, ctx.account.baseUrl),
  });
}
