/**
 * A client's view of a transparency log (spec/21 §7): the last verified checkpoint, the compact
 * range of that tree, and the latest metadata entry per folder and key entry per user among the
 * verified entries. {@link advanceLog} brings it up to the server's checkpoint and every trusted
 * witness's latest one, proving consistency by recomputing each root from the stored range and
 * the entries in between; {@link checkDocumentLogged} and {@link checkKeyLogged} then refuse what
 * the verified log does not show as the latest. Nothing is mutated: the caller stores the new
 * state only when its whole input was accepted (E2EE-LOG-065).
 *
 * @example
 * ```ts
 * const next = await advanceLog(state, { source, logKey, witnesses, k: 1 });
 * checkDocumentLogged(next, folderId, sha256Hex(document), signerUserId);
 * await store.save(next); // only now
 * ```
 *
 * @module
 */
import type { NoteVerifier } from './note.js';
import type { LogSource, WitnessSource } from './source.js';
import { SealfoldError } from '../errors/index.js';
import { equalBytes, fromBase64, toBase64 } from '../_internal/bytes.js';
import { openCheckpoint, type SignedCheckpoint } from './checkpoint.js';
import { verifyCosignatures } from './cosignature.js';
import {
  appendLeaves,
  emptyRange,
  isCompactRange,
  rangeRoot,
  type CompactRange,
} from './compact-range.js';
import { decodeLogEntry, type LogEntry } from './entry.js';
import { leafHash } from './merkle.js';

/** Entries per bundle (c2sp.org/tlog-tiles). */
const BUNDLE = 256;

/** The persisted log state of one server (JSON-serialisable). */
export interface LogTrust {
  readonly origin: string;
  readonly size: number;
  /** base64 root of the verified tree, and its compact range. */
  readonly root: string;
  readonly range: readonly string[];
  /** The latest verified checkpoint note (for gossip and audit). */
  readonly note: string | null;
  /** Latest metadata entry per folder id: document hash, signer, index. */
  readonly folders: Readonly<
    Record<string, { document: string; signer: string; index: number; earlier: readonly string[] }>
  >;
  /** Latest key entry per user id: certificate hash (null = deleted), index. */
  readonly keys: Readonly<Record<string, { certificate: string | null; index: number }>>;
}

/** The state of a log never seen before (trust on first use of its first checkpoint). */
export function newLogTrust(origin: string): LogTrust {
  return {
    origin,
    size: 0,
    root: toBase64(rangeRoot(emptyRange())),
    range: [],
    note: null,
    folders: {},
    keys: {},
  };
}

/** A trusted witness: its cosignature key and where its latest checkpoint is gossiped. */
export interface TrustedWitness {
  readonly verifier: NoteVerifier;
  readonly source?: WitnessSource;
}

export interface AdvanceOptions {
  readonly source: LogSource;
  readonly logKey: NoteVerifier;
  readonly witnesses?: readonly TrustedWitness[];
  /** Cosignatures required on the server's checkpoint (E2EE-LOG-051); default 0. */
  readonly k?: number;
  /** Sees every new entry in order (a monitor); called before the roots are compared. */
  readonly onEntry?: (index: number, entry: LogEntry) => void;
}

function inconsistent(why: string): never {
  throw new SealfoldError('LOG_INCONSISTENT', why);
}

function rangeOf(t: LogTrust): CompactRange {
  const r = {
    size: t.size,
    hashes: t.range.map((h) => fromBase64(h, 'stored range', 'LOG_NOTE_MALFORMED')),
  };
  if (!isCompactRange(r))
    throw new SealfoldError('LOG_NOTE_MALFORMED', 'stored log range is corrupt');
  return r;
}

/** Splits an entry bundle into entries (uint16 big-endian length prefixes). */
function splitBundle(bytes: Uint8Array, width: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let off = 0;
  while (off < bytes.length) {
    if (off + 2 > bytes.length)
      throw new SealfoldError('LOG_NOTE_MALFORMED', 'truncated entry bundle');
    const len = (bytes[off]! << 8) | bytes[off + 1]!;
    if (off + 2 + len > bytes.length)
      throw new SealfoldError('LOG_NOTE_MALFORMED', 'truncated entry bundle');
    out.push(bytes.subarray(off + 2, off + 2 + len));
    off += 2 + len;
  }
  if (out.length !== width)
    throw new SealfoldError('LOG_NOTE_MALFORMED', `bundle has ${out.length} entries, not ${width}`);
  return out;
}

/**
 * Brings `trust` up to the largest of the server's checkpoint and the witnesses' latest ones.
 * @throws SealfoldError LOG_SIGNATURE_INVALID (log key, origin, cosignature quorum),
 *   LOG_INCONSISTENT (a smaller or non-extending checkpoint), LOG_NOTE_MALFORMED.
 */
