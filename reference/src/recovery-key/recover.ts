/**
 * The recovery tool's core (spec/20-recovery-key.md §6): with the recovery private key, open a
 * folder from what the server stores (metadata documents, their signatures, encrypted bodies)
 * and say exactly what was recovered. Every check of a member's reader applies; a failing object
 * yields no plaintext.
 *
 * @module
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { aesGcmDecrypt } from '../_internal/aesgcm.js';
import { sha256Hex, wipe } from '../_internal/bytes.js';
import { isSealfoldError, SealfoldError, type E2eeCode } from '../errors/index.js';
import { decryptFile } from '../files/index.js';
import { decodeInner } from '../metadata/inner.js';
import { decryptMetadata, parseMetadataDocumentV2 } from '../metadata/index.js';
import { verifyMetadataSignature } from '../signature/index.js';
import type { RecoveryStatement } from './policy.js';
import {
  readRecoveryWrap,
  unwrapRecovery,
  unwrapRecoveryWith,
  type RecoveryDecrypter,
} from './wrap.js';

/** One folder as copied from the server: its document, signature and objects by server name. */
export interface FolderExport {
  /** Server file id of the folder (the wrap label uses the root's). */
  readonly id: string;
  readonly document: string;
  readonly signature?: string;
  /** Object name → encrypted body (a file) or a sub-folder. */
  readonly objects: ReadonlyMap<string, Uint8Array | FolderExport>;
}

export type SignatureStatus = 'verified' | 'not-checked';

export interface RecoveredFile {
  /** Cleartext path below the top folder, `/`-separated. */
  readonly path: string;
  readonly objectId: string;
  readonly mimetype: string;
  readonly content: Uint8Array;
}

export interface UnrecoveredObject {
  readonly path: string;
  readonly objectId: string;
  readonly code: E2eeCode;
}

export interface RecoveryResult {
  /** Per folder path ('' = top folder): whether its signature was verified. */
  readonly signatures: Readonly<Record<string, SignatureStatus>>;
  readonly files: readonly RecoveredFile[];
  readonly failed: readonly UnrecoveredObject[];
}

export interface RecoverFolderOptions {
  readonly folder: FolderExport;
  /** The statement, verified against the tool's anchor by the caller (`checkAnchor`). */
  readonly statement: RecoveryStatement;
  /** The recovery private key, PKCS#8 DER; or, when a token holds it, `decrypter`. */
  readonly privateKey?: Uint8Array;
  /** The recovery key held elsewhere (a PKCS#11 token, spec/20 §2.1); excludes `privateKey`. */
  readonly decrypter?: RecoveryDecrypter;
}

function spkiOf(pkcs8: Uint8Array): Uint8Array {
  const priv = createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' });
  return new Uint8Array(createPublicKey(priv).export({ format: 'der', type: 'spki' }));
}

/**
 * Opens a top folder with the recovery key.
 * @throws KEY_MISMATCH when the private key is not the policy's; RECOVERY_WRAP_MISSING when the
 *   document has no wrap for it; the reader's codes for a document that fails a check.
 */
