/**
 * The one way a 2.x metadata document is accepted (spec/05-metadata.md §6, E2EE-META-040):
 *
 *     parse once → signature and signer → role → member certificates and pins → decrypt
 *       → placement in the tree → freshness → (whole input accepted) commit trust state
 *
 * Every step before the commit only reads the persisted trust state (pins, high-water marks);
 * the new pins and marks of every document of one read are written together by
 * {@link commitTrust}, after the whole input passed (E2EE-SEC-804, E2EE-META-074). A caller that
 * cannot run a step (the CLI has no pin store; a pure model test has no marks) names it in
 * `skip`: there is no silent way around a check. A reader who is not a member (a filedrop
 * uploader) cannot decrypt: {@link verifyRootWithoutDecrypting} runs the same steps with
 * `decrypt` (and `freshness`, which reads the decrypted counter) named as skipped.
 *
 * @module
 */
import { SealfoldError } from '../errors/index.js';
import { sha256Hex, toHex, utf8 } from '../_internal/bytes.js';
import { setOwn } from '../_internal/records.js';
import { certificateRecord, checkPin, pinIdentity, type PinRecord } from '../certs/pinning.js';
import type { PinStore } from '../certs/index.js';
import {
  checkFreshness,
  checkMemberCertificates,
  checkRole,
  decryptMetadata,
  highWaterKey,
  loadHighWater,
  parseMetadataDocumentV2,
  stateOf,
  type DecryptedMetadata,
  type FolderHighWater,
  type HighWaterStore,
  type InnerMetadata,
  type MetadataDocumentV2,
} from '../metadata/index.js';
import { verifyMetadataSignature, type VerifiedMetadataSignature } from '../signature/index.js';
import type { FolderMember, FolderState } from './types.js';

/** A document as fetched: its text and its `X-NC-E2EE-SIGNATURE` (absent when not served). */
export interface FetchedDocument {
  readonly document: string;
  readonly signature: string | undefined;
}

/** The head of one folder as a client accepted or wrote it. */
export interface FolderHead {
  readonly folderId: string;
  readonly mark: FolderHighWater;
  /** Lowercase hex SHA-256 of the document exactly as fetched or written (spec/21 §2). */
  readonly documentHash?: string;
  /** User id of the document's verified signer (absent when the signature check was skipped). */
  readonly signer?: string;
}

/** A member key this read pins for the first time: its user id and certificate hash. */
export interface FirstSeenKey {
  readonly userId: string;
  /** Lowercase hex SHA-256 of the certificate DER. */
  readonly certificateHash: string;
}

/**
 * A hook for something the server cannot fork (a verifiable log of signed heads, the later
 * audit-log work): it sees every head a read is about to accept, before anything is committed,
 * and may refuse the read by throwing; and every head this client wrote (E2EE-META-076).
 */
export interface ForkWitness {
  witness(
    heads: readonly FolderHead[],
    origin: 'read' | 'written',
    firstSeenKeys?: readonly FirstSeenKey[],
  ): Promise<void>;
}

/** The persisted trust state a read is checked against (read only until the commit). */
export interface TrustState {
  /** The pinned server key (SPKI DER): member certificates must be issued by it. */
  readonly serverPublicKey: Uint8Array;
  readonly pins: PinStore;
  readonly marks: HighWaterStore;
  readonly now?: Date;
  readonly witness?: ForkWitness;
}

/**
 * The checks a caller may skip, each by name. `decrypt` is steps 3 and 5-8 (the reader's own
 * entry, its key, the inner document) and the own-key check of step 4: everything that needs the
 * reader to be a member. Only {@link verifyRootWithoutDecrypting} skips it.
 */
export const SKIPPABLE_CHECKS = [
  'signature',
  'certificates',
  'pins',
  'decrypt',
  'freshness',
] as const;
export type SkippedCheck = (typeof SKIPPABLE_CHECKS)[number];

/** What a read will write once the whole input is accepted. */
export interface PendingTrust {
  /** First-seen member keys. */
  readonly pins: readonly { readonly identity: string; readonly record: PinRecord }[];
  /** The new high-water marks, and whether there was none before (first sight, E2EE-META-066). */
  readonly marks: readonly {
    readonly folderId: string;
    readonly mark: FolderHighWater;
    readonly firstSight: boolean;
    readonly documentHash?: string;
    readonly signer?: string;
  }[];
}

