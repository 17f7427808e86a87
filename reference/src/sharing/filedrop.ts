/**
 * Filedrop, metadata 2.x (spec/08-sharing.md §6). An uploader without access to the folder
 * (a public upload link) encrypts a file under a new file key and puts a filedrop entry next to
 * the root document:
 *
 * ```text
 * filedropKey = random(16); nonce = random(12)
 * sealed      = AES-128-GCM(filedropKey, nonce, gzip(JSON {authenticationTag, filename, key,
 *                                                         mimetype, nonce}))
 * entry       = { ciphertext: b64(sealed), nonce: b64(nonce), authenticationTag: b64(tag),
 *                 users: [ { userId, encryptedFiledropKey: b64(RSA-OAEP(filedropKey)) } ] }
 * ```
 *
 * The server merges entries into the stored document's `filedrop` without a lock, and `filedrop`
 * is outside the metadata signature: entries are UNAUTHENTICATED (anyone holding the members'
 * public certificates can write one). A member merges them into `files` in a normal locked,
 * signed update ({@link mergeFiledrop}); entries that do not open are dropped and reported.
 *
 * Requirements: E2EE-SHARE-806..808, E2EE-SHARE-032..039.
 *
 * @module
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { aesGcmDecrypt, aesGcmEncrypt } from '../_internal/aesgcm.js';
import {
  abytes,
  astring,
  defaultRng,
  equalBytes,
  fromBase64,
  fromUtf8,
  toBase64,
  utf8,
  wipe,
  type Rng,
} from '../_internal/bytes.js';
import { rsaOaepUnwrap, rsaOaepWrap } from '../_internal/rsa-oaep.js';
import { SealfoldError, isSealfoldError, typed, type E2eeCode } from '../errors/index.js';
import {
  parseCertificate,
  pinIdentity,
  verifyUserCertificate,
  type PinStore,
} from '../certs/index.js';
import { encryptFile, newObjectId } from '../files/index.js';
import {
  MAX_INNER_LENGTH,
  innerFromJson,
  validateFiledropEntryShape,
  type MetadataFile,
} from '../metadata/index.js';
import { assertWritable, commit, docOf, objectIdInUse } from '../_internal/folder-commit.js';
import { commitTrust, verifyRootWithoutDecrypting } from '../folders/read.js';
import { DEFAULT_MIMETYPE } from '../folders/operations.js';
import type { FolderChange, FolderContext, FolderMember, FolderState } from '../folders/types.js';
import { setOwn } from '../_internal/records.js';

const M = 'METADATA_MALFORMED' as const;

/** The wire form of one 2.x filedrop entry (schema `metadata-v2-filedrop.schema.json`). */
export interface FiledropEntry {
  ciphertext: string;
  nonce: string;
  authenticationTag: string;
  users: { userId: string; encryptedFiledropKey: string }[];
}

export interface CreateFiledropEntryOptions {
  readonly content: Uint8Array;
  readonly filename: string;
  readonly mimetype?: string;
  /**
   * The folder's members (userId + certificate PEM), as {@link verifiedFiledropRecipients}
   * returns them: never the fetched `users` list unverified (E2EE-SHARE-809).
   */
  readonly recipients: readonly FolderMember[];
  /** When given, every recipient certificate must be issued by this server key. */
  readonly serverPublicKey?: Uint8Array | string;
  readonly rng?: Rng;
}

/** Options of {@link verifiedFiledropRecipients}. */
export interface FiledropRecipientsOptions {
  /** The root document as fetched (`GET /meta-data/{rootId}`). */
  readonly document: string;
  /** Its `X-NC-E2EE-SIGNATURE` (absent → SIGNATURE_MISSING). */
  readonly signature: string | undefined;
  /** The pinned server key: every member certificate must be issued by it. */
  readonly serverPublicKey: Uint8Array;
  /** The uploader's pins: first sight pins, a different key is KEY_CHANGED. */
  readonly pins: PinStore;
  /** The members of the last version of this folder the uploader verified, if it has one. */
  readonly previousMembers?: readonly FolderMember[];
}

/** The verified recipients of a filedrop. */
export interface FiledropRecipients {
  /** The members of the verified root document, as listed. */
  readonly members: FolderMember[];
  /** Those whose key this verification pinned (first contact: checked against nothing). */
  readonly firstContact: string[];
}

