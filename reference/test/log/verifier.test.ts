/**
 * The client's log verification (E2EE-LOG-060, 061, 051, 022, 065), the witness decision
 * (E2EE-LOG-803..806, E2EE-LOG-053) and log pinning (E2EE-LOG-002), against an in-memory log.
 */
import { describe, expect, it } from 'vitest';
import { encodeLogEntry, type LogEntry } from '../../src/log/entry.js';
import { consistencyProof, leafHash, rootHash } from '../../src/log/merkle.js';
import { formatCheckpoint } from '../../src/log/checkpoint.js';
import { formatVerifierKey, noteSignerFromSeed, signNote } from '../../src/log/note.js';
import { cosignCheckpoint, cosignerFromSeed } from '../../src/log/cosignature.js';
import {
  advanceLog,
  checkDocumentLogged,
  checkKeyLogged,
  newLogTrust,
  type LogTrust,
} from '../../src/log/verifier.js';
import { addCheckpoint, latestCheckpoint, type WitnessState } from '../../src/log/witness.js';
import { checkLogCapability } from '../../src/log/pin.js';
import type { LogSource } from '../../src/log/source.js';
import { memoryLogTrustStore, transparencyLogWitness } from '../../src/log/fork-witness.js';
import { toBase64 } from '../../src/_internal/bytes.js';
import { code } from '../_support/codes.js';

const ORIGIN = 'sealfold.test/log';
const log = noteSignerFromSeed(ORIGIN, new Uint8Array(32).fill(1));
const w1 = cosignerFromSeed('witness.test/w1', new Uint8Array(32).fill(2));
const h = (c: string) => c.repeat(64);
const meta = (folderId: string, d: string, signer = 'alice'): LogEntry => ({
  kind: 'metadata',
  folderId,
  counter: 1,
  documentHash: h(d),
  signer,
});

/** A log as a (possibly lying) server serves it. */
function serverOf(entries: LogEntry[], extraSigs = ''): LogSource & { entries: Uint8Array[] } {
  const bytes = entries.map(encodeLogEntry);
  const s = {
    entries: bytes,
    async checkpoint() {
      const text = formatCheckpoint({
        origin: ORIGIN,
        size: s.entries.length,
        root: rootHash(s.entries.map(leafHash)),
      });
      return signNote(text, [log]) + extraSigs;
    },
    async bundle(n: number, width: number) {
      const part = s.entries.slice(n * 256, n * 256 + width);
      if (part.length !== width)
        throw Object.assign(new Error('404'), { code: 'LOG_INCONSISTENT' });
      return Buffer.concat(
        part.flatMap((b) => [Buffer.from([b.length >> 8, b.length & 255]), Buffer.from(b)]),
      );
    },
  };
  return s;
}

async function codeAsync(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'OK';
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
}

