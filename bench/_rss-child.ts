/**
 * Child process of the benchmark: pushes one large body through the reference's streaming file
 * API and reports its own memory, so that the parent's heap does not pollute the numbers.
 *
 * Usage: `node bin/run-ts.js bench/_rss-child.ts encrypt|decrypt|raw-encrypt SIZE_MIB DIR`
 * - `encrypt`: generates SIZE_MIB of pseudo-random plaintext in 1 MiB chunks (a generator, no
 *   input file), encrypts it with `encryptFileStream` and writes the body to DIR/body.
 * - `decrypt`: decrypts DIR/body with `decryptFileToPath` (temporary file, renamed after the tag
 *   verified) to DIR/plain, using the key, nonce and tag the encrypt run left in DIR/params.json.
 * - `raw-encrypt`: the same as `encrypt` with node:crypto directly (the baseline).
 *
 * Prints one JSON line: `{ ms, baselineRssMiB, peakRssMiB }`. `baselineRssMiB` is the RSS after
 * loading (Node plus the TypeScript loader); `peakRssMiB` the highest RSS sampled during the run
 * (every chunk and every 5 ms). The kernel's `ru_maxrss` is not used: on Linux it survives exec,
 * so it would report the parent's RSS at fork time.
 *
 * @module
 */
import { createWriteStream } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { decryptFileToPath, encryptFileStream } from '../reference/src/files/index.js';
import { fromBase64, toBase64 } from '../reference/src/_internal/bytes.js';

const MIB = 1024 * 1024;

/** SIZE_MIB chunks of 1 MiB; each chunk differs (a counter hashed into the first bytes). */
function* plaintextChunks(sizeMiB: number): Generator<Uint8Array> {
  const chunk = new Uint8Array(MIB);
  for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 2654435761) >>> 24;
  for (let n = 0; n < sizeMiB; n++) {
    chunk.set(createHash('sha256').update(String(n)).digest());
    yield chunk;
  }
}

async function run(): Promise<void> {
  const [mode, sizeText, dir] = process.argv.slice(2);
  const sizeMiB = Number(sizeText);
  if (!['encrypt', 'decrypt', 'raw-encrypt'].includes(mode!) || !(sizeMiB > 0) || !dir) {
    throw new Error('usage: _rss-child.ts encrypt|decrypt|raw-encrypt SIZE_MIB DIR');
  }
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sample = () => (peak = Math.max(peak, process.memoryUsage().rss));
  const timer = setInterval(sample, 5);
  const start = performance.now();
  if (mode === 'raw-encrypt') {
    // The same work with node:crypto directly: the floor any streaming implementation has.
    const cipher = createCipheriv('aes-128-gcm', randomBytes(16), randomBytes(12));
    const out = createWriteStream(join(dir, 'raw'));
    for (const c of plaintextChunks(sizeMiB)) {
      sample();
      if (!out.write(cipher.update(c))) await once(out, 'drain');
    }
    cipher.final();
    out.end(cipher.getAuthTag());
    await once(out, 'finish');
  } else if (mode === 'encrypt') {
    const enc = encryptFileStream(plaintextChunks(sizeMiB));
    const out = createWriteStream(join(dir, 'body'));
    for await (const c of enc) {
      sample();
      if (!out.write(c)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
    const { key, nonce, tag } = enc.result();
    await writeFile(
      join(dir, 'params.json'),
      JSON.stringify({ key: toBase64(key), nonce: toBase64(nonce), tag: toBase64(tag) }),
    );
  } else {
    const p = JSON.parse(await readFile(join(dir, 'params.json'), 'utf8')) as Record<
      string,
      string
    >;
    await decryptFileToPath(join(dir, 'body'), join(dir, 'plain'), {
      key: fromBase64(p.key!, 'key'),
      nonce: fromBase64(p.nonce!, 'nonce'),
      tag: fromBase64(p.tag!, 'tag'),
    });
  }
  const ms = performance.now() - start;
  clearInterval(timer);
  sample();
  process.stdout.write(
    JSON.stringify({
      ms,
      baselineRssMiB: baseline / MIB,
      peakRssMiB: peak / MIB,
    }) + '\n',
  );
}

await run();