/**
 * The recipients of a filedrop: the members of the fetched root document, and only once that
 * document is verified as far as someone who cannot decrypt it can verify it. The document
 * parses; its signature verifies and was made by a listed member (and, when the uploader knows
 * an earlier version, by one of that version's members); every listed certificate is valid under
 * the pinned server key and matches its pin. The counter and `deleted` flag are encrypted, so
 * freshness cannot be checked (spec/08-sharing.md §5.1 says what that leaves open).
 *
 * @throws METADATA_MALFORMED, SIGNATURE_MISSING, SIGNATURE_MALFORMED, SIGNATURE_INVALID,
 *   SIGNER_NOT_MEMBER, the certificate codes, KEY_CHANGED. Nothing is pinned unless every
 *   check passed.
 */
export async function verifiedFiledropRecipients(
  opts: FiledropRecipientsOptions,
): Promise<FiledropRecipients> {
  // E2EE-SHARE-809 (MUST, client): the checks of the read pipeline, in its order (parse,
  // signature and signer, certificates, pins), with "decrypt" named as skipped: an uploader
  // is not a member.
  const root = await verifyRootWithoutDecrypting(
    {
      fetched: { document: opts.document, signature: opts.signature },
      ...(opts.previousMembers ? { previousMembers: opts.previousMembers } : {}),
    },
    {
      serverPublicKey: opts.serverPublicKey,
      pins: opts.pins,
    },
  );
  // The whole document passed: only now are its first-seen keys pinned (E2EE-CERT-035).
  await commitTrust({ pins: opts.pins }, [root.pending]);
  const pinned = new Set(root.pending.pins.map((p) => p.identity));
  return {
    members: [...root.members],
    firstContact: root.members
      .filter((m) => pinned.has(pinIdentity('user', m.userId)))
      .map((m) => m.userId),
  };
}

/**
 * Encrypts a file for a filedrop: returns its object id, the body to upload into the top folder,
 * and the entry for `PUT /meta-data/{id}/filedrop` (`{ [fileId]: entry }`).
 */
export function createFiledropEntry(opts: CreateFiledropEntryOptions): {
  fileId: string;
  body: Uint8Array;
  entry: FiledropEntry;
} {
  const rng = opts.rng ?? defaultRng;
  astring(opts.filename, 'filename');
  if (!Array.isArray(opts.recipients) || opts.recipients.length === 0) {
    throw new SealfoldError('INPUT_MALFORMED', 'a filedrop entry needs at least one recipient');
  }
  const spkis = opts.recipients.map((r) => {
    astring(r.userId, 'recipients[].userId');
    const cert =
      opts.serverPublicKey === undefined
        ? parseCertificate(r.certificate)
        : verifyUserCertificate({
            certificate: r.certificate,
            serverPublicKey: opts.serverPublicKey,
            userId: r.userId,
          });
    return { userId: r.userId, spki: cert.spki };
  });
  // E2EE-SHARE-806, E2EE-SHARE-807 (MUST, client): a new file key and nonce, and a new
  // filedrop key and nonce per entry.
  const file = encryptFile(abytes(opts.content, 'content'), { rng });
  const inner = {
    authenticationTag: toBase64(file.tag),
    filename: opts.filename,
    key: toBase64(file.key),
    mimetype: opts.mimetype ?? DEFAULT_MIMETYPE,
    nonce: toBase64(file.nonce),
  };
  const filedropKey = abytes(rng(16), 'rng output', 16).slice();
  const nonce = abytes(rng(12), 'rng output', 12).slice();
  const plaintext = new Uint8Array(gzipSync(utf8(JSON.stringify(inner))));
  const sealed = aesGcmEncrypt(filedropKey, nonce, plaintext);
  wipe(plaintext);
  // E2EE-SHARE-808 (MUST, client): the filedrop key is wrapped for every listed member.
  const users = spkis.map(({ userId, spki }) => ({
    userId,
    encryptedFiledropKey: toBase64(rsaOaepWrap(spki, filedropKey, opts.rng)),
  }));
  wipe(filedropKey);
  return {
    fileId: newObjectId(rng),
    body: file.body,
    entry: {
      ciphertext: toBase64(sealed),
      nonce: toBase64(nonce),
      authenticationTag: toBase64(sealed.subarray(sealed.length - 16)),
      users,
    },
  };
}

/**
 * Opens one filedrop entry with a member's private key.
 *
 * @returns the file entry (name, mimetype, key, nonce, tag) to put into `files`.
 * @throws METADATA_MALFORMED (shape, gzip, JSON, file entry), METADATA_KEY_MISSING (no key for
 *   this user), KEY_UNWRAP_FAILED, AEAD_TAG_MISMATCH, CIPHERTEXT_MALFORMED.
 */
