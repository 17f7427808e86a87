/**
 * Benchmark section: in-memory throughput of the reference's streaming API
 * (`encryptFileStream`, `decryptFileStream`) against raw node:crypto AES-128-GCM over the very
 * same chunks, in the same process and run, so the ratio is meaningful on any machine.
 *
 * The baseline is the tightest node:crypto streaming loop: one `update()` per chunk, nothing
 * else (no async iteration, no checks). Both sides get the same chunk size (the reference's
 * `CHUNK_SIZE`) and the same chunk arrays. Each side runs once untimed (warm-up), then the sides
 * alternate, the order flipping every round, and the median of the rounds is reported.
 *
 * @module
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { decryptFileStream, encryptFileStream } from '../reference/src/files/index.js';
import { CHUNK_SIZE } from '../reference/src/files/index.js';

const MIB = 1024 * 1024;

export interface Throughput {
  sealfoldMiBs: number;
  rawMiBs: number;
  /** Median of the per-round ratios sealfold / raw. */
  ratio: number;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Runs `a` and `b` once untimed, then `rounds` times alternating; returns the times in ms. */
export async function alternate(
  a: () => Promise<unknown>,
  b: () => Promise<unknown>,
  rounds: number,
): Promise<{ a: number[]; b: number[] }> {
  const out = { a: [] as number[], b: [] as number[] };
  await a();
  await b();
  const time = async (fn: () => Promise<unknown>) => {
    const t = performance.now();
    await fn();
    return performance.now() - t;
  };
  for (let i = 0; i < rounds; i++) {
    if (i % 2 === 0) {
      out.a.push(await time(a));
      out.b.push(await time(b));
    } else {
      out.b.push(await time(b));
      out.a.push(await time(a));
    }
  }
  return out;
}

function summarize(sizeMiB: number, t: { a: number[]; b: number[] }): Throughput {
  const mibs = (ms: number) => sizeMiB / (ms / 1000);
  return {
    sealfoldMiBs: mibs(median(t.a)),
    rawMiBs: mibs(median(t.b)),
    ratio: median(t.a.map((ms, i) => t.b[i]! / ms)),
  };
}

/**
 * Measures encryption and decryption of `sizeMiB` MiB held in memory as `CHUNK_SIZE` chunks,
 * median of `rounds` alternating rounds.
 */
export async function measureThroughput(
  sizeMiB: number,
  rounds: number,
): Promise<{ chunkSize: number; encrypt: Throughput; decrypt: Throughput }> {
  const plaintext = Array.from(
    { length: (sizeMiB * MIB) / CHUNK_SIZE },
    () => new Uint8Array(randomBytes(CHUNK_SIZE)),
  );

  // The body for the decryption runs: ciphertext in the same chunking, the tag as last chunk.
  const enc = encryptFileStream(plaintext);
  const body: Uint8Array[] = [];
  for await (const c of enc) body.push(c);
  const params = enc.result();
  const ciphertext = body.slice(0, -1);

  const encrypt = await alternate(
    async () => {
      for await (const c of encryptFileStream(plaintext)) void c;
    },
    async () => {
      const c = createCipheriv('aes-128-gcm', params.key, params.nonce, { authTagLength: 16 });
      for (const p of plaintext) c.update(p);
      c.final();
      c.getAuthTag();
    },
    rounds,
  );
  const decrypt = await alternate(
    async () => {
      for await (const c of decryptFileStream(body, params)) void c;
    },
    async () => {
      const d = createDecipheriv('aes-128-gcm', params.key, params.nonce, { authTagLength: 16 });
      d.setAuthTag(params.tag);
      for (const c of ciphertext) d.update(c);
      d.final();
    },
    rounds,
  );
  return {
    chunkSize: CHUNK_SIZE,
    encrypt: summarize(sizeMiB, encrypt),
    decrypt: summarize(sizeMiB, decrypt),
  };
}
