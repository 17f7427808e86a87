/**
 * File payloads (spec/07-files.md): AES-128-GCM encryption and decryption of file bodies,
 * whole-buffer, streaming and file-to-file, and random server-side object ids.
 *
 * Use {@link decryptFileToPath} to decrypt to disk: it never leaves unauthenticated plaintext at
 * the destination. {@link decryptFileStream} yields plaintext before the tag has been verified.
 *
 * @module
 */
export { encryptFile, encryptFileStream, encryptFileToPath } from './encrypt.js';
export type { EncryptFileOptions, FileEncryptor } from './encrypt.js';
export { decryptFile, decryptFileStream, decryptFileToPath } from './decrypt.js';
export { newObjectId, OBJECT_ID_PATTERN } from './object-id.js';
export {
  FILE_KEY_LENGTH,
  WRITER_NONCE_LENGTH,
  READER_NONCE_LENGTHS,
  TAG_LENGTH,
  CHUNK_SIZE,
} from './_params.js';
/** Reads a file in chunks of at most {@link CHUNK_SIZE} bytes (what the streaming functions take). */
export { readChunks } from './_fs.js';
export type { ByteSource, FileEncryptionResult, FileKeyParams } from './_params.js';
