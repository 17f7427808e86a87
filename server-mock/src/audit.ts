/**
 * The audit log: one record per key-lifecycle or sharing event (certificate issuance, key upload,
 * key deletion, share change, lock, reset), written in the same transaction as the change it
 * describes, so it is exactly as durable as the state (E2EE-CERT-060, E2EE-CERT-063). Records hold who, when,
 * what and certificate fingerprints; never keys, blobs, tokens or passwords (E2EE-SEC-061).
 *
 * The log supports detection (SRV-7); it is written by the party the E2EE model distrusts and is
 * no trust anchor.
 *
 * @module
 */
import type { StoreView, Tx } from './store/index.js';
import type { AuditRecord } from './store/index.js';
import { logKeyEvent } from './log-tree/append.js';

/** A new event; `seq` is assigned on append. */
export type AuditEvent = Omit<AuditRecord, 'seq'>;

/** Longest `details` string value accepted: long values are likely secrets, so refuse them. */
const MAX_DETAIL = 80;

/**
 * Appends an event inside `tx`.
 * @throws TypeError when a `details` value is a long string (a programming error: do not log
 *   blobs, keys or tokens).
 */
export function append(tx: Tx, ev: AuditEvent): AuditRecord {
  for (const [k, v] of Object.entries(ev.details ?? {}))
    if (typeof v === 'string' && v.length > MAX_DETAIL)
      throw new TypeError(`audit detail ${k} is too long to be a non-secret fact`);
  const seq = tx.nextId('audit');
  const rec: AuditRecord = { seq, ...ev };
  tx.put('audit', String(seq).padStart(12, '0'), rec);
  logKeyEvent(tx, rec, keyOwnerOf(tx, rec.object)); // transparency log (spec/21), same transaction
  return rec;
}

/** The certificate owner an audit object names: `user:<uid>` → uid, `share:<id>` → `s:<token>`. */
function keyOwnerOf(view: StoreView, object: string): string | undefined {
  if (object.startsWith('user:')) return object.slice('user:'.length);
  if (!object.startsWith('share:')) return undefined;
  const share = view.list('shares').find((s) => `share:${s.id}` === object);
  return share?.token ? `s:${share.token}` : undefined;
}

/** Audit records in order, optionally only those after `since` or by `actor`/about `object`. */
export function list(
  view: StoreView,
  filter: { since?: number; actor?: string; object?: string } = {},
): AuditRecord[] {
  return view
    .list('audit')
    .filter(
      (r) =>
        (filter.since === undefined || r.seq > filter.since) &&
        (filter.actor === undefined || r.actor === filter.actor) &&
        (filter.object === undefined || r.object === filter.object),
    )
    .sort((a, b) => a.seq - b.seq);
}
