/**
 * C2SP checkpoints (c2sp.org/tlog-checkpoint): the note text `origin\nsize\nbase64(root)\n`,
 * signed by the log's key as a signed note.
 *
 * Spec: `spec/21-transparency-log.md` §4 (E2EE-LOG-021, E2EE-LOG-022).
 *
 * @example
 * ```ts
 * const text = formatCheckpoint({ origin: 'sealfold.example/log', size: 3, root });
 * const cp = openCheckpoint(signNote(text, [logKey]), logKey.verifier);
 * ```
 *
 * @module
 */
import type { NoteVerifier } from './note.js';
import { fromBase64, toBase64 } from '../_internal/bytes.js';
import { SealfoldError } from '../errors/index.js';
import { HASH_LENGTH } from './merkle.js';
import { isKeyName, openNote, parseNote } from './note.js';

/** The three mandatory lines of a checkpoint. */
export interface Checkpoint {
  origin: string;
  size: number;
  root: Uint8Array;
}

/** A checkpoint with the whole note it came in (kept so it can be gossiped and cosigned). */
export interface SignedCheckpoint extends Checkpoint {
  /** The signed note text (the three lines). */
  text: string;
  /** The whole note as received, signature lines included. */
  note: string;
}

function malformed(why: string): never {
  throw new SealfoldError('LOG_NOTE_MALFORMED', `checkpoint: ${why}`);
}

/** The note text of a checkpoint; Sealfold logs write no extension lines (E2EE-LOG-021). */
export function formatCheckpoint(cp: Checkpoint): string {
  if (!isKeyName(cp.origin)) malformed('invalid origin');
  if (!Number.isSafeInteger(cp.size) || cp.size < 0) malformed('invalid size');
  if (cp.root.length !== HASH_LENGTH) malformed('invalid root hash');
  return `${cp.origin}\n${cp.size}\n${toBase64(cp.root)}\n`;
}

/**
 * Parses checkpoint note text: origin, decimal size without leading zeros, base64 32-byte root.
 * Extension lines are refused: a Sealfold log writes none and a monitor cannot audit them.
 * @throws SealfoldError LOG_NOTE_MALFORMED
 */
export function parseCheckpointText(text: string): Checkpoint {
  const lines = text.split('\n');
  if (lines.length !== 4 || lines[3] !== '') malformed('expected exactly three lines'); // E2EE-LOG-021
  const [origin, sizeText, rootText] = lines as [string, string, string];
  if (origin.length === 0) malformed('empty origin');
  if (!/^(0|[1-9][0-9]{0,15})$/.test(sizeText)) malformed('invalid tree size');
  const size = Number(sizeText);
  if (!Number.isSafeInteger(size)) malformed('tree size too large');
  const root = fromBase64(rootText, 'root hash', 'LOG_NOTE_MALFORMED');
  if (root.length !== HASH_LENGTH) malformed('root hash is not 32 bytes');
  return { origin, size, root };
}

/**
 * Verifies a checkpoint note with the log's key and parses it; the origin must be `origin` when
 * given (E2EE-LOG-022).
 * @throws SealfoldError LOG_NOTE_MALFORMED, LOG_SIGNATURE_INVALID
 */
export function openCheckpoint(
  note: string,
  logKey: NoteVerifier,
  origin: string = logKey.name,
): SignedCheckpoint {
  const parsed = parseNote(note);
  const { text } = openNote(parsed, [logKey]); // E2EE-LOG-022
  const cp = parseCheckpointText(text);
  if (cp.origin !== origin) {
    throw new SealfoldError('LOG_SIGNATURE_INVALID', 'checkpoint origin is not the log'); // E2EE-LOG-022
  }
  return { ...cp, text, note };
}
