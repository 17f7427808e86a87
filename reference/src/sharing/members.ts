/**
 * Sharing and revocation (spec/08-sharing.md §4-§5): every membership change generates a NEW
 * metadata key, wraps it for exactly the member set the client decided on, appends its SHA-256
 * to `keyChecksums`, and re-encrypts the root and every sub-folder document (counter + 1).
 * File bodies are not re-encrypted: {@link removeMember} reports which files the removed member
 * could already decrypt, and {@link reencryptFolder} is the explicit stronger operation.
 *
 * Requirements: E2EE-SHARE-020..029, E2EE-SEC-051..055.
 *
 * @module
 */
import { astring, defaultRng } from '../_internal/bytes.js';
import { SealfoldError } from '../errors/index.js';
import { acceptUserCertificate } from '../certs/index.js';
import type { PinStore } from '../certs/index.js';
import { decryptFileStream, encryptFileStream, type ByteSource } from '../files/index.js';
import { newMetadataKey, type InnerMetadata, type MetadataFile } from '../metadata/index.js';
import { assertWritable, commit } from '../_internal/folder-commit.js';
import type { FolderChange, FolderContext, FolderMember, FolderState } from '../folders/types.js';

/** A file whose current key a removed member held (it is not protected against that member). */
export interface ExposedFile {
  readonly folderId: string;
  readonly fileId: string;
  readonly filename: string;
}

/** Options shared by membership changes. */
export interface MembershipOptions {
  /**
   * The `users` of the root document as last fetched from the server. Any user id there that is
   * not in the client's member set is a server-proposed recipient: RECIPIENT_NOT_AUTHORIZED.
   */
  readonly fetchedUserIds?: readonly string[];
}

/**
 * Rejects a fetched member list that names someone outside the client's member set (invariant
 * K4): the client never wraps a key for, and never silently accepts, a server-proposed member.
 */
export function assertRecipientsAuthorized(
  members: readonly FolderMember[],
  fetchedUserIds: readonly string[],
): void {
  const known = new Set(members.map((m) => m.userId));
  for (const id of fetchedUserIds) {
    astring(id, 'fetchedUserIds[]');
    // E2EE-SEC-053 (MUST, client): keys are wrapped only for members the client decided on.
    if (!known.has(id)) {
      throw new SealfoldError(
        'RECIPIENT_NOT_AUTHORIZED',
        `the server lists a member the client did not add: ${JSON.stringify(id)}`,
      );
    }
  }
}

function allFiles(state: FolderState): ExposedFile[] {
  return Object.entries(state.docs).flatMap(([folderId, doc]) =>
    Object.entries(doc.files).map(([fileId, f]) => ({ folderId, fileId, filename: f.filename })),
  );
}

/** New metadata key, wrapped for `members`; every folder document re-encrypted and re-signed. */
async function rotate(
  state: FolderState,
  ctx: FolderContext,
  members: readonly FolderMember[],
  docs: Record<string, InnerMetadata> = { ...state.docs },
): Promise<FolderChange> {
  // E2EE-SHARE-021 (MUST, client): every membership change uses a NEW random metadata key.
  const newKey = newMetadataKey(ctx.rng ?? defaultRng);
  // E2EE-SHARE-022 (MUST, client): the root and every sub-folder document are re-encrypted.
  const r = await commit(state, ctx, {
    docs,
    touched: Object.keys(state.docs),
    members,
    newMetadataKey: newKey,
  });
  return { ...r, bodies: [], deletions: [] };
}

/**
 * Adds a member: validates the recipient's certificate against the pinned server key and pins it
 * (KEY_CHANGED when the user is pinned to another key), then rotates the metadata key.
 *
 * @throws CERT_UNTRUSTED, CERT_USER_MISMATCH, KEY_CHANGED (certificate); ALREADY_EXISTS;
 *   RECIPIENT_NOT_AUTHORIZED (fetched list); FOLDER_DELETED; SIGNER_NOT_MEMBER.
 */
export async function addMember(
  state: FolderState,
  ctx: FolderContext,
  recipient: FolderMember,
  opts: MembershipOptions & { serverPublicKey: Uint8Array | string; pins: PinStore },
): Promise<FolderChange> {
  assertWritable(state, ctx);
  if (opts.fetchedUserIds) assertRecipientsAuthorized(state.members, opts.fetchedUserIds);
  astring(recipient?.userId, 'recipient.userId');
  astring(recipient?.certificate, 'recipient.certificate');
  if (state.members.some((m) => m.userId === recipient.userId)) {
    throw new SealfoldError('ALREADY_EXISTS', 'the user is already a member');
  }
  // E2EE-SHARE-020 (MUST, client): validate against the server key and check the pin first.
  await acceptUserCertificate({
    certificate: recipient.certificate,
    serverPublicKey: opts.serverPublicKey,
    userId: recipient.userId,
    pins: opts.pins,
    ...(ctx.now ? { now: ctx.now } : {}),
  });
  return rotate(state, ctx, [...state.members, { ...recipient }]);
}

