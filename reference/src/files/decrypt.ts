/**
 * File-payload decryption (spec/07-files.md §3). The body is `ciphertext ‖ tag(16)`; the key,
 * nonce (12 or 16 bytes) and tag come from the file's metadata entry.
 *
 * - {@link decryptFileToPath} is the default for clients: it decrypts into a temporary file and
 *   renames it to the destination only after the tag verified, so unauthenticated plaintext never
 *   reaches the destination (E2EE-FILE-800).
 * - {@link decryptFile} is the whole-buffer reference: it returns nothing unless the tag verifies.
 * - {@link decryptFileStream} yields plaintext chunks **before** the tag has been checked. Every
 *   chunk it yields is unauthenticated until the iteration ends without throwing; a consumer must
 *   treat the output as untrusted scratch data until then (E2EE-FILE-008).
 *
 * Order of checks (layer order): parameters (nonce length) → body length (CIPHERTEXT_MALFORMED)
 * → metadata tag equals the body's trailing 16 bytes (AEAD_TAG_MISMATCH) → GCM tag
 * (AEAD_TAG_MISMATCH).
 *
 * Requirements: E2EE-FILE-003, E2EE-FILE-005, E2EE-FILE-006, E2EE-FILE-800, E2EE-FILE-801, E2EE-FILE-802, E2EE-FILE-008.
 *
 * @module
 */
import { createDecipheriv, type DecipherGCM } from 'node:crypto';
import { basename } from 'node:path';
import { SealfoldError } from '../errors/index.js';
import { abytes, concatBytes, equalBytes } from '../_internal/bytes.js';
import { aesGcmDecrypt } from '../_internal/aesgcm.js';
import {
  FILE_CIPHER,
  TAG_LENGTH,
  checkChunk,
  checkParams,
  isAsyncSource,
  type ByteSource,
  type FileKeyParams,
} from './_params.js';
import { openForReading, readEach, readExactly, writeAtomically } from './_fs.js';

function tooShort(): SealfoldError {
  // E2EE-FILE-005 (MUST, client): a body shorter than its tag is malformed, not a tag failure.
  return new SealfoldError(
    'CIPHERTEXT_MALFORMED',
    `the file body is shorter than its ${TAG_LENGTH}-byte tag`,
  );
}

function checkRecordedTag(recorded: Uint8Array | undefined, trailing: Uint8Array): void {
  // E2EE-FILE-006 (MUST, client): the metadata tag must equal the body's trailing 16 bytes.
  if (recorded !== undefined && !equalBytes(recorded, trailing)) {
    throw new SealfoldError('AEAD_TAG_MISMATCH');
  }
}

function finish(decipher: DecipherGCM): Uint8Array {
  try {
    return decipher.final();
  } catch (e) {
    throw new SealfoldError('AEAD_TAG_MISMATCH', undefined, { cause: e });
  }
}

/**
 * Decrypts a whole body in memory; returns the plaintext only when the tag verifies.
 *
 * @param body `ciphertext ‖ tag` as uploaded.
 * @param params key, nonce and (optionally) the tag from the metadata entry.
 * @throws SealfoldError CIPHERTEXT_MALFORMED (short body, bad nonce length), AEAD_TAG_MISMATCH.
 */
export function decryptFile(body: Uint8Array, params: FileKeyParams): Uint8Array {
  abytes(body, 'body');
  const { key, nonce, tag } = checkParams(params);
  if (body.length < TAG_LENGTH) throw tooShort();
  checkRecordedTag(tag, body.subarray(body.length - TAG_LENGTH));
  return aesGcmDecrypt(key, nonce, body);
}

/**
 * Decrypts a body read chunk by chunk. **Chunks are yielded before authentication**: only when
 * the iteration completes without throwing is the concatenated output authentic. On a tag
 * failure the generator throws AEAD_TAG_MISMATCH after having yielded unauthenticated data.
 * Prefer {@link decryptFileToPath}, which never exposes such data at the destination.
 *
 * The last 16 bytes of the body are held back as the tag, so the stream works for any chunking.
 * To avoid copying, the most recent chunk of `source` is kept by reference until the next one
 * arrives: a source must not reuse a chunk's memory after yielding it (node streams, arrays and
 * `fetch` bodies do not).
 */
