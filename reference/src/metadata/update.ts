/**
 * Writer helpers (spec/05-metadata.md §5, E2EE-META-036..038): the first inner document of a
 * folder, and the next one after a change (counter + 1, keyChecksums only grows).
 *
 * @module
 */
import { abytes, defaultRng, sha256Hex, type Rng } from '../_internal/bytes.js';
import { SealfoldError } from '../errors/index.js';
import { MAX_COUNTER } from './freshness.js';
import { isDegenerate } from './inner.js';
import type { InnerMetadata, MetadataFile } from './types.js';

/** The initial counter writers use (Android's E2E_V2_INITIAL_COUNTER; web exports 1 too). */
export const INITIAL_COUNTER = 1;

/**
 * A fresh metadata key: 16 bytes from the CSPRNG (E2EE-META-033), never degenerate.
 */
export function newMetadataKey(rng: Rng = defaultRng): Uint8Array {
  const key = abytes(rng(16), 'rng output', 16);
  if (isDegenerate(key)) throw new RangeError('the random source returned a degenerate key');
  return new Uint8Array(key);
}

/** An empty folder's first inner document; pass the key for a root folder. */
export function newInner(metadataKey?: Uint8Array): InnerMetadata {
  return {
    counter: INITIAL_COUNTER,
    files: {},
    folders: {},
    keyChecksums:
      metadataKey === undefined ? [] : [sha256Hex(abytes(metadataKey, 'metadataKey', 16))],
  };
}

/** Changes for {@link nextInner}; omitted members keep their previous value. */
export interface InnerChanges {
  readonly files?: Readonly<Record<string, MetadataFile>>;
  readonly folders?: Readonly<Record<string, string>>;
  /** A new metadata key (rotation on share/unshare): its checksum is appended. */
  readonly newMetadataKey?: Uint8Array;
  readonly deleted?: boolean;
}

/**
 * The next inner document: counter = previous + 1 (E2EE-META-036), keyChecksums = previous plus
 * the new key's checksum if any (E2EE-META-037).
 */
export function nextInner(previous: InnerMetadata, changes: InnerChanges = {}): InnerMetadata {
  // E2EE-META-073 (MUST, client): no counter above MAX_COUNTER is ever written.
  if (!(previous.counter + 1 <= MAX_COUNTER))
    throw new SealfoldError('COUNTER_IMPLAUSIBLE', 'the counter cannot grow further');
  const keyChecksums = [...previous.keyChecksums];
  if (changes.newMetadataKey !== undefined) {
    const c = sha256Hex(abytes(changes.newMetadataKey, 'newMetadataKey', 16));
    if (!keyChecksums.includes(c)) keyChecksums.push(c);
  }
  const deleted = changes.deleted ?? previous.deleted;
  return {
    counter: previous.counter + 1,
    files: changes.files ?? previous.files,
    folders: changes.folders ?? previous.folders,
    keyChecksums,
    ...(deleted !== undefined ? { deleted } : {}),
  };
}
