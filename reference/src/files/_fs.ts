/**
 * File-system helpers for the path-level file API: read a file in bounded chunks, and write a
 * stream to its destination atomically (a temporary file in the same folder, renamed only after
 * the whole stream ended without error; removed otherwise). This is how decryption keeps
 * unauthenticated plaintext away from the final destination (E2EE-FILE-801).
 *
 * Memory (E2EE-FILE-011): the path-level functions read into two buffers of {@link CHUNK_SIZE}
 * that are used in turn (the next read runs while the current chunk is processed) and keep one
 * write in flight with a bounded queue behind it, so the only per-chunk allocation left is
 * node:crypto's output. No async generators sit between reading and writing: each layer would
 * add promise round trips per chunk.
 *
 * @module
 */
import { createReadStream } from 'node:fs';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { SealfoldError } from '../errors/index.js';
import { CHUNK_SIZE } from './_params.js';

const ignore = () => undefined;

/** Turns a Node file-system error into a typed one (E2EE-SEC-001). */
export function fsError(e: unknown, what: string): never {
  if (e instanceof SealfoldError) throw e;
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT')
    throw new SealfoldError('NOT_FOUND', `${what}: no such file`, { cause: e });
  if (code === 'EEXIST') throw new SealfoldError('ALREADY_EXISTS', `${what}: exists`, { cause: e });
  throw new SealfoldError('INPUT_MALFORMED', `${what}: ${code ?? 'I/O error'}`, { cause: e });
}

/**
 * Reads `path` in fresh chunks of at most {@link CHUNK_SIZE} bytes (each chunk is a new buffer
 * the caller may keep). A byte source for APIs that take one, such as `reencryptFolder`.
 */
export async function* readChunks(path: string): AsyncGenerator<Uint8Array> {
  const stream = createReadStream(path, { highWaterMark: CHUNK_SIZE });
  try {
    for await (const chunk of stream) yield chunk as Buffer;
  } catch (e) {
    fsError(e, `cannot read ${basename(path)}`);
  } finally {
    stream.destroy();
  }
}

/** Opens `path` for reading, with typed errors. */
export async function openForReading(path: string): Promise<FileHandle> {
  return open(path, 'r').catch((e: unknown) => fsError(e, `cannot read ${basename(path)}`));
}

/** Reads exactly `into.length` bytes at `position`; fewer bytes in the file is an error. */
export async function readExactly(
  fh: FileHandle,
  into: Uint8Array,
  position: number,
  name: string,
): Promise<void> {
  let off = 0;
  while (off < into.length) {
    const { bytesRead } = await fh
      .read(into, off, into.length - off, position + off)
      .catch((e: unknown) => fsError(e, `cannot read ${name}`));
    if (bytesRead === 0) {
      throw new SealfoldError('INPUT_MALFORMED', `cannot read ${name}: it changed while reading`);
    }
    off += bytesRead;
  }
}

/** What {@link readEach} calls for every chunk; a returned promise is awaited before reading on. */
export type ChunkHandler = (chunk: Uint8Array) => Promise<void> | undefined;

/**
 * Reads the bytes of `fh` from 0 up to `end` (or to the end of the file) in chunks of at most
 * {@link CHUNK_SIZE} and hands each to `onChunk`. **The chunks are views of two reused
 * buffers**: a chunk is valid only during the call, so `onChunk` must use it (or copy it) right
 * away — node:crypto's `update` does. The next read is started before `onChunk` runs, so reading
 * overlaps the consumer's work.
 */
export async function readEach(
  fh: FileHandle,
  name: string,
  end: number,
  onChunk: ChunkHandler,
): Promise<void> {
  const buffers = [new Uint8Array(CHUNK_SIZE), new Uint8Array(CHUNK_SIZE)] as const;
  let position = 0;
  let turn = 0;
  const next = () => {
    const buf = buffers[turn]!;
    turn ^= 1;
    const p = fh.read(buf, 0, Math.min(buf.length, end - position), position);
    p.catch(ignore); // awaited below; this only keeps an early rejection from being "unhandled"
    return { buf, p };
  };
  let pending = position < end ? next() : undefined;
  try {
    while (pending !== undefined) {
      const { bytesRead } = await pending.p.catch((e: unknown) =>
        fsError(e, `cannot read ${name}`),
      );
      if (bytesRead === 0) break;
      const chunk = pending.buf.subarray(0, bytesRead);
      position += bytesRead;
      pending = position < end ? next() : undefined;
      const wait = onChunk(chunk);
      if (wait !== undefined) await wait;
    }
  } finally {
    await pending?.p.catch(ignore);
  }
}

