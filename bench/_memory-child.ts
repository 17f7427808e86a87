/**
 * Child process of the benchmark: encrypts or decrypts one whole body held in memory and reports
 * its time and peak memory. Like `_rss-child.ts`, the parent compiles it to plain JavaScript and
 * starts it with `node` alone.
 *
 * Usage: `node --expose-gc _memory-child.js MODE SIZE_MIB KEY_HEX NONCE_HEX RUNS`
 * - `raw-encrypt` / `raw-decrypt`: node:crypto AES-128-GCM, one `update()` over the whole body,
 *   `final()`, and the tag kept apart (the shortest code a caller would write; its output is not
 *   `ciphertext ‖ tag` in one buffer), the baseline;
 * - `encrypt` / `decrypt`: the reference's `encryptFile` / `decryptFile` (`ciphertext ‖ tag`).
 * The plaintext is the AES-128-CTR keystream of a fixed key, so every child encrypts the same
 * bytes; decryption children first make the body with node:crypto. Each child runs its operation
 * once untimed on 1 MiB, collects garbage, then runs it on the body RUNS times: the peak is
 * measured over the first run, from right before it (`_peak-rss.ts`); the time is the median of
 * the runs (one run in a fresh process is at the mercy of the scheduler on a loaded machine). A
 * decryption child checks that it got the plaintext back.
 *
 * Prints one JSON line: `{ ms, baselineMiB, peakMiB, peakFrom, tag }`.
 *
 * @module
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { decryptFile, encryptFile } from '../reference/src/files/index.js';
import { toHex } from '../reference/src/bytes/index.js';
import { watchPeakRss } from './_peak-rss.js';
import { median } from './_throughput.js';

const MIB = 1024 * 1024;
const hex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));

/** The plaintext, made in one buffer (no large temporaries left for the collector). */
function plaintextOf(size: number): Uint8Array {
  const ctr = createCipheriv('aes-128-ctr', new Uint8Array(16), new Uint8Array(16));
  const out = new Uint8Array(size);
  const zeros = new Uint8Array(MIB);
  for (let off = 0; off < size; off += MIB) {
    out.set(ctr.update(zeros.subarray(0, Math.min(MIB, size - off))), off);
  }
  return out;
}

/** Collects garbage when node runs with --expose-gc (the parent starts the child so). */
const collect = () => (globalThis as { gc?: () => void }).gc?.();

/** The body `ciphertext ‖ tag` of `plaintext` and its tag, made with node:crypto. */
function sealedOf(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array) {
  const c = createCipheriv('aes-128-gcm', key, nonce, { authTagLength: 16 });
  const body = new Uint8Array(plaintext.length + 16);
  for (let off = 0; off < plaintext.length; off += MIB) {
    body.set(c.update(plaintext.subarray(off, off + MIB)), off);
  }
  c.final();
  const tag = new Uint8Array(c.getAuthTag());
  body.set(tag, plaintext.length);
  return { body, tag };
}

interface Job {
  key: Uint8Array;
  nonce: Uint8Array;
  plaintext: Uint8Array;
  sealed?: { body: Uint8Array; tag: Uint8Array };
}

/** Runs one operation; returns its output and the tag. */
function operate(mode: string, job: Job): { output: Uint8Array; tag: Uint8Array } {
  const { key, nonce, plaintext, sealed } = job;
  if (mode === 'raw-encrypt') {
    const c = createCipheriv('aes-128-gcm', key, nonce, { authTagLength: 16 });
    const output = c.update(plaintext);
    c.final();
    return { output, tag: c.getAuthTag() };
  }
  if (mode === 'encrypt') {
    const randomness = [key, nonce];
    const r = encryptFile(plaintext, { rng: () => randomness.shift()!.slice() });
    return { output: r.body, tag: r.tag };
  }
  if (mode === 'raw-decrypt') {
    const d = createDecipheriv('aes-128-gcm', key, nonce, { authTagLength: 16 });
    d.setAuthTag(sealed!.tag);
    const output = d.update(sealed!.body.subarray(0, plaintext.length));
    d.final();
    return { output, tag: sealed!.tag };
  }
  return { output: decryptFile(sealed!.body, { key, nonce, tag: sealed!.tag }), tag: sealed!.tag };
}

function run(): void {
  const [mode, sizeMiB, keyHex, nonceHex, runs] = process.argv.slice(2);
  const modes = ['raw-encrypt', 'raw-decrypt', 'encrypt', 'decrypt'];
  if (!modes.includes(mode!) || !sizeMiB || !keyHex || !nonceHex || !(Number(runs) >= 1)) {
    throw new Error(`usage: _memory-child.js ${modes.join('|')} SIZE_MIB KEY_HEX NONCE_HEX RUNS`);
  }
  const [key, nonce] = [hex(keyHex), hex(nonceHex)];
  const decrypting = mode.endsWith('decrypt');
  const jobOf = (plaintext: Uint8Array): Job => ({
    key,
    nonce,
    plaintext,
    ...(decrypting ? { sealed: sealedOf(key, nonce, plaintext) } : {}),
  });
  // One untimed run on 1 MiB first, so the timed run measures the work, not first-call costs.
  operate(mode, jobOf(plaintextOf(MIB)));
  const job = jobOf(plaintextOf(Number(sizeMiB) * MIB));
  collect();

  const watch = watchPeakRss();
  let start = performance.now();
  const { output, tag } = operate(mode, job);
  const times = [performance.now() - start];
  const { peak, from } = watch.stop();
  if (decrypting && Buffer.compare(output, job.plaintext) !== 0) {
    throw new Error(`${mode} did not give the plaintext back`);
  }
  for (let i = 1; i < Number(runs); i++) {
    collect();
    start = performance.now();
    operate(mode, job);
    times.push(performance.now() - start);
  }
  process.stdout.write(
    JSON.stringify({
      ms: median(times),
      baselineMiB: watch.baseline / MIB,
      peakMiB: peak / MIB,
      peakFrom: from,
      tag: toHex(tag),
    }) + '\n',
  );
}

run();
