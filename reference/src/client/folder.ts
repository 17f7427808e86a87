/**
 * Encrypted top folders over HTTP: create, open (fetch, verify, decrypt, check freshness), and
 * run any operation of the `folders` and `sharing` modules as one locked transaction
 * (spec/16-client-flows.md §3).
 *
 * A transaction reads the current metadata, locks the top folder with the next counter,
 * re-reads to make sure nothing changed in between, applies the operation to that fresh state,
 * uploads bodies and documents with the lock token, and unlocks. Any failure after the lock
 * unlocks with `abort=true`, so the server reverts every staged write.
 *
 * @module
 */
import { SealfoldError, isSealfoldError } from '../errors/index.js';
import {
  checkFreshness,
  loadHighWater,
  highWaterKey,
  parseMetadataDocumentV2,
  stateOfWritten,
  type FolderHighWater,
  type HighWaterStore,
} from '../metadata/index.js';
import {
  acceptFolder,
  createFolder,
  type FetchedDocument,
  type ForkWitness,
  type TrustState,
  type FolderChange,
  type FolderContext,
  type FolderMember,
  type FolderState,
  type MetadataUpload,
} from '../folders/index.js';
import * as api from '../http/e2ee-api.js';
import * as dav from '../http/webdav.js';
import { ServerRejected } from '../http/ocs.js';
import type { Device } from './device.js';
import { setOwn } from '../_internal/records.js';
import { sha256Hex, utf8 } from '../_internal/bytes.js';
import { trustWarnings, type TrustWarning } from './trust.js';

/** Where a folder of the tree lives on the server. */
export interface FolderLocation {
  /** Numeric server file id (metadata is stored under it). */
  readonly fileId: string;
  /** Path relative to the user's root. */
  readonly path: string;
}

/** An opened top folder. */
export interface FolderHandle {
  readonly rootPath: string;
  readonly state: FolderState;
  /** Location of every folder of the tree, keyed like `state.docs` (the root by its file id). */
  readonly locations: Readonly<Record<string, FolderLocation>>;
  /** True when no high-water mark existed: rollback could not be checked (E2EE-META-066). */
  readonly firstSight: boolean;
  /**
   * Keys the flow relied on that the user has not verified (E2EE-CERT-039): on open, the signers
   * of the accepted documents; after a share, the recipient too.
   */
  readonly warnings: readonly TrustWarning[];
}

/** An operation to run on fresh state inside a transaction. */
export type FolderOperation<T extends FolderChange> = (
  state: FolderState,
  ctx: FolderContext,
) => Promise<T>;

function folderContext(device: Device): FolderContext {
  return {
    signer: {
      userId: device.userId,
      certificate: device.certificate,
      privateKey: device.privateKey,
    },
    rng: device.rng,
    ...(device.now ? { now: device.now() } : {}),
    ...(device.recovery ? { recovery: device.recovery } : {}),
  };
}

function membersKey(device: Device, rootId: string): string {
  return `client/${device.userId}/members/${rootId}`;
}

/**
 * The member set of the last version of top folder `rootId` this device verified or wrote, if
 * any: who may sign the next membership change (E2EE-SEC-054).
 */
export async function lastVerifiedMembers(
  device: Device,
  rootId: string,
): Promise<FolderMember[] | undefined> {
  return device.state.get<FolderMember[]>(membersKey(device, rootId));
}

/** Remembers the member set of the version just verified or written (the next signer check's base). */
async function saveMembers(
  device: Device,
  rootId: string,
  members: readonly FolderMember[],
): Promise<void> {
  await device.state.set(
    membersKey(device, rootId),
    members.map((m) => ({ userId: m.userId, certificate: m.certificate })),
  );
}

/** The device's high-water marks, kept under the user's prefix of the state store. */
function marksStore(device: Device): HighWaterStore {
  const prefix = `client/${device.userId}/`;
  return {
    get: (k) => device.state.get(prefix + k),
    set: (k, v) => device.state.set(prefix + k, v),
  };
}

async function fetchDocument(device: Device, fileId: string): Promise<FetchedDocument> {
  const m = await api.getMetadata(device.ctx, fileId);
  // E2EE-API-309 (MUST, client): a 2.x document without its signature is never used.
  if (m.signature === undefined)
    throw new SealfoldError(
      'SIGNATURE_MISSING',
      'the server returned metadata without a signature',
    );
  return { document: m.document, signature: m.signature };
}

