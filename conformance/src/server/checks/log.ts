/**
 * Checks of the transparency log's server side (spec/21-transparency-log.md, profile
 * `server-log`): the capability, the entries of a certificate issuance and of a committed metadata
 * document, signed checkpoints under the advertised key, inclusion and consistency proofs, and a
 * log that stays append-only across users and time. Every proof, note and entry is checked with
 * the reference implementation (`reference/src/log`), independent of how the server builds them.
 *
 * @module
 */
import { fromBase64, sha256Hex, utf8 } from '../../../../reference/src/bytes/index.js';
import {
  decodeLogEntry,
  encodeLogEntry,
  leafHash,
  openCheckpoint,
  parseVerifierKey,
  rootHash,
  tileConsistencyProof,
  tileHashes,
  tileInclusionProof,
  tilePath,
  tileReader,
  tileTreeRoot,
  tilesOfTree,
  verifyConsistency,
  verifyInclusion,
  type LogEntry,
  type NoteVerifier,
  type SignedCheckpoint,
} from '../../../../reference/src/log/index.js';
import { CheckFailure, type Actor, type CheckContext, type ServerCheck } from '../check.js';
import {
  committedFolder,
  expectStatus,
  fakeSignature,
  lock,
  ocsData,
  readMetadata,
  seen,
  unlock,
  writeMetadata,
} from './_support.js';
import { ensureCertificate } from './keys.js';

/** Entries per bundle (c2sp.org/tlog-tiles). */
const TILE_WIDTH = 256;
/** At most this many proofs of each kind per check: bounds the run on a large log. */
const MAX_PROOFS = 24;

/** The log as the capability describes it. */
interface AdvertisedLog {
  origin: string;
  key: NoteVerifier;
  path: string;
}

/** Runs `fn`, turning a reference verifier's refusal into a check failure that names `what`. */
function refusedAs<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof CheckFailure) throw e;
    throw new CheckFailure(`${what}: ${(e as Error).message}`);
  }
}

/** {@link refusedAs} for an asynchronous `fn`. */
async function refusedAsync<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof CheckFailure) throw e;
    throw new CheckFailure(`${what}: ${(e as Error).message}`);
  }
}

/** Reads and validates the `transparency-log` capability (E2EE-LOG-001). */
async function advertisedLog(ctx: CheckContext, actor: Actor = 'alice'): Promise<AdvertisedLog> {
  const r = await ctx.request(actor, 'GET', '/ocs/v2.php/cloud/capabilities?format=json');
  expectStatus(r, 200, 'GET capabilities');
  const caps = (ocsData(r) as { capabilities?: Record<string, Record<string, unknown>> })
    ?.capabilities;
  const cap = caps?.['end-to-end-encryption']?.['transparency-log'] as
    Record<string, unknown> | undefined;
  const { origin, path } = cap ?? {};
  const vkey = cap?.['verifier-key'];
  if (typeof origin !== 'string' || typeof vkey !== 'string' || typeof path !== 'string')
    throw new CheckFailure('the capability does not advertise the transparency log', {
      expected: {
        'transparency-log': { origin: 'string', 'verifier-key': 'vkey', path: 'string' },
      },
      actual: cap ?? 'absent',
    });
  if (!path.startsWith('/') || path.includes('?'))
    throw new CheckFailure('the advertised log path is not an absolute path', { actual: path });
  const key = refusedAs('the advertised verifier key', () => parseVerifierKey(vkey));
  if (key.name !== origin)
    throw new CheckFailure('the verifier key is not named after the log origin', {
      expected: origin,
      actual: key.name,
    });
  return { origin, key, path };
}

/** The checkpoint `actor` is served, verified under the advertised key and origin. */
async function checkpoint(
  ctx: CheckContext,
  log: AdvertisedLog,
  actor: Actor,
): Promise<SignedCheckpoint> {
  const r = await ctx.request(actor, 'GET', `${log.path}/checkpoint`);
  expectStatus(r, 200, `GET checkpoint as ${actor}`);
  return refusedAs(`the checkpoint served to ${actor}`, () =>
    openCheckpoint(r.text(), log.key, log.origin),
  );
}

/** Base64 hashes, one per line, as the proof resources serve them. */
function proofHashes(text: string, what: string): Uint8Array[] {
  const lines = text.split('\n');
  if (lines.at(-1) !== '') throw new CheckFailure(`${what}: the last line has no newline`);
  return lines.slice(0, -1).map((l) => refusedAs(what, () => fromBase64(l, what)));
}