export async function recoverFolder(opts: RecoverFolderOptions): Promise<RecoveryResult> {
  const { folder, statement, privateKey, decrypter } = opts;
  if ((privateKey === undefined) === (decrypter === undefined))
    throw new TypeError('give exactly one of "privateKey" and "decrypter"');
  const spki = decrypter !== undefined ? decrypter.publicKey : spkiOf(privateKey!);
  // E2EE-RKEY-050 (MUST, client): the private key is the one the verified policy names.
  if (sha256Hex(spki) !== statement.policy.recoveryKeySha256)
    throw new SealfoldError('KEY_MISMATCH', 'the recovery private key is not the policy’s key');
  const doc = parseMetadataDocumentV2(folder.document);
  const members = doc.users.map((u) => ({ userId: u.userId, certificate: u.certificate }));
  const signatures: Record<string, SignatureStatus> = {};
  // E2EE-RKEY-800, E2EE-RKEY-801 (MUST, client): a given signature must verify; the result says
  // which were checked.
  if (folder.signature !== undefined) {
    await verifyMetadataSignature({ outer: folder.document, signature: folder.signature, members });
    signatures[''] = 'verified';
  } else signatures[''] = 'not-checked';
  const wrap = readRecoveryWrap(doc.json);
  if (wrap === undefined || wrap.recoveryKeySha256 !== statement.policy.recoveryKeySha256)
    throw new SealfoldError(
      'RECOVERY_WRAP_MISSING',
      'the folder has no wrap for this recovery key',
    );
  // E2EE-RKEY-050 (MUST, client): unwrap with this folder's label.
  const key =
    decrypter !== undefined
      ? await unwrapRecoveryWith(decrypter, folder.id, wrap)
      : unwrapRecovery(privateKey!, folder.id, wrap);
  try {
    const plaintext = aesGcmDecrypt(key, doc.nonce, doc.ciphertext);
    let inner;
    try {
      inner = decodeInner(plaintext).inner;
    } finally {
      wipe(plaintext);
    }
    // E2EE-RKEY-050 (MUST, client): the key is one the members listed (E2EE-META-048).
    if (!inner.keyChecksums.includes(sha256Hex(key)))
      throw new SealfoldError('METADATA_KEY_UNKNOWN', 'the recovered key is not in keyChecksums');
    const files: RecoveredFile[] = [];
    const failed: UnrecoveredObject[] = [];
    await walk(folder, inner, '', key, members, { signatures, files, failed });
    return { signatures, files, failed };
  } finally {
    wipe(key);
  }
}

interface Sink {
  signatures: Record<string, SignatureStatus>;
  files: RecoveredFile[];
  failed: UnrecoveredObject[];
}

function codeOf(e: unknown): E2eeCode {
  if (isSealfoldError(e)) return e.code;
  throw e;
}

async function walk(
  folder: FolderExport,
  inner: ReturnType<typeof decodeInner>['inner'],
  path: string,
  key: Uint8Array,
  members: readonly { userId: string; certificate: string }[],
  sink: Sink,
): Promise<void> {
  const prefix = path === '' ? '' : `${path}/`;
  for (const [objectId, f] of Object.entries(inner.files)) {
    const body = folder.objects.get(objectId);
    const filePath = prefix + f.filename;
    if (!(body instanceof Uint8Array)) {
      sink.failed.push({ path: filePath, objectId, code: 'NOT_FOUND' });
      continue;
    }
    try {
      // E2EE-RKEY-050 (MUST, client): every body is authenticated before it is released.
      const content = decryptFile(body, { key: f.key, nonce: f.nonce, tag: f.authenticationTag });
      sink.files.push({ path: filePath, objectId, mimetype: f.mimetype, content });
    } catch (e) {
      sink.failed.push({ path: filePath, objectId, code: codeOf(e) });
    }
  }
  for (const [objectId, name] of Object.entries(inner.folders)) {
    const sub = folder.objects.get(objectId);
    const subPath = prefix + name;
    if (sub === undefined || sub instanceof Uint8Array) {
      sink.failed.push({ path: subPath, objectId, code: 'NOT_FOUND' });
      continue;
    }
    try {
      if (sub.signature !== undefined) {
        await verifyMetadataSignature({ outer: sub.document, signature: sub.signature, members });
        sink.signatures[subPath] = 'verified';
      } else sink.signatures[subPath] = 'not-checked';
      const d = decryptMetadata({
        document: sub.document,
        userId: 'recovery',
        rootMetadataKey: key,
      });
      await walk(sub, d.inner, subPath, key, members, sink);
    } catch (e) {
      sink.failed.push({ path: subPath, objectId, code: codeOf(e) });
    }
  }
}
