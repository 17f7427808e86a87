/**
 * Child process of the benchmark: runs one file-to-file operation on a large file and reports
 * its own time and memory. The parent compiles this file to plain JavaScript first
 * (`_compile.ts`) and starts it with `node` alone, as a library user would run it; the parent's
 * heap and the TypeScript loader stay out of the figures.
 *
 * Usage: `node _rss-child.js MODE IN OUT KEY_HEX NONCE_HEX [TAG_HEX]`
 * - `raw-encrypt` / `raw-decrypt`: node:crypto AES-128-GCM streaming with node's own file
 *   streams (`stream.pipeline`, the same chunk size as the reference), the baseline;
 * - `encrypt` / `decrypt`: the reference's `encryptFileToPath` / `decryptFileToPath`.
 * The key and nonce are given, so raw and reference bodies must be byte-identical (the parent
 * checks it); decryption takes the tag the encryption printed.
 *
 * Prints one JSON line: `{ ms, cpuMs, baselineMiB, peakMiB, peakFrom, tag }` (`cpuMs`: user and
 * system time of all threads). `baselineMiB` is the RSS
 * right before the operation (Node and the loaded modules); `peakMiB` the highest RSS during it
 * (`_peak-rss.ts`).
 *
 * @module
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { decryptFileToPath, encryptFileToPath } from '../reference/src/files/index.js';
import { CHUNK_SIZE } from '../reference/src/files/index.js';
import { toHex } from '../reference/src/bytes/index.js';
import { watchPeakRss } from './_peak-rss.js';

const MIB = 1024 * 1024;
const hex = (s: string | undefined) => new Uint8Array(Buffer.from(s ?? '', 'hex'));

async function rawEncrypt(inPath: string, outPath: string, key: Uint8Array, nonce: Uint8Array) {
  const cipher = createCipheriv('aes-128-gcm', key, nonce, { authTagLength: 16 });
  await pipeline(
    createReadStream(inPath, { highWaterMark: CHUNK_SIZE }),
    cipher,
    async function* (body: AsyncIterable<Buffer>) {
      yield* body;
      yield cipher.getAuthTag();
    },
    createWriteStream(outPath, { highWaterMark: CHUNK_SIZE }),
  );
  return new Uint8Array(cipher.getAuthTag());
}

async function rawDecrypt(inPath: string, outPath: string, key: Uint8Array, nonce: Uint8Array) {
  const { size } = await stat(inPath);
  const tag = new Uint8Array(16);
  const fh = await open(inPath, 'r');
  await fh.read(tag, 0, 16, size - 16);
  await fh.close();
  const decipher = createDecipheriv('aes-128-gcm', key, nonce, { authTagLength: 16 });
  decipher.setAuthTag(tag);
  await pipeline(
    createReadStream(inPath, { highWaterMark: CHUNK_SIZE, start: 0, end: size - 17 }),
    decipher,
    createWriteStream(outPath, { highWaterMark: CHUNK_SIZE }),
  );
  return tag;
}

async function run(): Promise<void> {
  const [mode, inPath, outPath, keyHex, nonceHex, tagHex] = process.argv.slice(2);
  const modes = ['raw-encrypt', 'raw-decrypt', 'encrypt', 'decrypt'];
  if (!modes.includes(mode!) || !inPath || !outPath || !keyHex || !nonceHex) {
    throw new Error(`usage: _rss-child.js ${modes.join('|')} IN OUT KEY_HEX NONCE_HEX [TAG_HEX]`);
  }
  const key = hex(keyHex);
  const nonce = hex(nonceHex);
  const watch = watchPeakRss();
  const cpu = process.cpuUsage();
  const start = performance.now();
  let tag: Uint8Array;
  if (mode === 'raw-encrypt') tag = await rawEncrypt(inPath, outPath, key, nonce);
  else if (mode === 'raw-decrypt') tag = await rawDecrypt(inPath, outPath, key, nonce);
  else if (mode === 'encrypt') {
    const randomness = [key, nonce];
    tag = (await encryptFileToPath(inPath, outPath, { rng: () => randomness.shift()!.slice() }))
      .tag;
  } else {
    tag = hex(tagHex);
    await decryptFileToPath(inPath, outPath, { key, nonce, tag });
  }
  const ms = performance.now() - start;
  const { user, system } = process.cpuUsage(cpu);
  const { peak, from } = watch.stop();
  process.stdout.write(
    JSON.stringify({
      ms,
      cpuMs: (user + system) / 1000,
      baselineMiB: watch.baseline / MIB,
      peakMiB: peak / MIB,
      peakFrom: from,
      tag: toHex(tag),
    }) + '\n',
  );
}

await run();
