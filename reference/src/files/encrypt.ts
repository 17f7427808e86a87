/**
 * File-payload encryption (spec/07-files.md §2): AES-128-GCM under a fresh 16-byte file key and
 * a fresh 12-byte nonce, no associated data; the uploaded body is `ciphertext ‖ tag(16)` and the
 * key, nonce and tag go into the file's metadata entry.
 *
 * Three forms with the same output for the same randomness:
 * - {@link encryptFile}: whole buffer, the small auditable reference;
 * - {@link encryptFileStream}: an async iterable over bounded chunks (memory does not grow with
 *   the file size, E2EE-FILE-011);
 * - {@link encryptFileToPath}: file to file.
 *
 * Requirements: E2EE-FILE-001, E2EE-FILE-002, E2EE-FILE-803, E2EE-FILE-804, E2EE-SEC-050.
 *
 * @module
 */
import { createCipheriv } from 'node:crypto';
import { basename } from 'node:path';
import { abytes, defaultRng, type Rng } from '../_internal/bytes.js';
import { aesGcmEncrypt } from '../_internal/aesgcm.js';
import {
  FILE_CIPHER,
  FILE_KEY_LENGTH,
  TAG_LENGTH,
  WRITER_NONCE_LENGTH,
  checkChunk,
  isAsyncSource,
  type ByteSource,
  type FileEncryptionResult,
} from './_params.js';
import { openForReading, readEach, writeAtomically } from './_fs.js';

export interface EncryptFileOptions {
  /** Randomness for the key (first 16 bytes drawn) and the nonce (next 12). */
  rng?: Rng;
}

/** A streaming encryption of one body; iterate it once to get `ciphertext ‖ tag`. */
export interface FileEncryptor extends AsyncIterable<Uint8Array> {
  /** The fresh file key (known before the body is produced). */
  readonly key: Uint8Array;
  /** The fresh nonce. */
  readonly nonce: Uint8Array;
  /** Key, nonce and tag; throws unless the body has been read to its end. */
  result(): FileEncryptionResult;
}

/** Draws a fresh key and nonce (E2EE-FILE-001, E2EE-FILE-002). */
function freshKeyAndNonce(rng: Rng): { key: Uint8Array; nonce: Uint8Array } {
  // E2EE-FILE-001 (MUST, client): a fresh random 16-byte key for every encryption, updates included.
  const key = abytes(rng(FILE_KEY_LENGTH), 'rng output', FILE_KEY_LENGTH).slice();
  // E2EE-FILE-002 (MUST, client): a fresh random nonce; writers emit 12 bytes.
  const nonce = abytes(rng(WRITER_NONCE_LENGTH), 'rng output', WRITER_NONCE_LENGTH).slice();
  return { key, nonce };
}

/**
 * Encrypts a whole payload in memory.
 *
 * @param plaintext the file content.
 * @returns the body to upload (`ciphertext ‖ tag`) and the key, nonce and tag for the metadata.
 * @example
 * ```ts
 * const { body, key, nonce, tag } = encryptFile(new TextEncoder().encode('hello'));
 * ```
 */
export function encryptFile(
  plaintext: Uint8Array,
  options: EncryptFileOptions = {},
): FileEncryptionResult & { body: Uint8Array } {
  abytes(plaintext, 'plaintext');
  const { key, nonce } = freshKeyAndNonce(options.rng ?? defaultRng);
  // E2EE-FILE-803, E2EE-FILE-804 (MUST, client): AES-128-GCM, no associated data, body =
  // ciphertext ‖ tag.
  const body = aesGcmEncrypt(key, nonce, plaintext);
  return { body, key, nonce, tag: body.slice(body.length - TAG_LENGTH) };
}

/**
 * Encrypts a payload read chunk by chunk from `source`. The returned object is an async iterable
 * of body chunks (`ciphertext ‖ tag`, the tag is the last chunk); it can be iterated once.
 *
 * @param source plaintext chunks (an async or sync iterable of Uint8Array).
 * @throws TypeError when iterated twice or when `source` yields something other than bytes.
 */
export function encryptFileStream(
  source: ByteSource,
  options: EncryptFileOptions = {},
): FileEncryptor {
  const { key, nonce } = freshKeyAndNonce(options.rng ?? defaultRng);
  let started = false;
  let tag: Uint8Array | undefined;
  async function* body(): AsyncGenerator<Uint8Array> {
    const cipher = createCipheriv(FILE_CIPHER, key, nonce, { authTagLength: TAG_LENGTH });
    if (isAsyncSource(source)) {
      for await (const chunk of source) {
        const out = cipher.update(checkChunk(chunk));
        if (out.length > 0) yield out;
      }
    } else {
      for (const chunk of source) {
        const out = cipher.update(checkChunk(chunk));
        if (out.length > 0) yield out;
      }
    }
    const last = cipher.final();
    if (last.length > 0) yield last;
    tag = new Uint8Array(cipher.getAuthTag());
    yield tag.slice();
  }
  return {
    key,
    nonce,
    [Symbol.asyncIterator]() {
      // One key and nonce encrypt exactly one body (E2EE-SEC-050).
      if (started) throw new TypeError('a FileEncryptor can be iterated only once');
      started = true;
      return body();
    },
    result() {
      if (tag === undefined) throw new TypeError('the body has not been read to its end yet');
      return { key: key.slice(), nonce: nonce.slice(), tag: tag.slice() };
    },
  };
}

/**
 * Encrypts the file at `inPath` into `outPath` (written atomically: a temporary file renamed at
 * the end). Memory stays bounded: the input is read into two reused chunk buffers and at most
 * one output chunk is being written while the next is encrypted.
 *
 * @returns key, nonce and tag for the metadata, and the body size in bytes.
 * @throws SealfoldError NOT_FOUND when `inPath` does not exist; INPUT_MALFORMED for other I/O errors.
 */
export async function encryptFileToPath(
  inPath: string,
  outPath: string,
  options: EncryptFileOptions = {},
): Promise<FileEncryptionResult & { size: number }> {
  const { key, nonce } = freshKeyAndNonce(options.rng ?? defaultRng);
  const fh = await openForReading(inPath);
  try {
    // E2EE-FILE-803, E2EE-FILE-804 (MUST, client): AES-128-GCM, no associated data, body =
    // ciphertext ‖ tag.
    const cipher = createCipheriv(FILE_CIPHER, key, nonce, { authTagLength: TAG_LENGTH });
    let tag = new Uint8Array(0);
    const size = await writeAtomically(outPath, async (write) => {
      // The input chunks are reused buffers: `cipher.update` consumes each before the next read.
      await readEach(fh, basename(inPath), Infinity, (chunk) => write(cipher.update(chunk)));
      await write(cipher.final());
      tag = new Uint8Array(cipher.getAuthTag());
      await write(tag.slice());
    });
    return { key, nonce, tag, size };
  } finally {
    await fh.close().catch(() => undefined);
  }
}