/** At most this many bytes wait for the write in flight; they are written together. */
const WRITE_BATCH = 16 * CHUNK_SIZE;

/** Writes all of `chunks` with `writev` (the file handle may write less than asked). */
async function writeAll(fh: FileHandle, chunks: Uint8Array[]): Promise<void> {
  let rest = chunks;
  while (rest.length > 0) {
    let { bytesWritten } = await fh.writev(rest);
    while (rest.length > 0 && bytesWritten >= rest[0]!.length) {
      bytesWritten -= rest[0]!.length;
      rest = rest.slice(1);
    }
    if (bytesWritten > 0) rest = [rest[0]!.subarray(bytesWritten), ...rest.slice(1)];
  }
}

/**
 * Queues `chunk` for writing. Returns a promise only when the caller must wait (the queue is
 * full, or an earlier write failed); otherwise undefined, so a hot loop pays no extra `await`.
 */
export type ChunkWriter = (chunk: Uint8Array) => Promise<void> | undefined;

/**
 * Creates a fresh temporary file beside `outPath`, lets `produce` write to it, and renames it to
 * `outPath` only when `produce` resolved and every byte was written. On any error the temporary
 * file is removed, `outPath` is left as it was, and the error is rethrown.
 *
 * Writing overlaps producing: one write is in flight while `produce` makes the next chunks,
 * which are queued (up to {@link WRITE_BATCH} bytes) and written together in one `writev` as
 * soon as it completes. So a chunk must not be changed after it was passed to the writer
 * (node:crypto's output buffers are fresh for every call).
 *
 * @returns the number of bytes written.
 */
export async function writeAtomically(
  outPath: string,
  produce: (write: ChunkWriter) => Promise<void>,
): Promise<number> {
  const tmp = join(
    dirname(outPath),
    `.${basename(outPath)}.${randomBytes(6).toString('hex')}.sealfold-partial`,
  );
  const fh = await open(tmp, 'wx', 0o600).catch((e: unknown) =>
    fsError(e, `cannot create a temporary file beside ${basename(outPath)}`),
  );
  let written = 0;
  let queue: Uint8Array[] = [];
  let queued = 0;
  let inflight: Promise<void> | undefined;
  let failed: { error: unknown } | undefined;
  const start = () => {
    const chunks = queue;
    queue = [];
    queued = 0;
    inflight = writeAll(fh, chunks).then(
      () => {
        inflight = undefined;
        if (queue.length > 0 && failed === undefined) start();
      },
      (error: unknown) => {
        failed ??= { error };
        inflight = undefined;
      },
    );
  };
  const write: ChunkWriter = (chunk) => {
    if (failed !== undefined) return Promise.reject(failed.error);
    if (chunk.length === 0) return undefined;
    queue.push(chunk);
    queued += chunk.length;
    written += chunk.length;
    if (inflight === undefined) start();
    else if (queued >= WRITE_BATCH) return inflight; // resolves once the queue went out
    return undefined;
  };
  try {
    await produce(write);
    while (inflight !== undefined) await inflight;
    if (failed !== undefined) throw failed.error;
    await fh.close();
  } catch (e) {
    while (inflight !== undefined) await inflight;
    await fh.close().catch(ignore);
    await unlink(tmp).catch(ignore);
    fsError(e, `cannot write ${basename(outPath)}`);
  }
  try {
    await rename(tmp, outPath);
  } catch (e) {
    await unlink(tmp).catch(ignore);
    fsError(e, `cannot move the result to ${basename(outPath)}`);
  }
  return written;
}