/** The entries 0 … size−1 from the entry bundles `actor` is served. */
async function readEntries(
  ctx: CheckContext,
  log: AdvertisedLog,
  actor: Actor,
  size: number,
): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (let n = 0; n * TILE_WIDTH < size; n++) {
    const width = Math.min(TILE_WIDTH, size - n * TILE_WIDTH);
    const digits = String(n).padStart(3 * Math.max(1, Math.ceil(String(n).length / 3)), '0');
    const parts = digits.match(/.{3}/g)!.map((d, i, all) => (i < all.length - 1 ? `x${d}` : d));
    const tile = `${log.path}/tile/entries/${parts.join('/')}${width < TILE_WIDTH ? `.p/${width}` : ''}`;
    const r = await ctx.request(actor, 'GET', tile);
    expectStatus(r, 200, `GET entry bundle ${n}`);
    const b = r.body;
    let at = 0;
    for (let i = 0; i < width; i++) {
      if (at + 2 > b.length)
        throw new CheckFailure(`entry bundle ${n} is short of ${width} entries`);
      const len = (b[at]! << 8) | b[at + 1]!;
      if (at + 2 + len > b.length) throw new CheckFailure(`entry bundle ${n} is truncated`);
      out.push(b.slice(at + 2, at + 2 + len));
      at += 2 + len;
    }
    if (at !== b.length)
      throw new CheckFailure(`entry bundle ${n} has bytes after its ${width} entries`);
  }
  return out;
}

/** At most MAX_PROOFS indices of 0 … n−1, always the first and the last. */
function sample(n: number): number[] {
  if (n <= MAX_PROOFS) return [...Array(n).keys()];
  const step = (n - 1) / (MAX_PROOFS - 1);
  return [...new Set([...Array(MAX_PROOFS).keys()].map((i) => Math.round(i * step)))];
}

/** The served consistency proof from `old` to `cp`, verified against `oldRoot`. */
async function expectConsistent(
  ctx: CheckContext,
  log: AdvertisedLog,
  actor: Actor,
  old: { size: number; root: Uint8Array },
  cp: { size: number; root: Uint8Array },
  what: string,
): Promise<void> {
  if (cp.size < old.size)
    throw new CheckFailure(`${what}: the log shrank`, {
      expected: `≥ ${old.size}`,
      actual: cp.size,
    });
  if (old.size === 0) return; // every tree extends the empty one
  const r = await ctx.request(
    actor,
    'GET',
    `${log.path}/proof/consistency?old=${old.size}&size=${cp.size}`,
  );
  expectStatus(r, 200, `GET consistency proof ${old.size} → ${cp.size} as ${actor}`);
  const proof = proofHashes(r.text(), 'consistency proof');
  refusedAs(what, () => verifyConsistency(old.size, cp.size, proof, old.root, cp.root));
}

/** A small committed document whose hash is unique to this test. */
function uniqueDocument(ctx: CheckContext, label: string): string {
  return JSON.stringify({
    metadata: { authenticationTag: 'x', ciphertext: `${label}-${ctx.seed}`, nonce: 'z' },
    version: '2.0',
  });
}

const capabilityAdvertised: ServerCheck = {
  id: 'log/capability-advertised',
  title:
    'The capability advertises the log: origin, verifier key and path that serve its checkpoint',
  requirements: ['E2EE-LOG-001'],
  level: 'MUST',
  importance: 'high',
  profiles: ['server-log'],
  async run(ctx) {
    const log = await advertisedLog(ctx);
    const cp = await checkpoint(ctx, log, 'alice');
    ctx.note(`log ${log.origin}, key id ${log.key.keyId.toString(16)}, size ${cp.size}`);
  },
};

