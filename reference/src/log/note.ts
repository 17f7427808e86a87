/**
 * C2SP signed notes (c2sp.org/signed-note): text followed by a blank line and signature lines
 * `— <name> base64(keyId ‖ signature)`, Ed25519 verifier keys (`name+hex(id)+base64(0x01 ‖ pk)`),
 * and signing and verification of the note text.
 *
 * Verification (E2EE-LOG-800..802): a signature line whose name and key ID do not both match a known
 * key is ignored; a matching line MUST verify; at least one known key MUST have signed.
 *
 * Spec: `spec/21-transparency-log.md` §4.
 *
 * @example
 * ```ts
 * const key = noteSignerFromSeed('example.com/log', seed);
 * const note = signNote('hello\n', [key]);
 * openNote(note, [key.verifier]); // the text, or throws LOG_NOTE_INVALID
 * ```
 *
 * @module
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import {
  abytes,
  concatBytes,
  equalBytes,
  fromBase64,
  fromUtf8,
  sha256,
  toBase64,
  utf8,
} from '../_internal/bytes.js';
import { SealfoldError } from '../errors/index.js';

/** Signature type byte of plain Ed25519 note signatures (signed-note §Signatures). */
export const SIG_TYPE_ED25519 = 0x01;
/** Signature type byte of timestamped Ed25519 cosignatures (c2sp.org/tlog-cosignature). */
export const SIG_TYPE_COSIGNATURE_V1 = 0x04;
/** How many signature lines a verifier reads at most; the note spec requires at least 16. */
export const MAX_SIGNATURES = 32;
/** Largest note accepted, in bytes (bounds the work an unauthenticated note can cause). */
export const MAX_NOTE_BYTES = 64 * 1024;

const DASH = '\u2014 ';

/** A note split into its text and signature lines (nothing verified yet). */
export interface ParsedNote {
  /** The signed text, including its final newline. */
  text: string;
  signatures: { name: string; keyId: number; signature: Uint8Array }[];
}

/** A public key that verifies note signatures of one type. */
export interface NoteVerifier {
  name: string;
  keyId: number;
  type: number;
  publicKey: Uint8Array;
  /** Verifies `sig` (the bytes after the key ID) over the note `text`. */
  verify(text: string, sig: Uint8Array): boolean;
}

/** A key that signs notes. */
export interface NoteSigner {
  name: string;
  keyId: number;
  verifier: NoteVerifier;
  /** The signature bytes (without the key ID) over the note `text`. */
  sign(text: string): Uint8Array;
}

function malformed(why: string): never {
  throw new SealfoldError('LOG_NOTE_MALFORMED', `signed note: ${why}`);
}

/** A valid key name: non-empty, no Unicode space, no '+' (signed-note §Format). */
export function isKeyName(name: string): boolean {
  return name.length > 0 && !/[\s+]/u.test(name);
}

/** key ID = SHA-256(name ‖ 0x0A ‖ type ‖ public key)[:4], big-endian (signed-note). */
export function noteKeyId(name: string, type: number, publicKey: Uint8Array): number {
  const h = sha256(concatBytes(utf8(name), Uint8Array.of(0x0a, type), publicKey));
  return new DataView(h.buffer, h.byteOffset).getUint32(0, false);
}

/** An Ed25519 note verifier (type 0x01) for `name` and a 32-byte public key. */
export function ed25519NoteVerifier(name: string, publicKey: Uint8Array): NoteVerifier {
  abytes(publicKey, 'publicKey', 32);
  if (!isKeyName(name)) malformed('invalid key name');
  return {
    name,
    keyId: noteKeyId(name, SIG_TYPE_ED25519, publicKey),
    type: SIG_TYPE_ED25519,
    publicKey,
    verify: (text, sig) => sig.length === 64 && ed25519.verify(sig, utf8(text), publicKey),
  };
}

/** An Ed25519 note signer from a 32-byte seed (the secret stays in the closure). */
export function noteSignerFromSeed(name: string, seed: Uint8Array): NoteSigner {
  abytes(seed, 'seed', 32);
  const verifier = ed25519NoteVerifier(name, ed25519.getPublicKey(seed));
  return {
    name,
    keyId: verifier.keyId,
    verifier,
    sign: (text) => ed25519.sign(utf8(text), seed),
  };
}

/** Encodes a verifier key `name+hex(id)+base64(type ‖ pk)`. */
export function formatVerifierKey(v: NoteVerifier): string {
  return `${v.name}+${v.keyId.toString(16).padStart(8, '0')}+${toBase64(concatBytes(Uint8Array.of(v.type), v.publicKey))}`;
}

/**
 * Parses a verifier key of type 0x01 (note signatures) and checks that its key ID is the one
 * the name and key determine.
 * @throws SealfoldError LOG_NOTE_MALFORMED
 */