/** One document accepted by {@link readDocument}. */
export interface ReadDocumentResult {
  readonly folderId: string;
  readonly decrypted: DecryptedMetadata;
  /** Who may sign: a root's own `users`, a sub-folder's root's. */
  readonly members: readonly FolderMember[];
  /** The verified signer; undefined only when `signature` was skipped. */
  readonly signer: VerifiedMetadataSignature | undefined;
  readonly skipped: readonly SkippedCheck[];
  readonly pending: PendingTrust;
}

/** Input of {@link readDocument}: one document and where it was fetched for. */
export interface ReadDocumentInput {
  /** The folder id the document was fetched for. */
  readonly folderId: string;
  readonly fetched: FetchedDocument;
  /** `fetched.document` already parsed (by a caller that had to tell the family first). */
  readonly parsed?: MetadataDocumentV2;
  readonly userId: string;
  /** The reader's RSA private key, PKCS#8 DER. */
  readonly privateKey: Uint8Array;
  /** For a sub-folder: its root as accepted by this pipeline (members and current key). */
  readonly root?: { readonly members: readonly FolderMember[]; readonly metadataKey: Uint8Array };
  /** The members of the last version of this folder the client accepted (E2EE-META-126). */
  readonly previousMembers?: readonly FolderMember[];
  /**
   * Nonces (hex) already attributed to folders of this top folder: by this read and by the
   * marks of its other folders. A document carrying one of another folder is misplaced.
   */
  readonly placed?: ReadonlyMap<string, string>;
}

function assertSkips(skip: readonly SkippedCheck[], trust: Partial<TrustState>): Set<SkippedCheck> {
  const s = new Set(skip);
  for (const k of s) {
    if (!(SKIPPABLE_CHECKS as readonly string[]).includes(k)) {
      throw new TypeError(`"skip" names an unknown check: ${String(k)}`);
    }
  }
  // Pins are only ever taken from validated certificates (E2EE-CERT-035).
  if (s.has('certificates') && !s.has('pins')) {
    throw new TypeError('"skip" must name "pins" when it names "certificates"');
  }
  if (!s.has('certificates') && !(trust.serverPublicKey instanceof Uint8Array)) {
    throw new TypeError('"serverPublicKey" is required unless "certificates" is skipped');
  }
  if (!s.has('pins') && trust.pins === undefined) {
    throw new TypeError('"pins" is required unless "pins" is skipped');
  }
  if (!s.has('freshness') && trust.marks === undefined) {
    throw new TypeError('"marks" is required unless "freshness" is skipped');
  }
  // Freshness compares the decrypted counter and checksums.
  if (s.has('decrypt') && !s.has('freshness')) {
    throw new TypeError('"skip" must name "freshness" when it names "decrypt"');
  }
  return s;
}

/** Who reads: the user a root wraps a key for, and the key that unwraps it. */
interface Reader {
  readonly userId: string;
  /** RSA private key, PKCS#8 DER. */
  readonly privateKey: Uint8Array;
}

/** What {@link runSteps} reads: a {@link ReadDocumentInput} without the reader. */
type StepsInput = Omit<ReadDocumentInput, 'folderId' | 'userId' | 'privateKey'> & {
  readonly folderId?: string;
};

/** What the steps found, before the caller shapes its result. */
interface StepsResult {
  readonly doc: MetadataDocumentV2;
  readonly members: readonly FolderMember[];
  readonly signer: VerifiedMetadataSignature | undefined;
  /** Undefined exactly when `decrypt` was skipped. */
  readonly decrypted: DecryptedMetadata | undefined;
  readonly pending: PendingTrust;
}

/**
 * The steps of spec/05-metadata.md §6, in order, for {@link readDocument} and
 * {@link verifyRootWithoutDecrypting}: the one implementation of every check. `reader` is
 * undefined exactly when `decrypt` is skipped. Persists nothing.
 */