export async function advanceLog(trust: LogTrust, opts: AdvanceOptions): Promise<LogTrust> {
  const witnesses = opts.witnesses ?? [];
  const served = openCheckpoint(await opts.source.checkpoint(), opts.logKey, trust.origin); // E2EE-LOG-022
  // E2EE-LOG-051 (MUST, client): the server's checkpoint carries k trusted cosignatures.
  if ((opts.k ?? 0) > 0)
    verifyCosignatures(
      served.note,
      witnesses.map((w) => w.verifier),
      opts.k!,
    );
  const targets: SignedCheckpoint[] = [served];
  // E2EE-LOG-061 (MUST, client): gossip — every witness's latest view must be consistent too.
  for (const w of witnesses) {
    if (w.source === undefined) continue;
    const note = await w.source.latest(trust.origin);
    if (note === null) continue;
    const cp = openCheckpoint(note, opts.logKey, trust.origin);
    verifyCosignatures(cp.note, [w.verifier], 1);
    targets.push(cp);
  }
  for (const t of targets) {
    // E2EE-LOG-060 (MUST, client): a log never shrinks.
    if (t.size < trust.size)
      inconsistent(`checkpoint of size ${t.size} is older than the verified ${trust.size}`);
    if (t.size === trust.size && !equalBytes(t.root, fromBase64(trust.root, 'root')))
      inconsistent(`two different trees of size ${t.size}`);
  }
  const goal = Math.max(...targets.map((t) => t.size));
  let range = rangeOf(trust);
  const folders = { ...trust.folders };
  const keys = { ...trust.keys };
  const rootsAt = new Map<number, Uint8Array>([[trust.size, rangeRoot(range)]]);
  while (range.size < goal) {
    const n = Math.floor(range.size / BUNDLE);
    const width = Math.min(BUNDLE, goal - n * BUNDLE);
    const entries = splitBundle(await opts.source.bundle(n, width), width).slice(
      range.size - n * BUNDLE,
    );
    for (const bytes of entries) {
      const index = range.size;
      const e = decodeLogEntry(bytes);
      if (e.kind === 'metadata') {
        const was = folders[e.folderId];
        const earlier = was === undefined ? [] : [...was.earlier, was.document];
        folders[e.folderId] = { document: e.documentHash, signer: e.signer, index, earlier };
      } else keys[e.userId] = { certificate: e.certificateHash, index };
      opts.onEntry?.(index, e);
      range = appendLeaves(range, [leafHash(bytes)]);
      rootsAt.set(range.size, rangeRoot(range));
    }
  }
  for (const t of targets) {
    // E2EE-LOG-060, E2EE-LOG-061: the entries must hash to every checkpoint's root.
    if (!equalBytes(rootsAt.get(t.size)!, t.root))
      inconsistent(`the log's entries do not give the root of size ${t.size}`);
  }
  const newest = targets.reduce((a, b) => (b.size > a.size ? b : a));
  return {
    origin: trust.origin,
    size: range.size,
    root: toBase64(rangeRoot(range)),
    range: range.hashes.map(toBase64),
    note: newest.note,
    folders,
    keys,
  };
}

/**
 * Requires the folder's latest logged document to be `documentHash` signed by `signer`.
 * @throws SealfoldError LOG_ENTRY_MISSING, LOG_ENTRY_SUPERSEDED
 */
export function checkDocumentLogged(
  trust: LogTrust,
  folderId: string,
  documentHash: string,
  signer: string | undefined,
): void {
  const latest = trust.folders[folderId];
  const matches =
    latest !== undefined &&
    latest.document === documentHash &&
    (signer === undefined || latest.signer === signer);
  if (matches) return;
  // E2EE-LOG-062 (MUST, client): not the folder's latest logged document → refused.
  if (latest === undefined || !latest.earlier.includes(documentHash))
    throw new SealfoldError(
      'LOG_ENTRY_MISSING',
      `folder ${folderId}: the document is not in the log`,
    );
  throw new SealfoldError(
    'LOG_ENTRY_SUPERSEDED',
    `folder ${folderId}: the log's latest document (entry ${latest.index}) is not the one served`,
  );
}

/**
 * Requires `certificateHash` to be the latest logged key of `userId`.
 * @throws SealfoldError LOG_ENTRY_MISSING
 */
export function checkKeyLogged(trust: LogTrust, userId: string, certificateHash: string): void {
  const latest = trust.keys[userId];
  if (latest !== undefined && latest.certificate === certificateHash) return;
  // E2EE-LOG-063 (MUST, client): a first-seen key must be the user's latest logged key.
  throw new SealfoldError(
    'LOG_ENTRY_MISSING',
    latest === undefined
      ? `no logged key for ${userId}`
      : `${userId}: the certificate is not the latest logged key (entry ${latest.index})`,
  );
}