/** Finds the server file id of the folder at `path` (PROPFIND depth 0). */
async function fileIdAt(device: Device, path: string): Promise<string> {
  const [self] = await dav.propfind(device.ctx, path, 0);
  if (!self || !self.isFolder || self.fileId === '')
    throw new SealfoldError('NOT_FOUND', 'no folder at that path');
  return self.fileId;
}

interface Fetched {
  readonly rootId: string;
  readonly root: FetchedDocument;
  readonly subfolders: Record<string, FetchedDocument>;
  readonly locations: Record<string, FolderLocation>;
}

/** Reads the root document and the document of every sub-folder below it. */
async function fetchTree(device: Device, rootPath: string, rootId: string): Promise<Fetched> {
  const locations: Record<string, FolderLocation> = {
    [rootId]: { fileId: rootId, path: rootPath },
  };
  const subfolders: Record<string, FetchedDocument> = {};
  const queue = [rootPath];
  while (queue.length > 0) {
    const path = queue.shift()!;
    const entries = await dav.propfind(device.ctx, path, 1);
    for (const e of entries.slice(1)) {
      if (!e.isFolder) continue;
      const name = e.path.split('/').pop()!;
      if (Object.hasOwn(locations, name))
        throw new SealfoldError('SERVER_RESPONSE_MALFORMED', 'a folder name repeats in the tree');
      setOwn(locations, name, { fileId: e.fileId, path: e.path });
      setOwn(subfolders, name, await fetchDocument(device, e.fileId));
      queue.push(e.path);
    }
  }
  return { rootId, root: await fetchDocument(device, rootId), subfolders, locations };
}

/** The high-water marks of the documents this client just wrote (E2EE-API-311). */
function marksOf(
  state: FolderState,
  written: readonly MetadataUpload[],
): Record<string, FolderHighWater> {
  const marks: Record<string, FolderHighWater> = {};
  for (const m of written) {
    const inner = state.docs[m.folderId];
    if (inner === undefined) continue;
    setOwn(marks, m.folderId, stateOfWritten(parseMetadataDocumentV2(m.document), inner));
  }
  return marks;
}

/**
 * Records the heads this client just wrote: checks every mark first, then persists them all (a
 * rejection changes nothing, E2EE-SEC-804), then shows them to the fork witness.
 */
async function acceptMarks(
  device: Device,
  marks: Record<string, FolderHighWater>,
  locations: Readonly<Record<string, FolderLocation>>,
  written: readonly MetadataUpload[] = [],
): Promise<boolean> {
  const documents: Record<string, string> = {};
  for (const m of written) setOwn(documents, m.folderId, m.document);
  const store = marksStore(device);
  let firstSight = false;
  const accepted: Array<[string, FolderHighWater]> = [];
  for (const [key, next] of Object.entries(marks)) {
    const previous = await loadHighWater(store, key);
    if (previous === undefined) firstSight = true;
    accepted.push([key, checkFreshness(previous, next)]);
  }
  for (const [key, mark] of accepted) await store.set(highWaterKey(key), mark);
  // E2EE-META-076 (MUST, client): the witness also sees every head this client wrote.
  if (device.witness !== undefined) {
    await witnessByFileId(device.witness, locations).witness(
      accepted.map(([folderId, mark]) => ({
        folderId,
        mark,
        ...(documents[folderId] === undefined
          ? {}
          : { documentHash: sha256Hex(utf8(documents[folderId])), signer: device.userId }),
      })),
      'written',
    );
  }
  return firstSight;
}

/**
 * The device's fork witness with every head named by its folder's server file id. The tree keys a
 * sub-folder by its encrypted name, but a transparency log names a folder by the file id the
 * server stored its document under (spec/21 §2): a log witness looking a sub-folder up by name
 * finds nothing and refuses every honest write and read of it (E2EE-LOG-150).
 */
function witnessByFileId(
  witness: ForkWitness,
  locations: Readonly<Record<string, FolderLocation>>,
): ForkWitness {
  return {
    witness: (heads, origin, firstSeenKeys) =>
      witness.witness(
        heads.map((h) => {
          const loc = Object.hasOwn(locations, h.folderId) ? locations[h.folderId] : undefined;
          if (loc === undefined)
            throw new SealfoldError('NOT_FOUND', 'a folder of the tree has no server location');
          // E2EE-LOG-150 (MUST, client): the log is consulted under the folder's file id.
          return { ...h, folderId: loc.fileId };
        }),
        origin,
        firstSeenKeys,
      ),
  };
}

