/**
 * The recovery wrap: one extra top-level member of a root 2.x metadata document that wraps the
 * folder's metadata key to the recovery key (spec/20-recovery-key.md §5). Non-aware readers
 * ignore it (E2EE-META-013); it is signed with the rest of the document.
 *
 * The OAEP label binds the wrap to its folder, so a server cannot splice a wrap from one folder
 * into another's document and have the recovery holder open the wrong key for it.
 *
 * @module
 */
import {
  constants,
  createPrivateKey,
  createPublicKey,
  privateDecrypt,
  publicEncrypt,
} from 'node:crypto';
import { abytes, fromBase64, toBase64, utf8 } from '../_internal/bytes.js';
import { SealfoldError } from '../errors/index.js';

/** The top-level member name in the outer metadata document. */
export const RECOVERY_MEMBER = 'sealfoldRecovery';
const LABEL_PREFIX = 'sealfold recovery wrap v1:';

/** The wrap as written into the document. */
export interface RecoveryWrap {
  readonly encryptedMetadataKey: Uint8Array;
  readonly policySha256: string;
  readonly recoveryKeySha256: string;
}

/** What a writer needs to add the wrap (the consented, pinned recovery key). */
export interface RecoveryWrapTarget {
  /** SPKI DER of the recovery key. */
  readonly recoveryKey: Uint8Array;
  readonly recoveryKeySha256: string;
  readonly policySha256: string;
}

/** The OAEP label of the wrap of folder `rootId` (E2EE-RKEY-030). */
export function recoveryWrapLabel(rootId: string): Uint8Array {
  if (typeof rootId !== 'string' || rootId === '')
    throw new TypeError('"rootId" must be a non-empty string');
  return utf8(LABEL_PREFIX + rootId);
}

/** Wraps `metadataKey` of root folder `rootId` to the recovery key; returns the JSON member. */
export function wrapForRecovery(
  target: RecoveryWrapTarget,
  rootId: string,
  metadataKey: Uint8Array,
): Record<string, string> {
  abytes(metadataKey, 'metadataKey', 16);
  const pub = createPublicKey({
    key: Buffer.from(target.recoveryKey),
    format: 'der',
    type: 'spki',
  });
  // E2EE-RKEY-030 (MUST, client): RSA-OAEP-SHA256 with the folder-binding label.
  const wrapped = publicEncrypt(
    {
      key: pub,
      padding: constants.RSA_PKCS1_OAEP_PADDING,
      oaepHash: 'sha256',
      oaepLabel: recoveryWrapLabel(rootId),
    },
    metadataKey,
  );
  return {
    encryptedMetadataKey: toBase64(new Uint8Array(wrapped)),
    policySha256: target.policySha256,
    recoveryKeySha256: target.recoveryKeySha256,
  };
}

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * Reads the recovery member of a parsed outer document: undefined when absent;
 * METADATA_MALFORMED when present but not of the form of §5.
 */
export function readRecoveryWrap(
  outer: Readonly<Record<string, unknown>>,
): RecoveryWrap | undefined {
  const m = outer[RECOVERY_MEMBER];
  if (m === undefined) return undefined;
  if (m === null || typeof m !== 'object' || Array.isArray(m))
    throw new SealfoldError('METADATA_MALFORMED', `${RECOVERY_MEMBER} must be an object`);
  const o = m as Record<string, unknown>;
  const { encryptedMetadataKey, policySha256, recoveryKeySha256 } = o;
  if (
    typeof encryptedMetadataKey !== 'string' ||
    typeof policySha256 !== 'string' ||
    typeof recoveryKeySha256 !== 'string' ||
    !HEX64.test(policySha256) ||
    !HEX64.test(recoveryKeySha256)
  )
    throw new SealfoldError('METADATA_MALFORMED', `${RECOVERY_MEMBER} has a malformed member`);
  return Object.freeze({
    encryptedMetadataKey: fromBase64(
      encryptedMetadataKey,
      'encryptedMetadataKey',
      'METADATA_MALFORMED',
    ),
    policySha256,
    recoveryKeySha256,
  });
}

/** Unwraps with the recovery private key (PKCS#8 DER); any failure is KEY_UNWRAP_FAILED. */
export function unwrapRecovery(pkcs8: Uint8Array, rootId: string, wrap: RecoveryWrap): Uint8Array {
  const priv = createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' });
  let key: Uint8Array;
  try {
    key = new Uint8Array(
      privateDecrypt(
        {
          key: priv,
          padding: constants.RSA_PKCS1_OAEP_PADDING,
          oaepHash: 'sha256',
          // E2EE-RKEY-030 (MUST, client): the label of this folder, so a spliced wrap fails.
          oaepLabel: recoveryWrapLabel(rootId),
        },
        wrap.encryptedMetadataKey,
      ),
    );
  } catch (e) {
    throw new SealfoldError('KEY_UNWRAP_FAILED', undefined, { cause: e });
  }
  if (key.length !== 16) throw new SealfoldError('KEY_UNWRAP_FAILED');
  return key;
}

/**
 * The recovery private key held where it cannot be read (a PKCS#11 token, spec/20 §2.1): its
 * public key, and RSA-OAEP (SHA-256, MGF1-SHA-256) decryption under a label.
 */
export interface RecoveryDecrypter {
  /** SPKI DER of the key it decrypts with. */
  readonly publicKey: Uint8Array;
  /** Decrypts one RSA-OAEP-SHA256 block under `label`; rejects when it does not decode. */
  oaepDecrypt(ciphertext: Uint8Array, label: Uint8Array): Promise<Uint8Array>;
}

/** {@link unwrapRecovery} through a decrypter; any failure is KEY_UNWRAP_FAILED. */
export async function unwrapRecoveryWith(
  decrypter: RecoveryDecrypter,
  rootId: string,
  wrap: RecoveryWrap,
): Promise<Uint8Array> {
  let key: Uint8Array;
  try {
    // E2EE-RKEY-030 (MUST, client): the label of this folder, whoever holds the private key.
    key = await decrypter.oaepDecrypt(wrap.encryptedMetadataKey, recoveryWrapLabel(rootId));
  } catch (e) {
    throw new SealfoldError('KEY_UNWRAP_FAILED', undefined, { cause: e });
  }
  if (key.length !== 16) throw new SealfoldError('KEY_UNWRAP_FAILED');
  return key;
}