const changesLogged: ServerCheck = {
  id: 'log/changes-logged',
  title:
    'A certificate issuance and a committed metadata document are entries with exactly the listed fields, in the next checkpoint',
  requirements: ['E2EE-LOG-003', 'E2EE-LOG-006', 'E2EE-LOG-031'],
  level: 'MUST',
  importance: 'critical',
  profiles: ['server-log'],
  async run(ctx) {
    const log = await advertisedLog(ctx);
    const pem = await ensureCertificate(ctx, 'alice');
    const der = fromBase64(pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''), 'cert');
    // A new folder's first commit (the server stores no counter with it: 0), then an update
    // under a lock with counter 2, which the server stores with the second document.
    const f = await committedFolder(ctx, 'alice', 'log-commit', uniqueDocument(ctx, 'first'));
    const first = await readMetadata(ctx, 'alice', f.id);
    const token = await lock(ctx, 'alice', f.id, 2);
    const update = uniqueDocument(ctx, 'second');
    const sig = fakeSignature(ctx.seed, 'log-commit-2');
    expectStatus(await writeMetadata(ctx, 'alice', 'PUT', f.id, token, update, sig), 200, 'PUT');
    expectStatus(await unlock(ctx, 'alice', f.id, token), 200, 'unlock (commit the update)');
    // E2EE-LOG-031: the checkpoint read right after the commit already includes its entry.
    const cp = await checkpoint(ctx, log, 'alice');
    const second = await readMetadata(ctx, 'alice', f.id);
    const metadata = (counter: number, doc: string): LogEntry => ({
      kind: 'metadata',
      folderId: String(f.id),
      counter,
      documentHash: sha256Hex(utf8(doc)),
      signer: ctx.userId('alice'),
    });
    const want: LogEntry[] = [
      { kind: 'key', userId: ctx.userId('alice'), certificateHash: sha256Hex(der) },
      metadata(0, first.doc),
      metadata(2, second.doc),
    ];
    const entries = await readEntries(ctx, log, 'alice', cp.size);
    // E2EE-LOG-006: every entry re-encodes to its own bytes, so it has no field beyond the list.
    for (const [i, e] of entries.entries()) refusedAs(`entry ${i}`, () => decodeLogEntry(e));
    const have = new Set(entries.map((e) => Buffer.from(e).toString('hex')));
    for (const w of want) {
      const bytes = encodeLogEntry(w);
      if (!have.has(Buffer.from(bytes).toString('hex')))
        throw new CheckFailure(`no ${w.kind} entry with exactly the listed fields`, {
          expected: new TextDecoder().decode(bytes),
          // The entries about the same user or folder, if any: they show which field differs.
          actual: entries
            .map((e) => new TextDecoder().decode(e))
            .filter((e) =>
              e.includes(w.kind === 'key' ? `user ${w.userId}\n` : `folder ${w.folderId}\n`),
            ),
        });
    }
  },
};

const proofsVerify: ServerCheck = {
  id: 'log/proofs-verify',
  title:
    'Entry bundles, inclusion and consistency proofs verify against the signed checkpoint; 404 beyond it, 400 when malformed',
  requirements: ['E2EE-LOG-030'],
  level: 'MUST',
  importance: 'high',
  profiles: ['server-log'],
  async run(ctx) {
    const log = await advertisedLog(ctx);
    // Two commits, so that the tree has at least two leaves and proofs are not empty.
    await committedFolder(ctx, 'alice', 'log-proof-1', uniqueDocument(ctx, 'proof-1'));
    await committedFolder(ctx, 'alice', 'log-proof-2', uniqueDocument(ctx, 'proof-2'));
    const cp = await checkpoint(ctx, log, 'alice');
    const leaves = (await readEntries(ctx, log, 'alice', cp.size)).map((e) => leafHash(e));
    if (Buffer.compare(rootHash(leaves), cp.root) !== 0)
      throw new CheckFailure('the entry bundles do not hash to the checkpoint root');
    for (const i of sample(cp.size)) {
      const r = await ctx.request(
        'alice',
        'GET',
        `${log.path}/proof/inclusion?size=${cp.size}&index=${i}`,
      );
      expectStatus(r, 200, `GET inclusion proof of entry ${i}`);
      const proof = proofHashes(r.text(), 'inclusion proof');
      refusedAs(`inclusion proof of entry ${i} in size ${cp.size}`, () =>
        verifyInclusion(i, cp.size, leaves[i]!, proof, cp.root),
      );
    }
    for (const m of sample(cp.size).map((i) => i + 1)) {
      const old = { size: m, root: rootHash(leaves.slice(0, m)) };
      await expectConsistent(ctx, log, 'alice', old, cp, `consistency proof ${m} → ${cp.size}`);
    }
    const refusals: [string, number][] = [
      [`proof/inclusion?size=${cp.size + 1}&index=0`, 404],
      [`proof/inclusion?size=${cp.size}&index=${cp.size}`, 404],
      [`proof/consistency?old=1&size=${cp.size + 1}`, 404],
      [`tile/entries/${String(Math.floor(cp.size / TILE_WIDTH) + 1).padStart(3, '0')}.p/1`, 404],
      ['proof/inclusion?size=x&index=0', 400],
      ['proof/consistency?old=0&size=1', 400],
    ];
    for (const [path, status] of refusals) {
      const r = await ctx.request('alice', 'GET', `${log.path}/${path}`);
      if (r.status !== status)
        throw new CheckFailure(`GET ${path} is not refused`, { expected: status, actual: seen(r) });
    }
  },
};

