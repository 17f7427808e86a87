/**
 * File persistence for the store: an append-only journal plus a periodic snapshot, in
 * `<dataDir>/state/`.
 *
 * - `journal.jsonl`: one line per committed transaction, `{"seq":N,"ops":[…]}`. A line is
 *   written and fsync'ed before `transact` returns, so an acknowledged change survives `kill -9`
 *   and power loss (E2EE-API-090).
 * - `snapshot.json`: the whole state at transaction `seq`, written to a temporary file, fsync'ed,
 *   renamed over the old one, and the directory fsync'ed. After a snapshot the journal is
 *   truncated. Replay skips journal lines with `seq` ≤ the snapshot's, so a crash between the
 *   rename and the truncation loses nothing and applies nothing twice.
 * - A torn last line (a crash during the append, never acknowledged) is dropped on load and cut
 *   off the file. A bad line followed by good ones is corruption: loading fails with a clear
 *   message instead of guessing.
 *
 * @module
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Op } from './store.js';
import type { Durability, StateImage } from './memory.js';
import { MemoryStore } from './memory.js';
import { decodeJson, encodeJson } from './codec.js';
import { TABLES } from './types.js';

/** Default journal size after which a snapshot is written and the journal truncated. */
export const COMPACT_BYTES = 16 * 1024 * 1024;

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes `text` to `path` atomically: temp file, fsync, rename, fsync of the directory. */
export function writeFileAtomic(path: string, text: string | Uint8Array, mode = 0o600): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w', mode);
  try {
    writeSync(fd, typeof text === 'string' ? Buffer.from(text, 'utf8') : text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  fsyncDir(join(path, '..'));
}

function applyOps(image: StateImage, ops: readonly Op[]): void {
  for (const op of ops) {
    if ('reset' in op) {
      for (const t of TABLES) image.tables[t] = {};
      continue;
    }
    const table = ((image.tables as Record<string, Record<string, unknown>>)[op.t] ??= {});
    if ('d' in op) delete table[op.k];
    else table[op.k] = op.v;
  }
}

function loadImage(dir: string): { image: StateImage; validBytes: number } {
  const snapPath = join(dir, 'snapshot.json');
  const image: StateImage = existsSync(snapPath)
    ? (decodeJson(readFileSync(snapPath, 'utf8')) as StateImage)
    : { seq: 0, tables: {} };
  const journalPath = join(dir, 'journal.jsonl');
  if (!existsSync(journalPath)) return { image, validBytes: 0 };
  const buf = readFileSync(journalPath);
  let off = 0;
  while (off < buf.length) {
    const nl = buf.indexOf(0x0a, off);
    if (nl < 0) break; // torn tail: never acknowledged
    let entry: { seq: number; ops: Op[] };
    try {
      entry = decodeJson(buf.subarray(off, nl).toString('utf8')) as { seq: number; ops: Op[] };
      if (typeof entry.seq !== 'number' || !Array.isArray(entry.ops)) throw new Error('shape');
    } catch {
      if (nl + 1 >= buf.length) break; // torn final line: never acknowledged
      throw new Error(`state journal ${journalPath} is corrupt at byte ${off}; refusing to start`);
    }
    if (entry.seq > image.seq) {
      if (entry.seq !== image.seq + 1)
        throw new Error(`state journal ${journalPath} skips from ${image.seq} to ${entry.seq}`);
      applyOps(image, entry.ops);
      image.seq = entry.seq;
    }
    off = nl + 1;
  }
  return { image, validBytes: off };
}

class FileJournal implements Durability {
  readonly #dir: string;
  readonly #compactBytes: number;
  #fd: number;
  #size: number;

  constructor(dir: string, validBytes: number, compactBytes: number) {
    this.#dir = dir;
    this.#compactBytes = compactBytes;
    this.#fd = openSync(join(dir, 'journal.jsonl'), 'a+', 0o600);
    ftruncateSync(this.#fd, validBytes);
    fsyncSync(this.#fd);
    fsyncDir(dir);
    this.#size = validBytes;
  }

  commit(seq: number, ops: readonly Op[], image: () => StateImage): void {
    const line = Buffer.from(encodeJson({ seq, ops }) + '\n', 'utf8');
    writeSync(this.#fd, line);
    fsyncSync(this.#fd);
    this.#size += line.length;
    if (this.#size > this.#compactBytes) this.#snapshot(image());
  }

  #snapshot(image: StateImage): void {
    writeFileAtomic(join(this.#dir, 'snapshot.json'), encodeJson(image));
    ftruncateSync(this.#fd, 0);
    fsyncSync(this.#fd);
    this.#size = 0;
  }

  close(image: StateImage): void {
    this.#snapshot(image);
    closeSync(this.#fd);
  }
}

/**
 * Opens the store: in memory when `dataDir` is null, otherwise loaded from and journaled to
 * `<dataDir>/state/`.
 *
 * @throws Error when the journal is corrupt (not merely torn at the end).
 */
export function openStore(
  dataDir: string | null,
  opts: { compactBytes?: number } = {},
): MemoryStore {
  if (dataDir === null) return new MemoryStore();
  const dir = join(dataDir, 'state');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { image, validBytes } = loadImage(dir);
  return new MemoryStore({
    image,
    durability: new FileJournal(dir, validBytes, opts.compactBytes ?? COMPACT_BYTES),
  });
}
