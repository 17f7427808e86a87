/**
 * What the honest scenarios share: deterministic contents, and the two oracles of E2EE-DRV-071
 * (content by plaintext hash, folder state by the members' fingerprints agreeing).
 *
 * @module
 */
import { createHash } from 'node:crypto';
import type { ClientActor } from '../check.js';
import { CheckFailure } from '../check.js';
import type { FolderFingerprint } from '../protocol.js';

const sha256Hex = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Deterministic content for `label` in a test: different per label and seed, a few KiB. */
export function contentFor(seed: number, label: string, size = 3000): Uint8Array {
  const out = new Uint8Array(size);
  let block = createHash('sha256').update(`${seed}:${label}`).digest();
  for (let i = 0; i < size; i += block.length) {
    out.set(block.subarray(0, Math.min(block.length, size - i)), i);
    block = createHash('sha256').update(block).digest();
  }
  return out;
}

/** Downloads `name` as `reader` and fails unless it is exactly `expected`. */
export async function expectContent(
  reader: ClientActor,
  folder: string,
  name: string,
  expected: Uint8Array,
): Promise<void> {
  const got = await reader.download(folder, name);
  if (sha256Hex(got) !== sha256Hex(expected)) {
    throw new CheckFailure(`${reader.actor} (${reader.kind}) read other content for ${name}`, {
      expected: { plainSha256: sha256Hex(expected) },
      actual: { plainSha256: sha256Hex(got) },
    });
  }
}

/** The folder fingerprint of `who` after a refresh (fails when the device has no view). */
export async function refreshedView(who: ClientActor, folder: string): Promise<FolderFingerprint> {
  await who.call('sync.refresh', { folder });
  const fp = (await who.fingerprint(folder)).folder;
  if (fp === null) {
    throw new CheckFailure(
      `${who.actor} (${who.kind}) reports no view of ${folder} after sync.refresh`,
    );
  }
  return fp;
}

/**
 * E2EE-DRV-071: every member's view after sync.refresh is the same (counter, metadata key,
 * members, entries); returns that view.
 */
export async function expectConverged(
  members: readonly ClientActor[],
  folder: string,
): Promise<FolderFingerprint> {
  const views = [];
  for (const m of members) views.push({ m, fp: await refreshedView(m, folder) });
  const first = views[0]!;
  for (const v of views.slice(1)) {
    if (JSON.stringify(v.fp) !== JSON.stringify(first.fp)) {
      throw new CheckFailure(
        `${v.m.actor} (${v.m.kind}) and ${first.m.actor} (${first.m.kind}) see different folder states`,
        { expected: first.fp, actual: v.fp },
      );
    }
  }
  return first.fp;
}

/** Fails unless the view lists exactly these entries (`path` → kind). */
export function expectEntries(
  fp: FolderFingerprint,
  expected: Record<string, 'file' | 'folder'>,
  what: string,
): void {
  const got = Object.fromEntries(fp.entries.map((e) => [e.path, e.kind]));
  const want = Object.fromEntries(Object.entries(expected).sort(([a], [b]) => (a < b ? -1 : 1)));
  if (
    JSON.stringify(Object.fromEntries(Object.entries(got).sort(([a], [b]) => (a < b ? -1 : 1)))) !==
    JSON.stringify(want)
  ) {
    throw new CheckFailure(`${what}: the folder holds other entries`, {
      expected: want,
      actual: got,
    });
  }
}
