/**
 * Freshness of folder metadata (spec/05-metadata.md §7, E2EE-META-060..069): a per-folder
 * high-water mark persisted by the client, and the checks that compare a newly read document
 * with it.
 *
 * Rules (checked in this order; all must pass before the mark changes):
 * 1. DOWNGRADE: the format family never goes back (1.0/1.1 < 1.2 < 2.x; 2.0 and 2.1 are one
 *    level, because clients on one server legitimately alternate between them);
 * 2. COUNTER_ROLLBACK: a 2.x counter below the mark, or equal to it with a different inner
 *    document (F1: "older or equal-but-different state is rejected");
 * 3. KEY_CHECKSUM_REMOVED: every checksum in the mark is still listed.
 * Before all three, COUNTER_IMPLAUSIBLE: a counter above MAX_COUNTER, or more than
 * MAX_COUNTER_STEP above the mark (a member blocking the folder, E2EE-META-073).
 *
 * Limitation (F3): with no mark (a new device, or cleared state), nothing can be detected; the
 * first document read is accepted and becomes the mark.
 *
 * @module
 */
import { toHex } from '../_internal/bytes.js';
import { SealfoldError } from '../errors/index.js';
import type { StateStore } from '../state/index.js';
import { isObject } from './_json.js';
import type { DecryptedMetadata } from './decrypt.js';
import { innerDigest, innerToJson } from './inner.js';
import {
  METADATA_VERSIONS,
  type InnerMetadata,
  type MetadataDocumentV2,
  type MetadataVersion,
} from './types.js';
import type { LegacyView } from './v1/types.js';

/** What a client remembers per folder. */
export interface FolderHighWater {
  readonly version: MetadataVersion;
  /** The 2.x counter; null for legacy documents (they have none). */
  readonly counter: number | null;
  /** Every key checksum seen (lowercase hex); [] for sub-folders and legacy documents. */
  readonly keyChecksums: readonly string[];
  /** SHA-256 of the canonical inner document; null for legacy documents. */
  readonly digest: string | null;
  /**
   * The outer nonce (hex) of the 2.x document the mark was taken from. Nonces are never reused
   * (E2EE-META-032), so it names that document: another folder served it is a misplaced one
   * (E2EE-SHARE-040). Absent in marks written before it was recorded, and for legacy documents.
   */
  readonly nonce?: string;
}

/**
 * The largest counter step between two reads of one folder that the client believes
 * (E2EE-META-073): about a million commits. A larger jump is a member blocking the folder.
 */
export const MAX_COUNTER_STEP = 2 ** 20;
/** The largest counter a client accepts or writes (E2EE-META-073): `counter + 1` stays exact everywhere. */
export const MAX_COUNTER = 2 ** 31 - 1;

/** The part of the `state` module's StateStore that freshness uses. */
export type HighWaterStore = Pick<StateStore, 'get' | 'set'>;

const RANK: Record<MetadataVersion, number> = { '1.0': 1, '1.1': 1, '1.2': 2, '2.0': 3, '2.1': 3 };

/** The state a decrypted 2.x document proposes (E2EE-META-172: it records 2.x). */
export function stateOf(d: DecryptedMetadata): FolderHighWater {
  return {
    version: d.version,
    counter: d.inner.counter,
    keyChecksums: [...d.inner.keyChecksums],
    digest: d.digest,
    nonce: toHex(d.document.nonce),
  };
}

/**
 * The state of a document this client wrote (E2EE-API-311): the same mark a reader of that
 * document computes with {@link stateOf}, because the writer encrypted `innerToJson(inner)`.
 */
export function stateOfWritten(doc: MetadataDocumentV2, inner: InnerMetadata): FolderHighWater {
  return {
    version: doc.version,
    counter: inner.counter,
    keyChecksums: [...inner.keyChecksums],
    digest: innerDigest(innerToJson(inner)),
    nonce: toHex(doc.nonce),
  };
}

/** The state a decrypted legacy document proposes. */
export function stateOfLegacy(v: LegacyView): FolderHighWater {
  return { version: v.version, counter: null, keyChecksums: [], digest: null };
}

/**
 * Compares a proposed state with the mark and returns the new mark. Pure: the caller persists
 * the result only when this returns (see {@link acceptFolderState}).
 *
 * @throws SealfoldError DOWNGRADE, COUNTER_ROLLBACK, KEY_CHECKSUM_REMOVED.
 */