async function runSteps(
  input: StepsInput,
  reader: Reader | undefined,
  trust: Partial<TrustState>,
  skips: ReadonlySet<SkippedCheck>,
): Promise<StepsResult> {
  const isRoot = input.root === undefined;
  // 1. Parse once; the signature check reads the same parsed JSON (E2EE-META-100).
  const doc = input.parsed ?? parseMetadataDocumentV2(input.fetched.document);
  const members: readonly FolderMember[] = isRoot
    ? doc.users.map((u) => ({ userId: u.userId, certificate: u.certificate }))
    : input.root!.members;

  // 2. Signature and signer (spec/06-signature.md §6).
  let signer: VerifiedMetadataSignature | undefined;
  if (!skips.has('signature')) {
    // E2EE-META-120 (MUST, client): every 2.x document is verified before anything is unwrapped.
    signer = await verifyMetadataSignature({
      outer: doc.json,
      signature: input.fetched.signature,
      // E2EE-META-128 (MUST, client): a sub-folder is verified against its root's members.
      members: isRoot
        ? doc.users.map((u) => ({ userId: u.userId, certificate: u.certificateDer }))
        : members,
      // E2EE-META-126 (MUST, client): a changed member list is signed by a previous member.
      ...(input.previousMembers ? { previousMembers: input.previousMembers } : {}),
    });
  }

  // 3. Role: a root wraps a key for this user; a sub-folder lists no users.
  if (reader !== undefined) checkRole(doc, reader.userId, isRoot);

  // 4. Member certificates against the pinned server key, then against the pins (read only).
  const pins: { identity: string; record: PinRecord }[] = [];
  if (isRoot && !skips.has('certificates')) {
    // E2EE-META-805, E2EE-META-806 (MUST, client): issued by the pinned server key, naming its user.
    const certs = checkMemberCertificates(doc, trust.serverPublicKey!, reader);
    if (!skips.has('pins')) {
      const now = trust.now ?? new Date();
      for (const [i, cert] of certs.entries()) {
        const identity = pinIdentity('user', doc.users[i]!.userId);
        const record = certificateRecord(cert, now);
        // E2EE-META-807, E2EE-CERT-805 (MUST, client): every member certificate holds the pinned
        // key; no signature by a key that differs from its pin is accepted.
        const r = await checkPin(trust.pins!, identity, record);
        if (r.status === 'pinned') pins.push({ identity, record });
      }
    }
  }

  // 5-8. Unwrap, AEAD, inner document, key checksum (the metadata module).
  let decrypted: DecryptedMetadata | undefined;
  if (reader !== undefined) {
    decrypted = isRoot
      ? decryptMetadata({ document: doc, userId: reader.userId, privateKey: reader.privateKey })
      : decryptMetadata({
          document: doc,
          userId: reader.userId,
          rootMetadataKey: input.root!.metadataKey,
        });
  }

  // 9. Placement: a document another folder of this top folder was served is not this one's.
  const nonce = toHex(doc.nonce);
  const owner = input.placed?.get(nonce);
  // E2EE-SHARE-040 (MUST, client): a nonce names one document, so it belongs to one folder.
  if (owner !== undefined && owner !== input.folderId) {
    throw new SealfoldError(
      'METADATA_MISPLACED',
      'the document served for this folder is the document of another folder of the tree',
    );
  }

  // 10. Freshness against the persisted mark (read only).
  const marks: PendingTrust['marks'][number][] = [];
  if (!skips.has('freshness')) {
    const previous = await loadHighWater(trust.marks!, input.folderId!);
    const mark = checkFreshness(previous, stateOf(decrypted!));
    marks.push({
      folderId: input.folderId!,
      mark,
      firstSight: previous === undefined,
      // What a transparency log records of this document (spec/21 §2), for the fork witness.
      documentHash: sha256Hex(utf8(input.fetched.document)),
      ...(signer ? { signer: signer.signerUserId } : {}),
    });
  }
  return { doc, members, signer, decrypted, pending: { pins, marks } };
}

