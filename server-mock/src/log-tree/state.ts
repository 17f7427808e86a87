/**
 * The transparency log's settings in the store: whether the log is on (its origin), the witnesses
 * the server submits checkpoints to, and the mock's adversarial switches (spec/21 §9). Kept in the
 * `documents` table so that they change atomically with everything else and survive restarts.
 *
 * @module
 */
import type { StoreView, Tx } from '../store/index.js';

/** `documents` key of the log settings. */
export const TLOG_DOCUMENT = 'tlog';

/** The fork switch: from `atSize` on, `users` see only their own entries, others only theirs. */
export interface ForkSwitch {
  readonly users: readonly string[];
  readonly atSize: number;
}

/** The omit switch: the next `count` entries of these kinds are not appended. */
export interface OmitSwitch {
  readonly kinds: readonly ('key' | 'metadata')[];
  readonly count: number;
}

export interface TlogSettings {
  readonly origin: string;
  /** Witness submission prefixes (c2sp.org/tlog-witness), in order. */
  readonly witnesses: readonly { url: string; vkey: string }[];
  readonly fork: ForkSwitch | null;
  readonly omit: OmitSwitch | null;
}

/** The settings, or null when the log is off. */
export function tlogSettings(view: StoreView): TlogSettings | null {
  const doc = view.get('documents', TLOG_DOCUMENT);
  return doc === undefined ? null : (doc.json as TlogSettings);
}

/** Replaces the settings inside `tx`. */
export function putTlogSettings(tx: Tx, s: TlogSettings): void {
  tx.put('documents', TLOG_DOCUMENT, { json: s });
}
