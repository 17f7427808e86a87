/**
 * Freshness (spec/05-metadata.md §7): the per-folder high-water mark against a simple model, over
 * random sequences of accepted states, rollbacks, forks, removed checksums and downgrades; the
 * mark never changes on a rejection and survives a restart (a new FileStateStore on one file).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/_internal/bytes.js';
import {
  acceptFolderState,
  checkFreshness,
  decryptLegacyMetadata,
  decryptMetadata,
  encryptMetadata,
  highWaterKey,
  loadHighWater,
  migrateLegacyToV2,
  newInner,
  newMetadataKey,
  nextInner,
  parseMetadataDocument,
  stateOf,
  stateOfLegacy,
  type FolderHighWater,
  type MetadataVersion,
} from '../../src/metadata/index.js';
import { FileStateStore, MemoryStateStore } from '../../src/state/index.js';
import { describeFixtures, loadFixture } from '../_support/fixtures.js';
import { createPrivateKey } from 'node:crypto';

const hex = (n: number) => sha256Hex(`k${n}`);
const state = (
  version: MetadataVersion,
  counter: number | null,
  sums: number[],
  digest: string | null = counter === null ? null : sha256Hex(`d${counter}`),
): FolderHighWater => ({ version, counter, keyChecksums: sums.map(hex), digest });

const code = (c: string) => expect.objectContaining({ code: c });

describe('checkFreshness', () => {
  it('E2EE-META-061: an older format family is DOWNGRADE; 2.0 and 2.1 are one level', () => {
    expect(() => checkFreshness(state('2.0', 5, [1]), state('1.2', null, []))).toThrow(
      code('DOWNGRADE'),
    );
    expect(() => checkFreshness(state('2.1', 5, [1]), state('1.0', null, []))).toThrow(
      code('DOWNGRADE'),
    );
    expect(() => checkFreshness(state('1.2', null, []), state('1.1', null, []))).toThrow(
      code('DOWNGRADE'),
    );
    expect(checkFreshness(state('2.1', 5, [1]), state('2.0', 6, [1])).version).toBe('2.0');
    expect(checkFreshness(state('1.0', null, []), state('1.1', null, [])).version).toBe('1.1');
    expect(checkFreshness(state('1.2', null, []), state('2.0', 1, [1])).counter).toBe(1);
  });

  it('E2EE-META-062: a lower counter is COUNTER_ROLLBACK', () => {
    expect(() => checkFreshness(state('2.0', 5, [1]), state('2.0', 4, [1]))).toThrow(
      code('COUNTER_ROLLBACK'),
    );
    expect(() => checkFreshness(state('2.0', 1, [1]), state('2.0', 0, [1]))).toThrow(
      code('COUNTER_ROLLBACK'),
    );
  });

  it('E2EE-META-063: an equal counter is accepted only with the same document', () => {
    expect(checkFreshness(state('2.0', 5, [1]), state('2.0', 5, [1])).counter).toBe(5);
    expect(() =>
      checkFreshness(state('2.0', 5, [1]), state('2.0', 5, [1], sha256Hex('fork'))),
    ).toThrow(code('COUNTER_ROLLBACK'));
  });

  it('E2EE-META-064: a removed checksum is KEY_CHECKSUM_REMOVED, even with a greater counter', () => {
    expect(() => checkFreshness(state('2.0', 5, [1, 2]), state('2.0', 6, [1]))).toThrow(
      code('KEY_CHECKSUM_REMOVED'),
    );
    expect(() => checkFreshness(state('2.0', 5, [1, 2]), state('2.0', 6, [2, 3]))).toThrow(
      code('KEY_CHECKSUM_REMOVED'),
    );
    expect(
      checkFreshness(state('2.0', 5, [1, 2]), state('2.0', 6, [1, 2, 3])).keyChecksums,
    ).toHaveLength(3);
  });

  it('E2EE-META-060: a corrupt stored mark fails closed', async () => {
    const store = new MemoryStateStore();
    for (const bad of [
      { version: '2.0' },
      { version: '2.0', counter: -1, keyChecksums: [], digest: null },
      'x',
    ]) {
      await store.set(highWaterKey('f'), bad);
      await expect(acceptFolderState(store, 'f', state('2.0', 1, [1]))).rejects.toThrow(
        code('INPUT_MALFORMED'),
      );
      expect(await store.get(highWaterKey('f'))).toEqual(bad);
    }
  });
});

/** The model: what a correct client must decide for a proposed state. */
function model(prev: FolderHighWater | undefined, next: FolderHighWater): string | null {
  if (!prev) return null;
  const rank = (v: MetadataVersion) => ({ '1.0': 1, '1.1': 1, '1.2': 2, '2.0': 3, '2.1': 3 })[v];
  if (rank(next.version) < rank(prev.version)) return 'DOWNGRADE';
  if (prev.counter !== null && next.counter !== null) {
    if (next.counter < prev.counter) return 'COUNTER_ROLLBACK';
    if (next.counter === prev.counter && next.digest !== prev.digest) return 'COUNTER_ROLLBACK';
  }
  if (prev.keyChecksums.some((c) => !next.keyChecksums.includes(c))) return 'KEY_CHECKSUM_REMOVED';
  return null;
}