/**
 * Reads one 2.x document through every check of spec/05-metadata.md §6 in order; persists
 * nothing (see {@link commitTrust}). It always decrypts: `skip` may not name `decrypt`.
 *
 * @throws SealfoldError: parse (METADATA_MALFORMED, METADATA_VERSION_UNSUPPORTED, PEM_MALFORMED,
 *   CERT_MALFORMED), signature (SIGNATURE_*, SIGNER_NOT_MEMBER), role (METADATA_KEY_MISSING,
 *   METADATA_MALFORMED), certificates (CERT_UNTRUSTED, CERT_USER_MISMATCH, KEY_MISMATCH,
 *   KEY_CHANGED), decryption (KEY_UNWRAP_FAILED, AEAD_TAG_MISMATCH, METADATA_MALFORMED,
 *   METADATA_KEY_UNKNOWN), placement (METADATA_MISPLACED), freshness (COUNTER_IMPLAUSIBLE,
 *   DOWNGRADE, COUNTER_ROLLBACK, KEY_CHECKSUM_REMOVED).
 */
export async function readDocument(
  input: ReadDocumentInput,
  trust: Partial<TrustState>,
  skip: readonly SkippedCheck[] = [],
): Promise<ReadDocumentResult> {
  if (skip.includes('decrypt')) {
    throw new TypeError('readDocument decrypts; verifyRootWithoutDecrypting skips "decrypt"');
  }
  const skips = assertSkips(skip, trust);
  const r = await runSteps(input, input, trust, skips);
  return Object.freeze({
    folderId: input.folderId,
    decrypted: r.decrypted!,
    members: r.members,
    signer: r.signer,
    skipped: Object.freeze([...skips]),
    pending: r.pending,
  });
}

/** Input of {@link verifyRootWithoutDecrypting}: a root document, read by a non-member. */
export interface VerifyRootInput {
  readonly fetched: FetchedDocument;
  /** The members of the last version of this folder the reader verified (E2EE-SEC-054). */
  readonly previousMembers?: readonly FolderMember[];
}

/** A root document {@link verifyRootWithoutDecrypting} accepted. */
export interface VerifiedRoot {
  readonly document: MetadataDocumentV2;
  /** The document's `users`, as listed. */
  readonly members: readonly FolderMember[];
  /** The verified signer; undefined only when `signature` was skipped. */
  readonly signer: VerifiedMetadataSignature | undefined;
  /** Always names `decrypt` and `freshness`, and whatever else the caller skipped. */
  readonly skipped: readonly SkippedCheck[];
  /** First-seen pins, for {@link commitTrust} once the whole input is accepted. */
  readonly pending: PendingTrust;
}

/**
 * The read pipeline for a reader who is not a member and so cannot decrypt (a filedrop
 * uploader, spec/08-sharing.md §5.1): parse, signature and signer, member certificates and pins,
 * in the order of {@link readDocument}, with `decrypt` and `freshness` named as skipped and
 * reported in `skipped`. Persists nothing (see {@link commitTrust}).
 *
 * @throws the parse, signature and certificate codes of {@link readDocument}.
 */
export async function verifyRootWithoutDecrypting(
  input: VerifyRootInput,
  trust: Partial<TrustState>,
  skip: readonly SkippedCheck[] = [],
): Promise<VerifiedRoot> {
  const skips = assertSkips([...skip, 'decrypt', 'freshness'], trust);
  const r = await runSteps(input, undefined, trust, skips);
  return Object.freeze({
    document: r.doc,
    members: r.members,
    signer: r.signer,
    skipped: Object.freeze([...skips]),
    pending: r.pending,
  });
}

/**
 * Writes what an accepted read needs: every first-seen pin, then every mark. Called once per
 * read, after the whole input passed every check; a refused input reaches no write
 * (E2EE-SEC-804, E2EE-META-074).
 */
export async function commitTrust(
  trust: Pick<TrustState, 'pins'> & Partial<Pick<TrustState, 'marks'>>,
  pending: readonly PendingTrust[],
): Promise<void> {
  if (trust.marks === undefined && pending.some((p) => p.marks.length > 0)) {
    throw new TypeError('"marks" is required to commit a read that checked freshness');
  }
  // E2EE-SEC-012 (MUST, client): new pins are stored before the read returns.
  for (const p of pending)
    for (const { identity, record } of p.pins) await trust.pins.set(identity, record);
  // E2EE-META-065 (MUST, client): marks change only after every check of the read passed.
  for (const p of pending)
    for (const { folderId, mark } of p.marks) await trust.marks!.set(highWaterKey(folderId), mark);
}