export function checkFreshness(
  previous: FolderHighWater | undefined,
  next: FolderHighWater,
): FolderHighWater {
  assertHighWater(next, 'the proposed state');
  // E2EE-META-073 (MUST, client): a counter no run of honest commits reaches is refused, on
  // first sight too.
  if (next.counter !== null && next.counter > MAX_COUNTER) {
    throw new SealfoldError(
      'COUNTER_IMPLAUSIBLE',
      `"counter" ${next.counter} exceeds ${MAX_COUNTER}`,
    );
  }
  // E2EE-META-066 (MUST, client): first sight is accepted, but reported as unchecked (F3).
  if (previous === undefined) return next;
  assertHighWater(previous, 'the stored high-water mark');
  // E2EE-META-061 (MUST, client): never accept an older format family for a folder
  // (E2EE-SEC-031).
  if (RANK[next.version] < RANK[previous.version]) {
    throw new SealfoldError(
      'DOWNGRADE',
      `the folder was seen at metadata ${previous.version} and is now offered at ${next.version}`,
    );
  }
  if (previous.counter !== null && next.counter !== null) {
    // E2EE-META-062 (MUST, client): a counter below the mark is a rollback.
    if (next.counter < previous.counter) {
      throw new SealfoldError(
        'COUNTER_ROLLBACK',
        `"counter" must be at least ${previous.counter}, got ${next.counter}`,
      );
    }
    // E2EE-META-073 (MUST, client): a jump of more than MAX_COUNTER_STEP since the mark is refused.
    if (next.counter - previous.counter > MAX_COUNTER_STEP) {
      throw new SealfoldError(
        'COUNTER_IMPLAUSIBLE',
        `"counter" jumped from ${previous.counter} to ${next.counter}`,
      );
    }
    // E2EE-META-063 (MUST, client): an equal counter must carry the same document (no fork).
    if (next.counter === previous.counter && next.digest !== previous.digest) {
      throw new SealfoldError(
        'COUNTER_ROLLBACK',
        `"counter" ${next.counter} was already seen with a different document`,
      );
    }
  }
  // E2EE-META-064 (MUST, client): keyChecksums only grows.
  const missing = previous.keyChecksums.filter((c) => !next.keyChecksums.includes(c));
  if (missing.length > 0) {
    throw new SealfoldError(
      'KEY_CHECKSUM_REMOVED',
      `${missing.length} previously seen key checksum(s) are missing`,
    );
  }
  return next;
}

/** The store key of a folder's mark (E2EE-META-060: one persistent mark per folder id). */
export function highWaterKey(folderId: string): string {
  if (typeof folderId !== 'string' || folderId === '')
    throw new TypeError('"folderId" must be a non-empty string');
  return `metadata/high-water/${folderId}`;
}

/** Reads a folder's mark (undefined when none); a corrupt stored value is INPUT_MALFORMED. */
export async function loadHighWater(
  store: HighWaterStore,
  folderId: string,
): Promise<FolderHighWater | undefined> {
  const v = await store.get(highWaterKey(folderId));
  if (v === undefined || v === null) return undefined;
  assertHighWater(v, 'the stored high-water mark');
  return v;
}

/** What {@link acceptFolderState} returns. */
export interface AcceptedState {
  /** The new mark, as persisted. */
  readonly mark: FolderHighWater;
  /**
   * True when there was no mark: nothing could be checked for rollback (F3). Callers must not
   * present such a state as verified fresh (E2EE-META-066).
   */
  readonly firstSight: boolean;
}

/**
 * Checks `next` against the folder's persisted mark and, only if every check passes, persists
 * the new mark (E2EE-META-065, E2EE-SEC-804: no state change on rejection).
 *
 * @throws SealfoldError DOWNGRADE, COUNTER_ROLLBACK, KEY_CHECKSUM_REMOVED; INPUT_MALFORMED when
 *   the stored mark is corrupt (fail closed).
 */
export async function acceptFolderState(
  store: HighWaterStore,
  folderId: string,
  next: FolderHighWater,
): Promise<AcceptedState> {
  const previous = await loadHighWater(store, folderId);
  const mark = checkFreshness(previous, next);
  // E2EE-META-065 (MUST, client): persist only after every check passed.
  await store.set(highWaterKey(folderId), {
    version: mark.version,
    counter: mark.counter,
    keyChecksums: [...mark.keyChecksums],
    digest: mark.digest,
    ...(mark.nonce === undefined ? {} : { nonce: mark.nonce }),
  });
  return { mark, firstSight: previous === undefined };
}

function assertHighWater(v: unknown, what: string): asserts v is FolderHighWater {
  const ok =
    isObject(v) &&
    (METADATA_VERSIONS as readonly unknown[]).includes(v.version) &&
    (v.counter === null || (Number.isSafeInteger(v.counter) && (v.counter as number) >= 0)) &&
    Array.isArray(v.keyChecksums) &&
    v.keyChecksums.every((c) => typeof c === 'string' && /^[0-9a-f]{64}$/.test(c)) &&
    (v.digest === null || (typeof v.digest === 'string' && /^[0-9a-f]{64}$/.test(v.digest))) &&
    (v.nonce === undefined || (typeof v.nonce === 'string' && /^[0-9a-f]{2,64}$/.test(v.nonce))) &&
    (v.counter === null) === RANK[v.version as MetadataVersion] < 3;
  if (!ok) throw new SealfoldError('INPUT_MALFORMED', `${what} is malformed`);
}
