/**
 * File-system helpers for the path-level file API: read a file in bounded chunks, and write a
 * stream to its destination atomically (a temporary file in the same folder, renamed only after
 * the whole stream ended without error; removed otherwise). This is how decryption keeps
 * unauthenticated plaintext away from the final destination (E2EE-FILE-007).
 *
 * @module
 */
import { createReadStream } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { SealfoldError } from '../errors/index.js';
import { CHUNK_SIZE } from './_params.js';

/** Turns a Node file-system error into a typed one (E2EE-SEC-001). */
export function fsError(e: unknown, what: string): never {
  if (e instanceof SealfoldError) throw e;
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT')
    throw new SealfoldError('NOT_FOUND', `${what}: no such file`, { cause: e });
  if (code === 'EEXIST') throw new SealfoldError('ALREADY_EXISTS', `${what}: exists`, { cause: e });
  throw new SealfoldError('INPUT_MALFORMED', `${what}: ${code ?? 'I/O error'}`, { cause: e });
}

/** Reads `path` in chunks of at most {@link CHUNK_SIZE} bytes. */
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

/**
 * Writes every chunk of `source` to a fresh temporary file beside `outPath` and renames it to
 * `outPath` only when `source` ended without error. On any error the temporary file is removed,
 * `outPath` is left as it was, and the error is rethrown.
 */
export async function writeAtomically(
  outPath: string,
  source: AsyncIterable<Uint8Array>,
): Promise<number> {
  const tmp = join(
    dirname(outPath),
    `.${basename(outPath)}.${randomBytes(6).toString('hex')}.sealfold-partial`,
  );
  let written = 0;
  const fh = await open(tmp, 'wx', 0o600).catch((e: unknown) =>
    fsError(e, `cannot create a temporary file beside ${basename(outPath)}`),
  );
  try {
    for await (const chunk of source) {
      let off = 0;
      while (off < chunk.length) {
        const { bytesWritten } = await fh.write(chunk, off, chunk.length - off);
        off += bytesWritten;
      }
      written += chunk.length;
    }
    await fh.close();
  } catch (e) {
    await fh.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    fsError(e, `cannot write ${basename(outPath)}`);
  }
  try {
    await rename(tmp, outPath);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    fsError(e, `cannot move the result to ${basename(outPath)}`);
  }
  return written;
}