/** Input of {@link readFolderTree}. */
export interface ReadFolderTreeInput {
  readonly rootId: string;
  readonly root: FetchedDocument;
  /** Sub-folder documents by folder id (every folder the tree lists must be present). */
  readonly subfolders?: Readonly<Record<string, FetchedDocument>>;
  readonly userId: string;
  readonly privateKey: Uint8Array;
  readonly previousMembers?: readonly FolderMember[];
  /**
   * The server path of every folder fetched, by folder id: a sub-folder must sit under its
   * parent's path with its own id as the name (E2EE-SHARE-041).
   */
  readonly paths?: Readonly<Record<string, string>>;
}

/** A top folder read by {@link readFolderTree}: its state and what the read will persist. */
export interface ReadFolderTree {
  readonly state: FolderState;
  readonly documents: readonly ReadDocumentResult[];
  /** True when some folder of the tree had no mark (rollback not checked, E2EE-META-066). */
  readonly firstSight: boolean;
}

const trimSlashes = (p: string) => p.replace(/^\/+|\/+$/g, '');

/** Nonces of the marks of the tree's folders, by nonce: who was last served which document. */
async function placedByMarks(
  marks: HighWaterStore,
  folderIds: readonly string[],
): Promise<Map<string, string>> {
  const placed = new Map<string, string>();
  for (const id of folderIds) {
    const mark = await loadHighWater(marks, id);
    if (mark?.nonce !== undefined) placed.set(mark.nonce, id);
  }
  return placed;
}

/**
 * Reads a top folder and every sub-folder its tree lists through {@link readDocument}; persists
 * nothing. The root first (its members and key open the sub-folders), then breadth first.
 *
 * @throws every code of readDocument; NOT_FOUND when a listed sub-folder's document is missing
 *   (never read as "deleted", E2EE-SHARE-802); METADATA_MALFORMED when a sub-folder is listed
 *   twice; METADATA_MISPLACED when an object is listed in two folders or a folder is not where
 *   its parent lists it.
 */