const arbStep = fc.oneof(
  fc.record({ op: fc.constant('advance' as const), by: fc.nat({ max: 3 }), rotate: fc.boolean() }),
  fc.record({ op: fc.constant('rollback' as const), by: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ op: fc.constant('fork' as const) }),
  fc.record({ op: fc.constant('removeChecksum' as const), which: fc.nat() }),
  fc.record({
    op: fc.constant('downgrade' as const),
    to: fc.constantFrom<MetadataVersion>('1.0', '1.1', '1.2'),
  }),
  fc.record({
    op: fc.constant('version' as const),
    to: fc.constantFrom<MetadataVersion>('2.0', '2.1'),
  }),
);

describe('the high-water mark against a model', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sealfold-hw-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('E2EE-META-065 E2EE-META-066: random update sequences; state unchanged on every rejection; first sight reported', async () => {
    let run = 0;
    const outcomes = new Set<string>();
    await fc.assert(
      fc.asyncProperty(fc.array(arbStep, { minLength: 1, maxLength: 25 }), async (steps) => {
        const file = join(dir, `state-${run++}.json`);
        let store = new FileStateStore(file);
        let mark: FolderHighWater | undefined;
        let honest: FolderHighWater = state('2.0', 1, [1]);
        let sums = [1];
        let nextSum = 2;
        for (const [i, s] of steps.entries()) {
          let proposed: FolderHighWater;
          switch (s.op) {
            case 'advance':
              if (s.rotate) sums = [...sums, nextSum++];
              honest = state(honest.version, honest.counter! + s.by, sums);
              proposed = honest;
              break;
            case 'rollback':
              proposed = state(honest.version, Math.max(0, (mark?.counter ?? 0) - s.by), sums);
              break;
            case 'fork':
              proposed = state(honest.version, mark?.counter ?? 1, sums, sha256Hex(`fork${i}`));
              break;
            case 'removeChecksum': {
              const keep = sums.filter((_, j) => j !== s.which % sums.length);
              proposed = state(honest.version, (mark?.counter ?? 0) + 1, keep);
              break;
            }
            case 'downgrade':
              proposed = state(s.to, null, []);
              break;
            case 'version':
              honest = { ...honest, version: s.to };
              proposed = honest;
              break;
          }
          const expected = model(mark, proposed);
          outcomes.add(expected ?? 'accepted');
          const before = await store.get(highWaterKey('folder'));
          if (expected === null) {
            const r = await acceptFolderState(store, 'folder', proposed);
            expect(r.firstSight).toBe(mark === undefined);
            expect(r.mark).toEqual(proposed);
            mark = proposed;
          } else {
            await expect(acceptFolderState(store, 'folder', proposed)).rejects.toThrow(
              code(expected),
            );
            expect(await store.get(highWaterKey('folder'))).toEqual(before);
          }
          if (i % 5 === 4) store = new FileStateStore(file); // restart
          expect(await loadHighWater(store, 'folder')).toEqual(mark);
        }
      }),
      { numRuns: 60 },
    );
    expect([...outcomes].sort()).toEqual([
      'COUNTER_ROLLBACK',
      'DOWNGRADE',
      'KEY_CHECKSUM_REMOVED',
      'accepted',
    ]);
  });
});