/**
 * Removes a member: a new metadata key wrapped for the others only; root and sub-folder
 * documents re-encrypted. No file body is re-encrypted: `exposedFiles` lists every file whose
 * key the removed member held, which stays readable to them if they kept it or the server keeps
 * serving the old body (E2EE-SEC-800). Use {@link reencryptFolder} for those.
 */
export async function removeMember(
  state: FolderState,
  ctx: FolderContext,
  userId: string,
  opts: MembershipOptions = {},
): Promise<FolderChange & { exposedFiles: ExposedFile[] }> {
  assertWritable(state, ctx);
  if (opts.fetchedUserIds) assertRecipientsAuthorized(state.members, opts.fetchedUserIds);
  astring(userId, 'userId');
  if (!state.members.some((m) => m.userId === userId)) {
    throw new SealfoldError('NOT_FOUND', 'the user is not a member');
  }
  if (userId === ctx.signer.userId) {
    throw new SealfoldError('UNSUPPORTED', 'a member cannot remove themself here');
  }
  // E2EE-SHARE-023 (MUST NOT, client): the new key is never wrapped for the removed member.
  const r = await rotate(
    state,
    ctx,
    state.members.filter((m) => m.userId !== userId),
  );
  return { ...r, exposedFiles: allFiles(state) };
}

/** Where {@link reencryptFolder} reads old bodies and writes new ones. */
export interface BodyStore {
  /** The current body of `objectId` in `folderId`. */
  readBody(folderId: string, objectId: string): ByteSource;
  /**
   * Stores a new body for `objectId`. `body` yields ciphertext derived from plaintext that is
   * authenticated only when iteration ends without error; on error the store MUST discard what
   * it received (with Nextcloud: abort the lock, which drops the `.e2e-to-save` uploads).
   */
  writeBody(folderId: string, objectId: string, body: AsyncIterable<Uint8Array>): Promise<void>;
}

/**
 * Re-encrypts the whole folder: a new metadata key for the current members AND a new key and
 * nonce for every file, every body re-encrypted (streamed through `store`). After it, nothing a
 * former member held decrypts anything the server stores for this folder.
 *
 * @returns the change (metadata for every folder; bodies were written through `store`), and
 *   `exposedFiles`: the files whose previous keys former members may have kept. Their content
 *   as of now is exposed to those members regardless; re-encryption protects later reads only.
 */
export async function reencryptFolder(
  state: FolderState,
  ctx: FolderContext,
  store: BodyStore,
): Promise<FolderChange & { exposedFiles: ExposedFile[]; reencryptedBytes: number }> {
  assertWritable(state, ctx);
  const rng = ctx.rng ?? defaultRng;
  // E2EE-SHARE-026 (SHOULD, client): every file gets a new key and nonce, every body re-encrypted.
  const docs: Record<string, InnerMetadata> = {};
  let reencryptedBytes = 0;
  for (const [folderId, doc] of Object.entries(state.docs)) {
    const files: Record<string, MetadataFile> = {};
    for (const [fileId, f] of Object.entries(doc.files)) {
      const plain = decryptFileStream(store.readBody(folderId, fileId), {
        key: f.key,
        nonce: f.nonce,
        tag: f.authenticationTag,
      });
      // E2EE-FILE-001 (MUST, client): the re-encrypted body gets a fresh key and nonce.
      const enc = encryptFileStream(plain, { rng });
      await store.writeBody(
        folderId,
        fileId,
        counting(enc, (n) => (reencryptedBytes += n)),
      );
      const { key, nonce, tag } = enc.result();
      files[fileId] = { ...f, key, nonce, authenticationTag: tag };
    }
    docs[folderId] = { ...doc, files };
  }
  const r = await rotate(state, ctx, state.members, docs);
  return { ...r, exposedFiles: allFiles(state), reencryptedBytes };
}

async function* counting(
  src: AsyncIterable<Uint8Array>,
  add: (n: number) => void,
): AsyncGenerator<Uint8Array> {
  for await (const c of src) {
    add(c.length);
    yield c;
  }
}