export async function readFolderTree(
  input: ReadFolderTreeInput,
  trust: Partial<TrustState>,
  skip: readonly SkippedCheck[] = [],
): Promise<ReadFolderTree> {
  const base = { userId: input.userId, privateKey: input.privateKey };
  const placed =
    skip.includes('freshness') || trust.marks === undefined
      ? new Map<string, string>()
      : await placedByMarks(trust.marks, [input.rootId, ...Object.keys(input.subfolders ?? {})]);
  const root = await readDocument(
    {
      ...base,
      folderId: input.rootId,
      fetched: input.root,
      placed,
      ...(input.previousMembers ? { previousMembers: input.previousMembers } : {}),
    },
    trust,
    skip,
  );
  placed.set(toHex(root.decrypted.document.nonce), input.rootId);
  const documents: ReadDocumentResult[] = [root];
  const docs: Record<string, InnerMetadata> = { [input.rootId]: root.decrypted.inner };
  const parents: Record<string, string> = {};
  const objects = new Map<string, string>();
  const claim = (objectId: string, folderId: string) => {
    // E2EE-SHARE-040 (MUST, client): an object id belongs to one folder of the tree.
    if (objects.has(objectId) && objects.get(objectId) !== folderId) {
      throw new SealfoldError(
        'METADATA_MISPLACED',
        'an object is listed in two folders of the tree',
      );
    }
    objects.set(objectId, folderId);
  };
  for (const id of Object.keys(root.decrypted.inner.files)) claim(id, input.rootId);
  const queue = Object.keys(root.decrypted.inner.folders).map((id) => [id, input.rootId] as const);
  const accepted = { members: root.members, metadataKey: root.decrypted.metadataKey };
  while (queue.length > 0) {
    const [id, parent] = queue.shift()!;
    if (Object.hasOwn(docs, id)) {
      throw new SealfoldError('METADATA_MALFORMED', 'a sub-folder is listed twice in the tree');
    }
    const fetched = input.subfolders?.[id];
    if (fetched === undefined) {
      // E2EE-SHARE-802 (MUST, client): a missing document is an error, never a deletion.
      throw new SealfoldError('NOT_FOUND', 'a listed sub-folder has no metadata document');
    }
    if (input.paths !== undefined) {
      const parentPath = input.paths[parent];
      const path = input.paths[id];
      // E2EE-SHARE-041 (MUST, client): the server's tree matches the tree the documents list.
      if (
        parentPath === undefined ||
        path === undefined ||
        trimSlashes(path) !== `${trimSlashes(parentPath)}/${id}`
      ) {
        throw new SealfoldError(
          'METADATA_MISPLACED',
          'a sub-folder is not where its parent document lists it',
        );
      }
    }
    // Sub-folder documents are signed by a member of the root (E2EE-SHARE-002).
    const sub = await readDocument(
      { ...base, folderId: id, fetched, root: accepted, placed },
      trust,
      skip,
    );
    placed.set(toHex(sub.decrypted.document.nonce), id);
    documents.push(sub);
    setOwn(docs, id, sub.decrypted.inner);
    setOwn(parents, id, parent);
    for (const f of Object.keys(sub.decrypted.inner.files)) claim(f, id);
    for (const child of Object.keys(sub.decrypted.inner.folders)) queue.push([child, id]);
  }
  const rootDoc = root.decrypted.document;
  const rootInner = root.decrypted.inner;
  // E2EE-SHARE-801 (MUST, client): only a tombstone (no files, no folders) is a deletion; a
  // document that says deleted and still lists content is neither a deletion nor a live folder.
  if (
    rootInner.deleted === true &&
    (Object.keys(rootInner.files).length > 0 || Object.keys(rootInner.folders).length > 0)
  ) {
    throw new SealfoldError(
      'METADATA_MALFORMED',
      'the root document says deleted but still lists files or folders',
    );
  }
  const state: FolderState = Object.freeze({
    rootId: input.rootId,
    metadataKey: root.decrypted.metadataKey,
    members: Object.freeze([...root.members]),
    docs: Object.freeze(docs),
    parents: Object.freeze(parents),
    filedrop: Object.freeze({ ...(rootDoc.filedrop ?? {}) }),
    deleted: root.decrypted.inner.deleted === true,
  });
  return {
    state,
    documents,
    firstSight: documents.some((d) => d.pending.marks.some((m) => m.firstSight)),
  };
}

/** A top folder accepted by {@link acceptFolder}. */
export interface AcceptedFolder {
  readonly state: FolderState;
  /** True when some folder had no mark: rollback could not be checked (E2EE-META-066). */
  readonly firstSight: boolean;
  /** User ids of the members who signed the accepted documents, each once. */
  readonly signers: readonly string[];
  /** User ids whose key this read pinned for the first time (first contact). */
  readonly firstContact: readonly string[];
}

/**
 * The full read of a top folder for a client with persistent trust state: every check of
 * {@link readFolderTree}, none skipped, then one {@link commitTrust} for the whole tree.
 */
export async function acceptFolder(
  input: ReadFolderTreeInput,
  trust: TrustState,
): Promise<AcceptedFolder> {
  const read = await readFolderTree(input, trust);
  const heads = read.documents.flatMap((d) => d.pending.marks);
  // E2EE-META-076 (MUST, client): the fork witness sees the heads before anything is committed.
  const firstSeenKeys = read.documents.flatMap((d) =>
    d.pending.pins.flatMap((p) =>
      p.identity.startsWith('user:') && p.record.certificateSha256 !== undefined
        ? [
            {
              userId: p.identity.slice('user:'.length),
              certificateHash: p.record.certificateSha256,
            },
          ]
        : [],
    ),
  );
  if (trust.witness !== undefined) await trust.witness.witness(heads, 'read', firstSeenKeys);
  await commitTrust(
    trust,
    read.documents.map((d) => d.pending),
  );
  const signers = read.documents.flatMap((d) => (d.signer ? [d.signer.signerUserId] : []));
  const pinned = read.documents.flatMap((d) => d.pending.pins.map((p) => p.identity));
  return {
    state: read.state,
    firstSight: read.firstSight,
    signers: [...new Set(signers)],
    firstContact: [...new Set(pinned)]
      .filter((id) => id.startsWith('user:'))
      .map((id) => id.slice('user:'.length)),
  };
}