const appendOnly: ServerCheck = {
  id: 'log/append-only',
  title:
    'Checkpoints shown to two users over time are signed and each extends the one before (no fork)',
  requirements: ['E2EE-LOG-023'],
  level: 'MUST NOT',
  importance: 'critical',
  profiles: ['server-log'],
  async run(ctx) {
    const log = await advertisedLog(ctx);
    const first = await checkpoint(ctx, log, 'alice');
    await committedFolder(ctx, 'alice', 'log-fork-a', uniqueDocument(ctx, 'fork-a'));
    await committedFolder(ctx, 'bob', 'log-fork-b', uniqueDocument(ctx, 'fork-b'));
    const seenByAlice = await checkpoint(ctx, log, 'alice');
    const seenByBob = await checkpoint(ctx, log, 'bob');
    await expectConsistent(ctx, log, 'alice', first, seenByAlice, "alice's later checkpoint");
    // Bob's checkpoint was fetched after alice's: it must extend hers, proved by bob's own view.
    await expectConsistent(
      ctx,
      log,
      'bob',
      seenByAlice,
      seenByBob,
      "bob's checkpoint after alice's",
    );
    const again = await checkpoint(ctx, log, 'alice');
    await expectConsistent(ctx, log, 'alice', seenByBob, again, "alice's checkpoint after bob's");
    ctx.note(`sizes ${first.size} → ${seenByAlice.size} → ${seenByBob.size} → ${again.size}`);
  },
};

const tilesVerify: ServerCheck = {
  id: 'log/tiles-verify',
  title:
    'Every hash tile of the served tree holds the hashes of the entry bundles, and proofs computed from tiles verify; 404 beyond, 400 when malformed',
  requirements: ['E2EE-LOG-120', 'E2EE-CONF-650'],
  level: 'MUST',
  importance: 'high',
  profiles: ['server-log'],
  async run(ctx) {
    const log = await advertisedLog(ctx);
    await committedFolder(ctx, 'alice', 'log-tiles-1', uniqueDocument(ctx, 'tiles-1'));
    await committedFolder(ctx, 'alice', 'log-tiles-2', uniqueDocument(ctx, 'tiles-2'));
    const cp = await checkpoint(ctx, log, 'alice');
    const leaves = (await readEntries(ctx, log, 'alice', cp.size)).map((e) => leafHash(e));
    if (Buffer.compare(rootHash(leaves), cp.root) !== 0)
      throw new CheckFailure('the entry bundles do not hash to the checkpoint root');
    const served = new Map<string, Uint8Array>();
    const fetchTile = async (level: number, index: number, width: number) => {
      const path = tilePath({ level, index, width });
      let bytes = served.get(path);
      if (bytes === undefined) {
        const r = await ctx.request('alice', 'GET', `${log.path}/${path}`);
        expectStatus(r, 200, `GET ${path}`);
        served.set(path, (bytes = r.body));
      }
      return bytes;
    };
    // E2EE-CONF-650: each tile against the entries, independent of how the proofs use it.
    for (const t of tilesOfTree(cp.size)) {
      const want = tileHashes(leaves, t);
      const have = await fetchTile(t.level, t.index, t.width);
      if (Buffer.compare(Buffer.from(want), Buffer.from(have)) !== 0) {
        const at = [...want].findIndex((b, i) => have[i] !== b);
        throw new CheckFailure(`${tilePath(t)} differs from the hashes of the entry bundles`, {
          expected: `${want.length} bytes`,
          actual: `${have.length} bytes, first difference in hash ${Math.floor((at < 0 ? have.length : at) / 32)}`,
        });
      }
    }
    // Proofs computed from the tiles alone verify against the signed root (E2EE-LOG-121).
    const reader = tileReader(fetchTile);
    const root = await refusedAsync('the root from tiles', () => tileTreeRoot(reader, cp.size));
    if (Buffer.compare(Buffer.from(root), cp.root) !== 0)
      throw new CheckFailure('the tiles do not hash to the checkpoint root');
    for (const i of sample(cp.size)) {
      await refusedAsync(`inclusion proof of entry ${i} from tiles`, () =>
        tileInclusionProof(reader, cp.size, i, leaves[i]!, cp.root),
      );
      const old = { size: i + 1, root: rootHash(leaves.slice(0, i + 1)) };
      await refusedAsync(`consistency proof ${old.size} → ${cp.size} from tiles`, () =>
        tileConsistencyProof(reader, old.size, cp.size, old.root, cp.root),
      );
    }
    const refusals: [string, number][] = [
      [tilePath({ level: 0, index: Math.floor(cp.size / 256) + 1, width: 1 }), 404],
      [tilePath({ level: 0, index: 0, width: 256 }), cp.size >= 256 ? 200 : 404],
      ['tile/01/000', 400],
      ['tile/0/x000/000.p/1', 400],
      ['tile/0/000.p/0', 400],
    ];
    for (const [path, status] of refusals) {
      const r = await ctx.request('alice', 'GET', `${log.path}/${path}`);
      if (r.status !== status)
        throw new CheckFailure(`GET ${path} is not answered ${status}`, {
          expected: status,
          actual: seen(r),
        });
    }
  },
};

export const LOG_CHECKS: readonly ServerCheck[] = [
  capabilityAdvertised,
  changesLogged,
  proofsVerify,
  appendOnly,
  tilesVerify,
];