/** The device's persistent trust state: pinned server key, pins, high-water marks. */
function trustOf(device: Device, locations: Readonly<Record<string, FolderLocation>>): TrustState {
  return {
    serverPublicKey: device.serverPublicKey,
    pins: device.pins,
    marks: marksStore(device),
    ...(device.witness ? { witness: witnessByFileId(device.witness, locations) } : {}),
  };
}

/**
 * Verifies, decrypts and checks what {@link fetchTree} read, through the one read pipeline
 * (`acceptFolder`): nothing is pinned or marked unless the whole tree is accepted.
 */
async function openFetched(device: Device, rootPath: string, f: Fetched): Promise<FolderHandle> {
  const previousMembers = await device.state.get<FolderMember[]>(membersKey(device, f.rootId));
  const paths: Record<string, string> = {};
  for (const [key, loc] of Object.entries(f.locations)) setOwn(paths, key, loc.path);
  // E2EE-API-803 (MUST, client): every member certificate is validated and checked against its
  // pin (first sight pins it) before the folder is used; E2EE-API-309: signatures and freshness
  // are checked before any write is based on the documents.
  const { state, firstSight, signers, firstContact } = await acceptFolder(
    {
      rootId: f.rootId,
      root: f.root,
      subfolders: f.subfolders,
      userId: device.userId,
      privateKey: device.privateKey,
      paths,
      ...(previousMembers ? { previousMembers } : {}),
    },
    trustOf(device, f.locations),
  );
  await saveMembers(device, f.rootId, state.members);
  const locations: Record<string, FolderLocation> = {};
  for (const key of Object.keys(state.docs)) setOwn(locations, key, f.locations[key]!);
  // E2EE-CERT-039 (MUST, client): signers whose keys the user has not verified are reported.
  const warnings = await trustWarnings(device.pins, 'unverified-signer', signers, {
    self: device.userId,
    firstContact: new Set(firstContact),
  });
  return { rootPath, state, locations, firstSight, warnings };
}

/** Opens the top folder at `rootPath`: fetch, verify signatures and certificates, decrypt, check freshness. */
export async function openTopFolder(device: Device, rootPath: string): Promise<FolderHandle> {
  const rootId = await fileIdAt(device, rootPath);
  return openFetched(device, rootPath, await fetchTree(device, rootPath, rootId));
}

async function withRetry<T>(device: Device, fn: () => Promise<T>): Promise<T> {
  let delay = device.retry.delayMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      // E2EE-API-307 (SHOULD, client): lock conflicts are retried a bounded number of times.
      if (!isSealfoldError(e, 'LOCK_CONFLICT') || attempt >= device.retry.attempts) throw e;
      await device.retry.sleep(delay);
      delay *= 2;
    }
  }
}

async function upload(
  device: Device,
  token: string,
  before: FolderHandle,
  change: FolderChange,
): Promise<Record<string, FolderLocation>> {
  const locations: Record<string, FolderLocation> = { ...before.locations };
  const created = new Set<string>();
  // New sub-folders first: their metadata is stored under the id MKCOL returns.
  for (const key of Object.keys(change.state.docs)) {
    if (Object.hasOwn(locations, key)) continue;
    const parent = change.state.parents[key];
    const parentLoc = parent === undefined ? undefined : locations[parent];
    if (!parentLoc) throw new SealfoldError('INPUT_MALFORMED', 'a new folder has no known parent');
    const path = `${parentLoc.path}/${key}`;
    const fileId = await dav.mkcol(device.ctx, path, token);
    await api.setEncrypted(device.ctx, fileId);
    setOwn(locations, key, { fileId, path });
    created.add(key);
  }
  for (const b of change.bodies) {
    const loc = locations[b.folderId];
    if (!loc) throw new SealfoldError('INPUT_MALFORMED', 'a body belongs to an unknown folder');
    await dav.putFile(device.ctx, `${loc.path}/${b.objectId}`, b.body, token);
  }
  for (const m of change.metadata) {
    const loc = locations[m.folderId];
    if (!loc) throw new SealfoldError('INPUT_MALFORMED', 'a document belongs to an unknown folder');
    await api.storeMetadata(
      device.ctx,
      loc.fileId,
      token,
      m.document,
      m.signature,
      created.has(m.folderId),
    );
  }
  for (const d of change.deletions) {
    const loc = locations[d.folderId];
    if (!loc) throw new SealfoldError('INPUT_MALFORMED', 'a deletion names an unknown folder');
    await dav.deleteItem(device.ctx, `${loc.path}/${d.objectId}`, token);
    const gone = locations[d.objectId];
    if (gone) {
      for (const [k, l] of Object.entries(locations))
        if (l.path === gone.path || l.path.startsWith(`${gone.path}/`)) delete locations[k];
    }
  }
  return locations;
}

