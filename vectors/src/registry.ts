/**
 * Every vector type, in the order files are generated and reported.
 *
 * @module
 */
import type { VectorType } from './vector-type.js';
import { certificate } from './types/certificate.js';
import { canonicalJsonVectors } from './types/canonical-json.js';
import { chain } from './types/chain.js';
import { csrVectors } from './types/csr.js';
import { fileDecrypt } from './types/file-decrypt.js';
import { filedropEntry } from './types/filedrop-entry.js';
import { keyBlob } from './types/key-blob.js';
import { keyWrap } from './types/key-wrap.js';
import { metadataDecrypt } from './types/metadata-decrypt.js';
import { metadataSignature } from './types/metadata-signature.js';
import { metadataLegacy } from './types/metadata-legacy.js';
import { mnemonicKdf } from './types/mnemonic-kdf.js';
import { pemKey } from './types/pem-key.js';
import { scenario } from './types/scenario.js';
import { recoveryPolicy, recoveryWrap } from './types/recovery-key.js';
import { logProof } from './types/log-proof.js';
// from './types/pem-key.js';

export const VECTOR_TYPES: readonly VectorType[] = [
  pemKey,
  mnemonicKdf,
  keyBlob,
  keyWrap,
  certificate,
  csrVectors,
  metadataDecrypt,
  metadataLegacy,
  canonicalJsonVectors,
  metadataSignature,
  filedropEntry,
  fileDecrypt,
  recoveryWrap, // the recovery-key extension (spec/20-recovery-key.md)
  recoveryPolicy,
  logProof,
  chain,
  scenario,
];
