/**
 * Benchmark section: file-payload encryption and decryption throughput of the reference's
 * streaming API against raw node:crypto AES-128-GCM streaming over the same chunks, measured in
 * the same process and run (so the ratio is meaningful on any machine).
 *
 * @module
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { decryptFileStream, encryptFileStream } from '../reference/src/files/index.js';

const MIB = 1024 * 1024;
const CHUNK = MIB;

export interface Throughput {
  sealfoldMiBs: number;
  rawMiBs: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function timeIt(fn: () => Promise<void> | void, repeats: number): Promise<number> {
  const ms: number[] = [];
  await fn(); // warm-up, untimed
  for (let i = 0; i < repeats; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  return median(ms);
}

/** Measures encryption and decryption over `sizeMiB` MiB in 1 MiB chunks, median of `repeats`. */
export async function measureThroughput(
  sizeMiB: number,
  repeats: number,
): Promise<{ encrypt: Throughput; decrypt: Throughput }> {
  const plaintext = Array.from({ length: sizeMiB }, () => new Uint8Array(randomBytes(CHUNK)));
  const key = new Uint8Array(randomBytes(16));
  const nonce = new Uint8Array(randomBytes(12));

  // Ciphertext body for the decryption runs, in the same 1 MiB chunking (tag as last chunk).
  const enc = encryptFileStream(plaintext);
  const body: Uint8Array[] = [];
  for await (const c of enc) body.push(c);
  const params = enc.result();
  const ctChunks = body.slice(0, -1);
  const tag = body[body.length - 1]!;

  const rawEncMs = await timeIt(() => {
    const c = createCipheriv('aes-128-gcm', key, nonce, { authTagLength: 16 });
    for (const p of plaintext) c.update(p);
    c.final();
    c.getAuthTag();
  }, repeats);
  const sfEncMs = await timeIt(async () => {
    for await (const c of encryptFileStream(plaintext)) void c;
  }, repeats);
  const rawDecMs = await timeIt(() => {
    const d = createDecipheriv('aes-128-gcm', params.key, params.nonce, { authTagLength: 16 });
    for (const c of ctChunks) d.update(c);
    d.setAuthTag(tag);
    d.final();
  }, repeats);
  const sfDecMs = await timeIt(async () => {
    for await (const c of decryptFileStream(body, params)) void c;
  }, repeats);

  const mibs = (ms: number) => sizeMiB / (ms / 1000);
  return {
    encrypt: { sealfoldMiBs: mibs(sfEncMs), rawMiBs: mibs(rawEncMs) },
    decrypt: { sealfoldMiBs: mibs(sfDecMs), rawMiBs: mibs(rawDecMs) },
  };
}