export function parseVerifierKey(vkey: string): NoteVerifier {
  // The base64 key may itself contain '+': split at the first two only (name and ID have none).
  const m = /^([^+]+)\+([0-9a-f]{8})\+(.+)$/s.exec(vkey);
  if (m === null) malformed('invalid verifier key');
  const parts = [m[1]!, m[2]!, m[3]!];
  const raw = fromBase64(parts[2]!, 'verifier key', 'LOG_NOTE_MALFORMED');
  if (raw.length !== 33 || raw[0] !== SIG_TYPE_ED25519) malformed('unsupported verifier key');
  const v = ed25519NoteVerifier(parts[0]!, raw.subarray(1));
  if (v.keyId !== Number.parseInt(parts[1]!, 16)) malformed('verifier key ID mismatch');
  return v;
}

/**
 * Splits a note into text and signature lines. Checks UTF-8, control characters, the blank line
 * and each signature line's syntax; verifies nothing.
 * @throws SealfoldError LOG_NOTE_MALFORMED
 */
export function parseNote(note: Uint8Array | string): ParsedNote {
  const bytes = typeof note === 'string' ? utf8(note) : note;
  if (bytes.length > MAX_NOTE_BYTES) malformed('too large');
  // E2EE-LOG-802 (MUST, both): UTF-8, no control character but newline, a blank line, and
  // well-formed signature lines, or LOG_NOTE_MALFORMED.
  const s = fromUtf8(bytes, 'note', 'LOG_NOTE_MALFORMED');
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 && c !== 0x0a) malformed('control character');
  }
  const split = s.lastIndexOf('\n\n');
  if (split < 0 || !s.endsWith('\n')) malformed('no signature block');
  const text = s.slice(0, split + 1);
  const lines = s.slice(split + 2, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) malformed('too many signatures');
  const signatures = lines.map((line) => {
    if (!line.startsWith(DASH)) malformed('signature line without em dash');
    const [name, b64, extra] = line.slice(DASH.length).split(' ');
    if (name === undefined || b64 === undefined || extra !== undefined || !isKeyName(name)) {
      malformed('invalid signature line');
    }
    const raw = fromBase64(b64, 'signature', 'LOG_NOTE_MALFORMED');
    if (raw.length < 5) malformed('signature too short');
    const keyId = new DataView(raw.buffer, raw.byteOffset).getUint32(0, false);
    return { name, keyId, signature: raw.subarray(4) };
  });
  return { text, signatures };
}

/** One signature line for `text` by `signer`. */
export function signatureLine(name: string, keyId: number, signature: Uint8Array): string {
  const id = new Uint8Array(4);
  new DataView(id.buffer).setUint32(0, keyId, false);
  return `${DASH}${name} ${toBase64(concatBytes(id, signature))}\n`;
}

/** Signs `text` (which must end in a newline) with every signer; returns the whole note. */
export function signNote(text: string, signers: readonly NoteSigner[]): string {
  if (!text.endsWith('\n')) malformed('text must end in a newline');
  return `${text}\n${signers.map((k) => signatureLine(k.name, k.keyId, k.sign(text))).join('')}`;
}

/**
 * Verifies a note against `known` keys and returns its text with the names of the keys that
 * signed it. Lines from unknown keys are ignored; a line from a known key that fails to verify
 * rejects the whole note; no verified known signature rejects it (E2EE-LOG-800, E2EE-LOG-801).
 * @throws SealfoldError LOG_NOTE_MALFORMED, LOG_SIGNATURE_INVALID
 */
export function openNote(
  note: Uint8Array | string | ParsedNote,
  known: readonly NoteVerifier[],
): { text: string; signedBy: NoteVerifier[] } {
  const parsed = typeof note === 'object' && 'text' in note ? note : parseNote(note);
  const signedBy: NoteVerifier[] = [];
  for (const line of parsed.signatures) {
    const key = known.find((k) => k.name === line.name && k.keyId === line.keyId);
    // E2EE-LOG-800 (MUST, both): lines of unknown keys are ignored.
    if (key === undefined) continue;
    // E2EE-LOG-801 (MUST, both): a known key's line that does not verify rejects the whole note.
    if (!key.verify(parsed.text, line.signature)) {
      throw new SealfoldError('LOG_SIGNATURE_INVALID', `signature by ${key.name} does not verify`);
    }
    if (!signedBy.includes(key)) signedBy.push(key);
  }
  if (signedBy.length === 0) {
    // E2EE-LOG-801 (MUST, both): no verified known signature rejects the note.
    throw new SealfoldError('LOG_SIGNATURE_INVALID', 'no signature by a known key');
  }
  return { text: parsed.text, signedBy };
}

/** True when two verifiers are the same key (name, ID and public key). */
export function sameVerifier(a: NoteVerifier, b: NoteVerifier): boolean {
  return a.name === b.name && a.keyId === b.keyId && equalBytes(a.publicKey, b.publicKey);
}