describe('E2EE-LOG-060 E2EE-LOG-022 advancing the verified log', () => {
  it('follows an honest, growing log and tracks the latest document and key', async () => {
    const src = serverOf([meta('1', 'a'), { kind: 'key', userId: 'bob', certificateHash: h('b') }]);
    let t = await advanceLog(newLogTrust(ORIGIN), { source: src, logKey: log.verifier });
    expect(t.size).toBe(2);
    src.entries.push(encodeLogEntry(meta('1', 'c')));
    t = await advanceLog(t, { source: src, logKey: log.verifier });
    expect(t.size).toBe(3);
    checkDocumentLogged(t, '1', h('c'), 'alice');
    expect(code(() => checkDocumentLogged(t, '1', h('a'), 'alice'))).toBe('LOG_ENTRY_SUPERSEDED');
    expect(code(() => checkDocumentLogged(t, '1', h('d'), 'alice'))).toBe('LOG_ENTRY_MISSING');
    expect(code(() => checkDocumentLogged(t, '1', h('c'), 'mallory'))).toBe('LOG_ENTRY_MISSING');
    expect(code(() => checkDocumentLogged(t, '2', h('c'), 'alice'))).toBe('LOG_ENTRY_MISSING');
    checkKeyLogged(t, 'bob', h('b'));
    expect(code(() => checkKeyLogged(t, 'bob', h('e')))).toBe('LOG_ENTRY_MISSING');
  });
  it('a rewritten history, a shrunk log and a checkpoint by another key are refused', async () => {
    const src = serverOf([meta('1', 'a'), meta('1', 'b')]);
    const t = await advanceLog(newLogTrust(ORIGIN), { source: src, logKey: log.verifier });
    // rewrite entry 1 and append: the new root cannot be reached from the stored range
    src.entries[1] = encodeLogEntry(meta('1', '7'));
    src.entries.push(encodeLogEntry(meta('1', '8')));
    expect(await codeAsync(advanceLog(t, { source: src, logKey: log.verifier }))).toBe(
      'LOG_INCONSISTENT',
    );
    // same size, other root
    const same = serverOf([meta('1', 'a'), meta('1', '9')]);
    expect(await codeAsync(advanceLog(t, { source: same, logKey: log.verifier }))).toBe(
      'LOG_INCONSISTENT',
    );
    // shrink
    const shorter = serverOf([meta('1', 'a')]);
    expect(await codeAsync(advanceLog(t, { source: shorter, logKey: log.verifier }))).toBe(
      'LOG_INCONSISTENT',
    );
    const other = noteSignerFromSeed(ORIGIN, new Uint8Array(32).fill(9));
    expect(await codeAsync(advanceLog(t, { source: serverOf([]), logKey: other.verifier }))).toBe(
      'LOG_SIGNATURE_INVALID',
    );
  });
  it('E2EE-LOG-051: a quorum of k trusted cosignatures is required', async () => {
    const src = serverOf([meta('1', 'a')]);
    const opts = {
      source: src,
      logKey: log.verifier,
      witnesses: [{ verifier: w1.verifier }],
      k: 1,
    };
    expect(await codeAsync(advanceLog(newLogTrust(ORIGIN), opts))).toBe('LOG_SIGNATURE_INVALID');
    const text = formatCheckpoint({
      origin: ORIGIN,
      size: 1,
      root: rootHash(src.entries.map(leafHash)),
    });
    const cosigned = serverOf([meta('1', 'a')], cosignCheckpoint(text, w1, 1_700_000_000));
    expect(await codeAsync(advanceLog(newLogTrust(ORIGIN), { ...opts, source: cosigned }))).toBe(
      'OK',
    );
  });
  it('E2EE-LOG-061: gossip — a witness that saw a longer branch makes a forked server fail', async () => {
    const honest = serverOf([meta('1', 'a'), meta('1', 'b')]);
    const text = formatCheckpoint({
      origin: ORIGIN,
      size: 2,
      root: rootHash(honest.entries.map(leafHash)),
    });
    const witnessNote = signNote(text, [log]) + cosignCheckpoint(text, w1, 1_700_000_000);
    const gossip = { verifier: w1.verifier, source: { latest: async () => witnessNote } };
    const forked = serverOf([meta('1', 'a')]); // the fork: the removal "b" is hidden
    expect(
      await codeAsync(
        advanceLog(newLogTrust(ORIGIN), {
          source: forked,
          logKey: log.verifier,
          witnesses: [gossip],
        }),
      ),
    ).toBe('LOG_INCONSISTENT');
    const t = await advanceLog(newLogTrust(ORIGIN), {
      source: honest,
      logKey: log.verifier,
      witnesses: [gossip],
    });
    expect(t.size).toBe(2);
  });
  it('E2EE-LOG-065: the fork witness stores the new state only when every head passed', async () => {
    const src = serverOf([meta('1', 'a')]);
    const store = memoryLogTrustStore();
    const fw = transparencyLogWitness({ source: src, logKey: log.verifier, store });
    const head = (d: string) => ({
      folderId: '1',
      mark: { version: '2.0' as const, counter: 1, keyChecksums: [], digest: null },
      documentHash: h(d),
    });
    await fw.witness([head('a')], 'read');
    expect(store.current?.size).toBe(1);
    src.entries.push(encodeLogEntry(meta('1', 'b')));
    expect(await codeAsync(fw.witness([head('a')], 'read'))).toBe('LOG_ENTRY_SUPERSEDED');
    expect(store.current?.size).toBe(1); // unchanged by the refused input
    expect(
      await codeAsync(
        fw.witness([head('b')], 'written', [{ userId: 'carol', certificateHash: h('c') }]),
      ),
    ).toBe('LOG_ENTRY_MISSING');
    expect(store.current?.size).toBe(1);
    await fw.witness([head('b')], 'written');
    expect(store.current?.size).toBe(2);
  });
});

