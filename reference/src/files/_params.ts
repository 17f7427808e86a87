/**
 * Parameters and checks shared by file-payload encryption and decryption (spec/07-files.md).
 *
 * @module
 */
import type { CipherGCMTypes } from 'node:crypto';
import { SealfoldError } from '../errors/index.js';
import { abytes, isBytes } from '../_internal/bytes.js';
import { GCM_IV_LENGTHS, GCM_TAG_LENGTH } from '../_internal/aesgcm.js';

/** File keys are AES-128 (E2EE-FILE-001). */
export const FILE_KEY_LENGTH = 16;
/** Writers emit 96-bit nonces (E2EE-FILE-002). */
export const WRITER_NONCE_LENGTH = 12;
/** Readers accept 96- and 128-bit nonces (E2EE-FILE-003). */
export const READER_NONCE_LENGTHS: readonly number[] = GCM_IV_LENGTHS;
/** The GCM tag appended to the body (E2EE-FILE-804). */
export const TAG_LENGTH = GCM_TAG_LENGTH;
/**
 * Chunk size used when this module reads files itself (64 KiB, node's default for file
 * streams). Smaller chunks cost per-chunk overhead; larger ones let more of node:crypto's output
 * buffers pile up between garbage collections (see bench/ and spec/07-files.md §2).
 */
export const CHUNK_SIZE = 1 << 16;
/** AES-128-GCM; the file key length fixes the variant. */
export const FILE_CIPHER: CipherGCMTypes = 'aes-128-gcm';

/** What a reader needs to decrypt one body: the values of the file's metadata entry. */
export interface FileKeyParams {
  /** The 16-byte file key (`key`). */
  key: Uint8Array;
  /** The 12- or 16-byte nonce (`nonce`, `initializationVector` in 1.x). */
  nonce: Uint8Array;
  /**
   * The tag recorded in metadata (`authenticationTag`). When given it must equal the body's
   * trailing 16 bytes (E2EE-FILE-006).
   */
  tag?: Uint8Array | undefined;
}

/** What a writer records in the file's metadata entry after encrypting a body. */
export interface FileEncryptionResult {
  key: Uint8Array;
  nonce: Uint8Array;
  tag: Uint8Array;
}

/** Anything a file body or plaintext can be read from, chunk by chunk. */
export type ByteSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

/**
 * Whether `source` must be read with `for await`. Synchronous sources (arrays, generators) are
 * read with a plain `for`, so that each chunk does not cost a promise of its own.
 */
export function isAsyncSource(source: ByteSource): source is AsyncIterable<Uint8Array> {
  if (typeof source !== 'object' || source === null) {
    throw new TypeError('a byte source must be an iterable of Uint8Array chunks');
  }
  return Symbol.asyncIterator in source;
}

/** Checks one chunk of a byte source; anything but a Uint8Array is a TypeError (a caller bug). */
export function checkChunk(chunk: unknown): Uint8Array {
  if (!isBytes(chunk)) throw new TypeError('a byte source must yield Uint8Array chunks');
  return chunk;
}

/** Checks the decryption parameters; wrong-typed arguments are TypeErrors (caller bugs). */
export function checkParams(params: FileKeyParams): FileKeyParams {
  if (typeof params !== 'object' || params === null)
    throw new TypeError('"params" must be an object');
  abytes(params.key, 'key', FILE_KEY_LENGTH);
  abytes(params.nonce, 'nonce');
  // E2EE-FILE-003 (MUST, client): accept 12- and 16-byte nonces, reject every other length.
  if (!READER_NONCE_LENGTHS.includes(params.nonce.length)) {
    throw new SealfoldError(
      'CIPHERTEXT_MALFORMED',
      `the file nonce must be 12 or 16 bytes, got ${params.nonce.length}`,
    );
  }
  if (params.tag !== undefined) {
    abytes(params.tag, 'tag');
    if (params.tag.length !== TAG_LENGTH) {
      throw new SealfoldError(
        'CIPHERTEXT_MALFORMED',
        `the file authentication tag must be ${TAG_LENGTH} bytes, got ${params.tag.length}`,
      );
    }
  }
  return params;
}
