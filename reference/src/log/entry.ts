/**
 * The entries of a Sealfold transparency log: one line-based UTF-8 text per logged event, hashed
 * as a leaf (RFC 9162 §2.1.1). Two kinds exist: a user's key (certificate issued or public key
 * uploaded, or deleted) and a committed folder metadata document.
 *
 * Each field is one line `name value`; values contain no control characters, so the encoding is
 * injective and a client can rebuild the exact entry from what it already holds (E2EE-LOG-005).
 *
 * Spec: `spec/21-transparency-log.md` §2.
 *
 * @example
 * ```ts
 * const e = encodeLogEntry({ kind: 'metadata', folderId: '42', counter: 3,
 *   documentHash: sha256Hex(doc), signer: 'alice' });
 * const leaf = leafHash(e);
 * ```
 *
 * @module
 */
import { fromUtf8, utf8 } from '../_internal/bytes.js';
import { SealfoldError } from '../errors/index.js';

/** First line of every entry; a new format gets a new header. */
export const ENTRY_HEADER = 'sealfold-log-entry/v1';

/** A user's key changed: `certificateHash` is hex SHA-256 of the certificate DER, or null when deleted. */
export interface KeyLogEntry {
  kind: 'key';
  userId: string;
  certificateHash: string | null;
}

/** A folder metadata document was committed. */
export interface MetadataLogEntry {
  kind: 'metadata';
  /** The folder's server file id, as in the e2e API paths. */
  folderId: string;
  /** The document's counter (0 for documents without one). */
  counter: number;
  /** hex SHA-256 of the document exactly as stored and served. */
  documentHash: string;
  /** User id of the signer (CN of the signing certificate). */
  signer: string;
}

export type LogEntry = KeyLogEntry | MetadataLogEntry;

const HEX64 = /^[0-9a-f]{64}$/;

/** True when `s` has a C0 control character or DEL. */
function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

function field(name: string, value: string): string {
  if (value.length === 0 || hasControl(value)) {
    throw new SealfoldError(
      'INPUT_MALFORMED',
      `log entry field "${name}" is empty or has a control character`,
    );
  }
  return `${name} ${value}\n`;
}

/** The entry's bytes (E2EE-LOG-005). */
export function encodeLogEntry(e: LogEntry): Uint8Array {
  if (e.kind === 'key') {
    if (e.certificateHash !== null && !HEX64.test(e.certificateHash)) {
      throw new SealfoldError(
        'INPUT_MALFORMED',
        'certificate hash must be 64 lowercase hex digits',
      );
    }
    return utf8(
      `${ENTRY_HEADER}\n${field('kind', 'key')}${field('user', e.userId)}` +
        field('certificate', e.certificateHash ?? 'deleted'),
    );
  }
  if (!Number.isSafeInteger(e.counter) || e.counter < 0 || !HEX64.test(e.documentHash)) {
    throw new SealfoldError('INPUT_MALFORMED', 'metadata log entry has an invalid counter or hash');
  }
  return utf8(
    `${ENTRY_HEADER}\n${field('kind', 'metadata')}${field('folder', e.folderId)}` +
      `${field('counter', String(e.counter))}${field('document', e.documentHash)}${field('signer', e.signer)}`,
  );
}

/**
 * Parses entry bytes; the result re-encodes to the same bytes or this throws.
 * @throws SealfoldError LOG_NOTE_MALFORMED
 */
export function decodeLogEntry(bytes: Uint8Array): LogEntry {
  const bad = (): never => {
    throw new SealfoldError('LOG_NOTE_MALFORMED', 'log entry is malformed');
  };
  const text = fromUtf8(bytes, 'log entry', 'LOG_NOTE_MALFORMED');
  const lines = text.split('\n');
  if (lines[0] !== ENTRY_HEADER || lines.at(-1) !== '') bad();
  const fields = new Map<string, string>();
  for (const line of lines.slice(1, -1)) {
    const i = line.indexOf(' ');
    if (i <= 0) bad();
    fields.set(line.slice(0, i), line.slice(i + 1));
  }
  let entry: LogEntry;
  if (fields.get('kind') === 'key') {
    const cert = fields.get('certificate') ?? bad();
    entry = {
      kind: 'key',
      userId: fields.get('user') ?? bad(),
      certificateHash: cert === 'deleted' ? null : cert,
    };
  } else if (fields.get('kind') === 'metadata') {
    const counter = fields.get('counter') ?? bad();
    if (!/^(0|[1-9][0-9]{0,15})$/.test(counter)) bad();
    entry = {
      kind: 'metadata',
      folderId: fields.get('folder') ?? bad(),
      counter: Number(counter),
      documentHash: fields.get('document') ?? bad(),
      signer: fields.get('signer') ?? bad(),
    };
  } else {
    return bad();
  }
  let again: Uint8Array;
  try {
    again = encodeLogEntry(entry);
  } catch {
    return bad();
  }
  // E2EE-LOG-005: only the canonical encoding is an entry.
  if (again.length !== bytes.length || !again.every((b, i) => b === bytes[i])) bad();
  return entry;
}