export async function* decryptFileStream(
  source: ByteSource,
  params: FileKeyParams,
): AsyncGenerator<Uint8Array> {
  const { key, nonce, tag } = checkParams(params);
  const decipher = createDecipheriv(FILE_CIPHER, key, nonce, { authTagLength: TAG_LENGTH });
  // Bytes received but not yet decrypted; the body's last 16 bytes (the tag) are among them.
  let pending: Uint8Array = new Uint8Array(0);
  /** Takes one source chunk; returns the plaintext it releases, if any. */
  const step = (input: unknown): Uint8Array | undefined => {
    const chunk = checkChunk(input);
    if (chunk.length >= TAG_LENGTH) {
      // The tag lies in this chunk or later: all of `pending` is ciphertext, decrypted in one
      // call, and this chunk is held (not copied) until the next one arrives.
      const out = pending.length > 0 ? decipher.update(pending) : undefined;
      pending = chunk;
      return out;
    }
    if (chunk.length === 0) return undefined;
    const joined = concatBytes(pending, chunk);
    const cut = Math.max(0, joined.length - TAG_LENGTH);
    pending = joined.slice(cut);
    return cut > 0 ? decipher.update(joined.subarray(0, cut)) : undefined;
  };
  if (isAsyncSource(source)) {
    for await (const chunk of source) {
      const out = step(chunk);
      if (out !== undefined && out.length > 0) yield out;
    }
  } else {
    for (const chunk of source) {
      const out = step(chunk);
      if (out !== undefined && out.length > 0) yield out;
    }
  }
  if (pending.length < TAG_LENGTH) throw tooShort();
  const cut = pending.length - TAG_LENGTH;
  const trailing = pending.slice(cut);
  checkRecordedTag(tag, trailing);
  const out = cut > 0 ? decipher.update(pending.subarray(0, cut)) : undefined;
  decipher.setAuthTag(trailing);
  const last = finish(decipher);
  if (out !== undefined && out.length > 0) yield out;
  if (last.length > 0) yield last;
}

/**
 * Decrypts the body at `inPath` to `outPath`. The plaintext goes to a temporary file beside
 * `outPath`, which is renamed to `outPath` only after the tag verified; on any failure the
 * temporary file is removed and `outPath` is neither created nor changed.
 *
 * The body's size is known, so the tag is read first (and compared with the recorded one before
 * anything is decrypted); the ciphertext is then read into two reused chunk buffers.
 *
 * @returns the plaintext size in bytes.
 * @throws SealfoldError CIPHERTEXT_MALFORMED, AEAD_TAG_MISMATCH, NOT_FOUND (no `inPath`).
 */
export async function decryptFileToPath(
  inPath: string,
  outPath: string,
  params: FileKeyParams,
): Promise<{ size: number }> {
  const { key, nonce, tag } = checkParams(params);
  const name = basename(inPath);
  const fh = await openForReading(inPath);
  try {
    const { size: bodySize } = await fh.stat();
    if (bodySize < TAG_LENGTH) throw tooShort();
    const trailing = new Uint8Array(TAG_LENGTH);
    await readExactly(fh, trailing, bodySize - TAG_LENGTH, name);
    checkRecordedTag(tag, trailing);
    const decipher = createDecipheriv(FILE_CIPHER, key, nonce, { authTagLength: TAG_LENGTH });
    decipher.setAuthTag(trailing);
    // E2EE-FILE-800, E2EE-FILE-801 (MUST NOT, client): no plaintext reaches the destination before the tag verified.
    const size = await writeAtomically(outPath, async (write) => {
      // The input chunks are reused buffers: `decipher.update` consumes each before the next read.
      await readEach(fh, name, bodySize - TAG_LENGTH, (chunk) => write(decipher.update(chunk)));
      await write(finish(decipher));
    });
    return { size };
  } finally {
    await fh.close().catch(() => undefined);
  }
}