describe('freshness with real documents', () => {
  it('E2EE-META-063 E2EE-META-062: re-reading the same document is accepted; an older one is not', async () => {
    const k = newMetadataKey();
    const a = encryptMetadata({ inner: nextInner(newInner()), metadataKey: k }).text;
    const read = (t: string) => decryptMetadata({ document: t, userId: 'u', rootMetadataKey: k });
    const store = new MemoryStateStore();
    await acceptFolderState(store, 'f', stateOf(read(a)));
    // same inner document, encrypted again with a fresh nonce: the digest is equal
    const again = encryptMetadata({ inner: read(a).inner, metadataKey: k }).text;
    expect((await acceptFolderState(store, 'f', stateOf(read(again)))).firstSight).toBe(false);
    const other = encryptMetadata({
      inner: { ...read(a).inner, folders: { x: 'X' } },
      metadataKey: k,
    }).text;
    await expect(acceptFolderState(store, 'f', stateOf(read(other)))).rejects.toThrow(
      code('COUNTER_ROLLBACK'),
    );
  });
});

describeFixtures('migration of a real 1.2 folder', () => {
  it(
    'migrate to 2.x; afterwards the 1.2 document is a DOWNGRADE',
    { meta: { requirements: ['E2EE-META-170', 'E2EE-META-171', 'E2EE-META-172', 'E2EE-SEC-031'] } },
    async () => {
      const fx = loadFixture('testdata-v12.json');
      const privateKey = new Uint8Array(
        createPrivateKey(fx.expect.privateKey.decryptedPem).export({
          type: 'pkcs8',
          format: 'der',
        }),
      );
      const doc = parseMetadataDocument(fx.data.metadata[0].document);
      if (doc.family !== 1) throw new Error('expected 1.2');
      const view = decryptLegacyMetadata({ document: doc, privateKey });
      const store = new MemoryStateStore();
      await acceptFolderState(store, 'e2e', stateOfLegacy(view));

      const newKey = newMetadataKey();
      const inner = migrateLegacyToV2({ view, newMetadataKey: newKey });
      expect(inner.keyChecksums).toEqual([sha256Hex(newKey)]);
      expect(inner.keyChecksums).not.toContain(sha256Hex(view.metadataKey));
      expect(inner.counter).toBeGreaterThanOrEqual(1);
      const folders = Object.entries(view.entries).filter(([, e]) => e.isFolder);
      const files = Object.entries(view.entries).filter(([, e]) => !e.isFolder);
      expect(Object.keys(inner.folders).sort()).toEqual(folders.map(([id]) => id).sort());
      for (const [id, e] of files) {
        expect(inner.files[id]).toEqual({
          filename: e.filename,
          mimetype: e.mimetype,
          key: e.key,
          nonce: e.initializationVector,
          authenticationTag: e.authenticationTag,
        });
      }
      // The migrated root is written as 2.x (there is no 1.x writer) and recorded as 2.x.
      const written = encryptMetadata({
        inner,
        metadataKey: newKey,
        users: [{ userId: 'admin', certificate: fx.data.users[0].certificatePem }],
      }).text;
      expect(parseMetadataDocument(written).family).toBe(2);
      const d = decryptMetadata({ document: written, userId: 'admin', privateKey });
      expect(Object.keys(d.inner.files).sort()).toEqual(files.map(([id]) => id).sort());
      expect((await acceptFolderState(store, 'e2e', stateOf(d))).mark.version).toBe('2.0');
      // A migrated sub-folder lists no checksums and is encrypted with the root's new key.
      expect(migrateLegacyToV2({ view }).keyChecksums).toEqual([]);
      await expect(acceptFolderState(store, 'e2e', stateOfLegacy(view))).rejects.toThrow(
        code('DOWNGRADE'),
      );
    },
  );
});
