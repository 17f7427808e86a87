/**
 * Appending entries to the transparency log inside the store transaction of the change they
 * record (E2EE-LOG-004): the journal writes both in one line, so after a crash both exist or
 * neither. Called from the audit sink (key events) and from the E2EE engine adapter (committed
 * metadata documents). Does nothing while the log is off.
 *
 * @module
 */
import type { StoreView, Tx, AuditRecord } from '../store/index.js';
import type { LogEntry } from '../../../reference/src/log/index.js';
import { decodeLogEntry, encodeLogEntry } from '../../../reference/src/log/index.js';
import { fromUtf8, sha256Hex, toBase64, utf8 } from '../../../reference/src/bytes/index.js';
import { putTlogSettings, tlogSettings } from './state.js';

/** Audit actions that change a user's key (E2EE-LOG-003). */
const KEY_ACTIONS: Readonly<Record<string, 'set' | 'delete'>> = {
  'certificate.issue': 'set',
  'public-key.upload': 'set',
  'public-key.delete': 'delete',
};

/** Number of entries in the log (all branches). */
export function tlogSize(view: StoreView): number {
  return view.list('tlog').length;
}

/**
 * Appends `entry` in `tx` unless the log is off or the omit switch swallows it. `extraLines` is
 * empty except under the `log-entry-extra-field` fault switch, which breaks E2EE-LOG-006.
 */
export function appendLogEntry(
  tx: Tx,
  entry: LogEntry,
  actor: string,
  time: number,
  extraLines = '',
): void {
  const settings = tlogSettings(tx);
  if (settings === null) return;
  const omit = settings.omit;
  if (omit !== null && omit.count > 0 && omit.kinds.includes(entry.kind)) {
    // The adversarial omit switch (spec/21 §9): the change commits, its entry does not.
    putTlogSettings(tx, { ...settings, omit: { ...omit, count: omit.count - 1 } });
    return;
  }
  const index = tlogSize(tx);
  // E2EE-LOG-004 (MUST, server): the entry is written in the transaction of the change.
  tx.put('tlog', String(index).padStart(12, '0'), {
    index,
    entry: fromUtf8(encodeLogEntry(entry), 'log entry') + extraLines,
    actor,
    time,
  });
}

/**
 * The audit sink's hook: a certificate issued, a public key uploaded or deleted becomes a key
 * entry (E2EE-LOG-003). `owner` is the store key of the certificate (uid or `s:<token>`).
 */
export function logKeyEvent(tx: Tx, rec: AuditRecord, owner: string | undefined): void {
  const kind = KEY_ACTIONS[rec.action];
  if (kind === undefined || owner === undefined) return;
  const certificateHash = kind === 'delete' ? null : (rec.certFingerprint ?? null);
  if (kind === 'set' && certificateHash === null) return;
  // E2EE-LOG-003 (MUST, server): every certificate issuance, upload and deletion is logged.
  appendLogEntry(tx, { kind: 'key', userId: owner, certificateHash }, rec.actor, rec.time);
}

/** Committed documents by folder id, to compare before and after an engine operation. */
export type CommittedDocs = ReadonlyMap<string, { doc: string; counter: number }>;

/** Snapshot of the committed documents of an engine state's `meta` table. */
export function committedDocs(
  meta: Record<string, { doc?: string; counter?: number; signature?: string }>,
): CommittedDocs {
  const out = new Map<string, { doc: string; counter: number; signature?: string }>();
  for (const [id, rec] of Object.entries(meta)) {
    if (rec.doc !== undefined)
      out.set(id, {
        doc: rec.doc,
        counter: rec.counter ?? 0,
        ...(rec.signature !== undefined ? { signature: rec.signature } : {}),
      });
  }
  return out;
}

/**
 * A filedrop merge changes the stored bytes and keeps the member's signature: the document's signer
 * is still the member who committed that signature, not the dropper whose request merged it.
 */
function mergedKeepsSignature(
  was: { doc: string; signature?: string } | undefined,
  now: { doc: string; signature?: string },
): boolean {
  return was !== undefined && was.signature !== undefined && was.signature === now.signature;
}

/** The `signer` of the folder's latest `metadata` entry, or null when none is logged. */
function latestMetadataSigner(view: StoreView, folderId: string): string | null {
  const rows = view.list('tlog').sort((a, b) => b.index - a.index);
  for (const row of rows) {
    let e: LogEntry;
    try {
      e = decodeLogEntry(utf8(row.entry));
    } catch {
      continue; // an entry the log-entry-extra-field switch broke names no signer
    }
    if (e.kind === 'metadata' && e.folderId === folderId) return e.signer;
  }
  return null;
}

/**
 * Appends a metadata entry for every document that became committed or changed between `before`
 * and `after` (E2EE-LOG-003): `signer` is the user whose request committed it, except for a
 * filedrop merge, which keeps the signature and so the signer of the folder's previous entry.
 */
export function logCommittedDocs(
  tx: Tx,
  before: CommittedDocs,
  after: CommittedDocs,
  committer: string | null,
  time: number,
  leakDocument = false,
): void {
  if (committer === null) return;
  for (const [folderId, now] of after) {
    const was = before.get(folderId);
    if (was !== undefined && was.doc === now.doc && was.counter === now.counter) continue;
    // E2EE-LOG-003 (MUST, server): every newly committed document, with hash, counter, signer.
    appendLogEntry(
      tx,
      {
        kind: 'metadata',
        folderId,
        counter: now.counter,
        documentHash: sha256Hex(utf8(now.doc)),
        signer: mergedKeepsSignature(was, now)
          ? (latestMetadataSigner(tx, folderId) ?? committer)
          : committer,
      },
      committer,
      time,
      // The `log-entry-extra-field` fault switch: the document's bytes in a field of their own.
      leakDocument ? `document-bytes ${toBase64(utf8(now.doc))}\n` : '',
    );
  }
}