export function openFiledropEntry(
  entry: unknown,
  opts: { userId: string; privateKey: Uint8Array; id?: string },
): MetadataFile {
  // Encoding and structure.
  validateFiledropEntryShape(entry, opts.id);
  const e = entry as FiledropEntry;
  // Named tolerance `filedrop-nonce-suffix`: desktop-style `|<b64 nonce>` after the ciphertext.
  const [ctText] = e.ciphertext.split('|');
  const sealed = fromBase64(ctText!, 'filedrop ciphertext', M);
  const nonce = fromBase64(e.nonce, 'filedrop nonce', M);
  const tag = fromBase64(e.authenticationTag, 'filedrop authenticationTag', M);
  if (sealed.length < 16)
    throw new SealfoldError('CIPHERTEXT_MALFORMED', 'the filedrop ciphertext is too short');
  const own = e.users.find((u) => u.userId === opts.userId);
  // E2EE-SHARE-032 (MUST, client): only the entry wrapped for this user, never another's.
  if (own === undefined) {
    throw new SealfoldError('METADATA_KEY_MISSING', 'no filedrop key is wrapped for this user');
  }
  const wrapped = fromBase64(own.encryptedFiledropKey, 'encryptedFiledropKey', M);
  // Authentication.
  const key = rsaOaepUnwrap(abytes(opts.privateKey, 'privateKey'), wrapped);
  try {
    if (key.length !== 16) throw new SealfoldError(M, 'the filedrop key is not 16 bytes');
    if (!equalBytes(tag, sealed.subarray(sealed.length - 16))) {
      throw new SealfoldError('AEAD_TAG_MISMATCH');
    }
    const plaintext = aesGcmDecrypt(key, nonce, sealed);
    const raw = typed(M, 'the filedrop entry is not valid gzip', () =>
      gunzipSync(plaintext, { maxOutputLength: MAX_INNER_LENGTH }),
    );
    const json = typed(M, 'the filedrop entry is not JSON', () =>
      JSON.parse(fromUtf8(raw, 'the filedrop entry', M)),
    ) as unknown;
    // E2EE-SHARE-033 (MUST, client): the decrypted entry passes the same checks as a file entry.
    const inner = innerFromJson({ counter: 1, files: { x: json }, folders: {}, keyChecksums: [] });
    return inner.files.x!;
  } finally {
    wipe(key);
  }
}

/** An entry {@link mergeFiledrop} dropped, with the reason. */
export interface RejectedFiledropEntry {
  readonly id: string;
  readonly code: E2eeCode;
}

/**
 * Moves the pending filedrop entries into the root's `files` and empties `filedrop`, as a normal
 * locked update of the root (counter + 1, signed by the acting member). Entries that do not open
 * for the acting member, or whose id is already used, are dropped and reported in `rejected`.
 *
 * @param filedrop the root document's `filedrop` as fetched (default: `state.filedrop`).
 */
export async function mergeFiledrop(
  state: FolderState,
  ctx: FolderContext,
  filedrop: Readonly<Record<string, unknown>> = state.filedrop,
): Promise<FolderChange & { merged: string[]; rejected: RejectedFiledropEntry[] }> {
  assertWritable(state, ctx);
  if (typeof filedrop !== 'object' || filedrop === null || Array.isArray(filedrop)) {
    throw new SealfoldError(M, 'filedrop must be an object');
  }
  const root = docOf(state, state.rootId);
  const files: Record<string, MetadataFile> = { ...root.files };
  const names = new Set([
    ...Object.values(root.files).map((f) => f.filename),
    ...Object.values(root.folders),
  ]);
  const merged: string[] = [];
  const rejected: RejectedFiledropEntry[] = [];
  for (const [id, entry] of Object.entries(filedrop)) {
    try {
      // E2EE-SHARE-034 (MUST, client): an entry that fails any check is never merged.
      if (objectIdInUse(state, id)) {
        throw new SealfoldError('ALREADY_EXISTS', 'the filedrop id is already in use');
      }
      const f = openFiledropEntry(entry, {
        userId: ctx.signer.userId,
        privateKey: ctx.signer.privateKey,
        id,
      });
      // Name clashes (an uploader cannot see the folder) get a suffix instead of replacing.
      let filename = f.filename;
      for (let n = 2; names.has(filename); n++) filename = `${f.filename} (${n})`;
      names.add(filename);
      setOwn(files, id, { ...f, filename });
      merged.push(id);
    } catch (e) {
      if (!isSealfoldError(e)) throw e;
      rejected.push({ id, code: e.code });
    }
  }
  // E2EE-SHARE-035 (MUST, client): merging is a normal signed update that empties filedrop.
  const r = await commit(state, ctx, {
    docs: { ...state.docs, [state.rootId]: { ...root, files } },
    touched: [state.rootId],
    filedrop: {},
  });
  return { ...r, bodies: [], deletions: [], merged, rejected };
}