describe('E2EE-LOG-053 witness add-checkpoint', () => {
  const entries = [meta('1', 'a'), meta('1', 'b'), meta('2', 'c')]
    .map(encodeLogEntry)
    .map(leafHash);
  const cp = (n: number, signer = log) =>
    signNote(formatCheckpoint({ origin: ORIGIN, size: n, root: rootHash(entries.slice(0, n)) }), [
      signer,
    ]);
  const body = (old: number, proof: Uint8Array[], note: string) =>
    new TextEncoder().encode(
      `old ${old}\n${proof.map((p) => `${toBase64(p)}\n`).join('')}\n${note}`,
    );
  const opts = { logs: [log.verifier], cosigner: w1, now: 1_700_000_000 };
  it('E2EE-LOG-804: E2EE-LOG-806: cosigns a first checkpoint, then only consistent extensions from the size it cosigned', () => {
    let state: WitnessState = {};
    let a = addCheckpoint(state, body(0, [], cp(1)), opts);
    expect(a.status).toBe(200);
    state = a.state;
    expect(latestCheckpoint(state, ORIGIN)).toContain('\n\u2014 witness.test/w1 ');
    a = addCheckpoint(state, body(1, consistencyProof(entries.slice(0, 3), 1), cp(3)), opts);
    expect(a.status).toBe(200);
    state = a.state;
    expect(state[ORIGIN]!.size).toBe(3);
    // a wrong old size: 409 with the size it has, as text/x.tlog.size
    a = addCheckpoint(state, body(1, consistencyProof(entries.slice(0, 3), 1), cp(3)), opts);
    expect([a.status, a.body, a.contentType]).toEqual([409, '3\n', 'text/x.tlog.size']);
  });
  it('E2EE-LOG-803: E2EE-LOG-804: E2EE-LOG-805: refuses an unknown origin (404), a bad log signature (403), old above size (400), a bad proof (422), and changes no state', () => {
    const state = addCheckpoint({}, body(0, [], cp(1)), opts).state;
    const other = noteSignerFromSeed('elsewhere.test/log', new Uint8Array(32).fill(5));
    const foreign = signNote(
      formatCheckpoint({ origin: 'elsewhere.test/log', size: 1, root: entries[0]! }),
      [other],
    );
    expect(addCheckpoint(state, body(0, [], foreign), opts).status).toBe(404);
    const forged = noteSignerFromSeed(ORIGIN, new Uint8Array(32).fill(6));
    const forgedNote = cp(3, forged).replace(/\u2014 \S+ \S+\n$/, (line) => line);
    // same name, other key: the key ID differs, so no trusted signature → 403
    expect(
      addCheckpoint(state, body(1, consistencyProof(entries, 1), forgedNote), opts).status,
    ).toBe(403);
    expect(addCheckpoint(state, body(4, [], cp(3)), opts).status).toBe(400);
    const bad = consistencyProof(entries, 1).map((p) => p.map((b) => b ^ 1));
    const r = addCheckpoint(state, body(1, bad, cp(3)), opts);
    expect(r.status).toBe(422);
    expect(r.state).toBe(state);
    // a fork of the cosigned tree at the same size: 422
    const forkRoot = rootHash([leafHash(encodeLogEntry(meta('9', 'f')))]);
    const fork = signNote(formatCheckpoint({ origin: ORIGIN, size: 1, root: forkRoot }), [log]);
    expect(addCheckpoint(state, body(1, [], fork), opts).status).toBe(422);
    expect(addCheckpoint({}, body(0, [entries[0]!], cp(1)), opts).status).toBe(422);
  });
});

describe('E2EE-LOG-002 pinning the log', () => {
  const cap = {
    origin: ORIGIN,
    'verifier-key': formatVerifierKey(log.verifier),
    path: '/sealfold-log',
  };
  it('pins at first contact, refuses another key or origin, and a vanished log is DOWNGRADE', () => {
    expect(checkLogCapability(undefined, undefined)).toBeNull();
    const pinned = checkLogCapability(undefined, cap)!;
    expect(checkLogCapability(pinned, cap)).toEqual(pinned);
    const other = noteSignerFromSeed(ORIGIN, new Uint8Array(32).fill(3));
    expect(
      code(() =>
        checkLogCapability(pinned, { ...cap, 'verifier-key': formatVerifierKey(other.verifier) }),
      ),
    ).toBe('LOG_SIGNATURE_INVALID');
    expect(code(() => checkLogCapability(pinned, undefined))).toBe('DOWNGRADE');
    expect(code(() => checkLogCapability(undefined, { ...cap, path: 'x' }))).toBe(
      'LOG_NOTE_MALFORMED',
    );
  });
});

void (null as unknown as LogTrust);
