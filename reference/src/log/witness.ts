/**
 * A witness's decision on a c2sp.org/tlog-witness `add-checkpoint` request (spec/21 §6,
 * E2EE-LOG-803..806): verify the log's signature, compare the old size with the size it last cosigned,
 * verify the consistency proof, and only then record the checkpoint and cosign it. Pure: the
 * caller persists `state` before sending the answer.
 *
 * @example
 * ```ts
 * const r = addCheckpoint(state, body, { logs: [logKey], cosigner, now: 1700000000 });
 * if (r.status === 200) { persist(r.state); reply(200, r.body); }
 * ```
 *
 * @module
 */
import type { NoteVerifier } from './note.js';
import type { Cosigner } from './cosignature.js';
import { fromBase64, fromUtf8, toBase64 } from '../_internal/bytes.js';
import { isSealfoldError } from '../errors/index.js';
import { parseCheckpointText } from './checkpoint.js';
import { cosignCheckpoint } from './cosignature.js';
import { openNote, parseNote } from './note.js';
import { EMPTY_ROOT, verifyConsistency } from './merkle.js';

/** Per origin: the latest checkpoint the witness cosigned, with its cosignature line. */
export type WitnessState = Readonly<
  Record<string, { size: number; root: string; note: string; cosignature: string }>
>;

export interface WitnessAnswer {
  status: 200 | 400 | 403 | 404 | 409 | 422;
  contentType: string;
  body: string;
  /** The state to persist before answering (unchanged unless status is 200). */
  state: WitnessState;
}

export interface WitnessOptions {
  /** Trusted log keys; each key's name is the origin it signs. */
  logs: readonly NoteVerifier[];
  cosigner: Cosigner;
  /** Seconds since the epoch (the cosignature timestamp). */
  now: number;
}

const MAX_PROOF_LINES = 63;

/** Handles one `add-checkpoint` body (E2EE-LOG-803..806). */
export function addCheckpoint(
  state: WitnessState,
  body: Uint8Array,
  opts: WitnessOptions,
): WitnessAnswer {
  const answer = (
    status: WitnessAnswer['status'],
    text: string,
    type = 'text/plain; charset=utf-8',
  ): WitnessAnswer => ({
    status,
    contentType: type,
    body: text,
    state,
  });
  let text: string;
  try {
    text = fromUtf8(body, 'request');
  } catch {
    return answer(400, 'not UTF-8\n');
  }
  const blank = text.indexOf('\n\n');
  if (blank < 0) return answer(400, 'no blank line\n');
  const head = text.slice(0, blank).split('\n');
  const m = /^old (0|[1-9][0-9]{0,15})$/.exec(head[0] ?? '');
  if (m === null || head.length - 1 > MAX_PROOF_LINES)
    return answer(400, 'bad old line or too many proof lines\n');
  const old = Number(m[1]);
  let proof: Uint8Array[];
  let cpText: string;
  let note: string;
  try {
    proof = head.slice(1).map((l) => fromBase64(l, 'proof line'));
    note = text.slice(blank + 2);
    cpText = parseNote(note).text;
  } catch {
    return answer(400, 'malformed request\n');
  }
  let cp;
  try {
    cp = parseCheckpointText(cpText);
  } catch {
    return answer(400, 'malformed checkpoint\n');
  }
  const logKey = opts.logs.find((k) => k.name === cp.origin);
  // E2EE-LOG-803 (MUST, both): unknown origin 404; no valid trusted log signature 403.
  if (logKey === undefined) return answer(404, 'unknown log\n');
  try {
    openNote(note, [logKey]);
  } catch (e) {
    if (isSealfoldError(e)) return answer(403, 'log signature does not verify\n');
    throw e;
  }
  if (old > cp.size) return answer(400, 'old size above checkpoint size\n');
  const last = state[cp.origin];
  const lastSize = last?.size ?? 0;
  // E2EE-LOG-804 (MUST, both): the client must start from what this witness last cosigned.
  if (old !== lastSize) return answer(409, `${lastSize}\n`, 'text/x.tlog.size');
  if (cp.size === 0 && toBase64(cp.root) !== toBase64(EMPTY_ROOT))
    return answer(422, 'bad empty tree\n');
  if (old === 0) {
    if (proof.length !== 0) return answer(422, 'proof from the empty tree must be empty\n');
  } else {
    try {
      // E2EE-LOG-805 (MUST, both): consistency with the checkpoint this witness last cosigned.
      verifyConsistency(old, cp.size, proof, fromBase64(last!.root, 'stored root'), cp.root);
    } catch (e) {
      if (isSealfoldError(e)) return answer(422, 'consistency proof does not verify\n');
      throw e;
    }
  }
  const cosignature = cosignCheckpoint(cpText, opts.cosigner, opts.now);
  const next: WitnessState = {
    ...state,
    [cp.origin]: {
      size: cp.size,
      root: toBase64(cp.root),
      note: `${cpText}\n${logSignatureLines(note, logKey)}`,
      cosignature,
    },
  };
  return { status: 200, contentType: 'text/plain; charset=utf-8', body: cosignature, state: next };
}

/** The signature lines of the log's own key (kept so that `latest` verifies with the log key). */
function logSignatureLines(note: string, logKey: NoteVerifier): string {
  const sigBlock = note.slice(note.lastIndexOf('\n\n') + 2);
  return sigBlock
    .split('\n')
    .filter((l) => l.startsWith(`\u2014 ${logKey.name} `))
    .map((l) => `${l}\n`)
    .join('');
}

/** The `latest` answer for `origin` (E2EE-LOG-053): the checkpoint with this witness's cosignature. */
export function latestCheckpoint(state: WitnessState, origin: string): string | null {
  const s = state[origin];
  return s === undefined ? null : s.note + s.cosignature;
}
