/**
 * Timestamped Ed25519 checkpoint cosignatures (c2sp.org/tlog-cosignature, type 0x04): a
 * witness signs `cosignature/v1\ntime <t>\n` followed by the checkpoint text; the signature is
 * the 8-byte big-endian timestamp followed by the 64-byte Ed25519 signature.
 *
 * Spec: `spec/21-transparency-log.md` §6 (E2EE-LOG-050, E2EE-LOG-051).
 *
 * @example
 * ```ts
 * const w = cosignerFromSeed('witness.example/w1', seed);
 * const line = cosignCheckpoint(cp.text, w, 1700000000);
 * verifyCosignatures(cp.note + line, cp.text, [w.verifier], 1); // names that cosigned
 * ```
 *
 * @module
 */
import type { NoteVerifier } from './note.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { abytes, concatBytes, utf8 } from '../_internal/bytes.js';
import { SealfoldError } from '../errors/index.js';
import { SIG_TYPE_COSIGNATURE_V1, isKeyName, noteKeyId, parseNote, signatureLine } from './note.js';

/** A witness's cosigning key. */
export interface Cosigner {
  name: string;
  keyId: number;
  verifier: NoteVerifier;
  /** Timestamp ‖ Ed25519 signature over the cosigned message. */
  cosign(checkpointText: string, timestamp: number): Uint8Array;
}

function message(checkpointText: string, timestamp: number): Uint8Array {
  return utf8(`cosignature/v1\ntime ${timestamp}\n${checkpointText}`); // E2EE-LOG-050
}

function timestampBytes(timestamp: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(timestamp), false);
  return b;
}

/** A verifier for Ed25519 cosignatures by `name` with a 32-byte public key. */
export function cosignatureVerifier(name: string, publicKey: Uint8Array): NoteVerifier {
  abytes(publicKey, 'publicKey', 32);
  if (!isKeyName(name)) throw new SealfoldError('LOG_NOTE_MALFORMED', 'invalid cosigner name');
  return {
    name,
    keyId: noteKeyId(name, SIG_TYPE_COSIGNATURE_V1, publicKey),
    type: SIG_TYPE_COSIGNATURE_V1,
    publicKey,
    verify: (text, sig) => {
      if (sig.length !== 72) return false;
      const ts = new DataView(sig.buffer, sig.byteOffset).getBigUint64(0, false);
      if (ts === 0n || ts > 2n ** 63n - 1n) return false; // E2EE-LOG-050: a zero timestamp is no cosignature
      return ed25519.verify(sig.subarray(8), message(text, Number(ts)), publicKey);
    },
  };
}

/** A cosigner from a 32-byte seed. */
export function cosignerFromSeed(name: string, seed: Uint8Array): Cosigner {
  abytes(seed, 'seed', 32);
  const verifier = cosignatureVerifier(name, ed25519.getPublicKey(seed));
  return {
    name,
    keyId: verifier.keyId,
    verifier,
    cosign: (text, timestamp) => {
      if (!Number.isSafeInteger(timestamp) || timestamp <= 0) throw new RangeError('timestamp');
      return concatBytes(timestampBytes(timestamp), ed25519.sign(message(text, timestamp), seed));
    },
  };
}

/** The note signature line of `cosigner` over `checkpointText` at `timestamp` (seconds). */
export function cosignCheckpoint(
  checkpointText: string,
  cosigner: Cosigner,
  timestamp: number,
): string {
  return signatureLine(cosigner.name, cosigner.keyId, cosigner.cosign(checkpointText, timestamp));
}

/**
 * Counts the distinct trusted witnesses whose cosignature on `note` verifies and requires at
 * least `k` (E2EE-LOG-051). A line from a trusted witness that fails rejects the note; lines
 * from unknown keys are ignored.
 * @throws SealfoldError LOG_SIGNATURE_INVALID
 */
export function verifyCosignatures(
  note: string,
  witnesses: readonly NoteVerifier[],
  k: number,
): string[] {
  const parsed = parseNote(note);
  const names = new Set<string>();
  for (const line of parsed.signatures) {
    const w = witnesses.find((x) => x.name === line.name && x.keyId === line.keyId);
    if (w === undefined) continue;
    if (!w.verify(parsed.text, line.signature)) {
      throw new SealfoldError('LOG_SIGNATURE_INVALID', `cosignature by ${w.name} does not verify`);
    }
    names.add(w.name);
  }
  if (names.size < k) {
    throw new SealfoldError(
      'LOG_SIGNATURE_INVALID',
      `checkpoint has ${names.size} of the ${k} required witness cosignatures`, // E2EE-LOG-051
    );
  }
  return [...names];
}