/**
 * Locks the top folder `rootId` with `counter`, runs `fn` with the token and unlocks; on any
 * failure after the lock it unlocks with `abort=true`, so the server reverts what `fn` staged
 * (E2EE-API-306).
 */
export async function withLock<T>(
  device: Device,
  rootId: string,
  counter: number,
  fn: (token: string) => Promise<T>,
): Promise<T> {
  const token = await api.lockFolder(device.ctx, rootId, counter);
  let result: T;
  try {
    result = await fn(token);
    await api.unlockFolder(device.ctx, rootId, token);
  } catch (e) {
    // E2EE-API-306 (MUST, client): a failed transaction is aborted so the server reverts it.
    await api.unlockFolder(device.ctx, rootId, token, true).catch(() => undefined);
    throw e;
  }
  return result;
}

/**
 * Runs `op` as one transaction on the top folder of `handle`: lock with the next counter of the
 * state last read, read and verify under the lock, apply, upload, unlock (abort on any failure).
 * When the folder changed since it was read, or the lock is refused, the attempt is given up and
 * the next one starts from a fresh read (bounded retries).
 *
 * @returns the new handle and the operation's own result.
 */
export async function transact<T extends FolderChange>(
  device: Device,
  handle: FolderHandle,
  op: FolderOperation<T>,
): Promise<{ handle: FolderHandle; result: T }> {
  const rootId = handle.state.rootId;
  let known: FolderHandle | undefined = handle;
  return withRetry(device, async () => {
    const base = known ?? (await openTopFolder(device, handle.rootPath));
    known = undefined; // a failed attempt makes the next one read afresh
    const counter = base.state.docs[rootId]!.counter;
    // E2EE-API-305 (MUST, client): the lock counter is the root's current counter plus one.
    const out = await withLock(device, rootId, counter + 1, async (token) => {
      const locked = await openTopFolder(device, handle.rootPath);
      // E2EE-API-305 (MUST, client): a root that changed since it was read is not written.
      if (locked.state.docs[rootId]!.counter !== counter) {
        throw new ServerRejected('LOCK_CONFLICT', 409, 'the folder changed since it was read');
      }
      const result = await op(locked.state, folderContext(device));
      return {
        result,
        locations: await upload(device, token, locked, result),
        warnings: locked.warnings,
      };
    });
    const { result, locations, warnings } = out;
    // E2EE-API-311 (MUST, client): the new versions become the high-water marks.
    await acceptMarks(device, marksOf(result.state, result.metadata), locations, result.metadata);
    await saveMembers(device, rootId, result.state.members);
    return {
      handle: {
        rootPath: handle.rootPath,
        state: result.state,
        locations,
        firstSight: false,
        // The write was based on the documents read under the lock: their signers.
        warnings,
      },
      result,
    };
  });
}

/**
 * Creates an encrypted top folder at `path`: MKCOL, mark encrypted (empty), lock with counter 1,
 * first signed document, unlock (spec/16-client-flows.md §3.1).
 */
export async function createTopFolder(device: Device, path: string): Promise<FolderHandle> {
  const rootId = await dav.mkcol(device.ctx, path);
  await api.setEncrypted(device.ctx, rootId);
  const change = await createFolder(folderContext(device), rootId);
  const first = change.metadata[0]!;
  await withLock(device, rootId, first.counter, (token) =>
    api.storeMetadata(device.ctx, rootId, token, first.document, first.signature, true),
  );
  const locations = { [rootId]: { fileId: rootId, path } };
  await acceptMarks(device, marksOf(change.state, change.metadata), locations, change.metadata);
  await saveMembers(device, rootId, change.state.members);
  return {
    rootPath: path,
    state: change.state,
    locations,
    firstSight: false,
    warnings: [],
  };
}
