/**
 * Every vector type, in the order files are generated and reported.
 *
 * @module
 */
import type { VectorType } from './vector-type.js';
import { fileDecrypt } from './types/file-decrypt.js';
import { mnemonicKdf } from './types/mnemonic-kdf.js';
import { pemKey } from './types/pem-key.js';
import { keyWrap } from './types/key-wrap.js';
import { keyBlob } from './types/key-blob.js';

export const VECTOR_TYPES: readonly VectorType[] = [
  pemKey,
  mnemonicKdf,
  keyBlob,
  keyWrap,
  fileDecrypt,
];
