/**
 * The log's side of c2sp.org/tlog-witness: submits a checkpoint with a consistency proof from the
 * size the witness last cosigned and keeps the returned cosignature lines, so that checkpoints are
 * served with them (spec/21 §6). One `WitnessClient` per server process; what a witness cosigned
 * is learnt again from its 409 answer after a restart.
 *
 * @module
 */
import { consistencyProof } from '../../../reference/src/log/index.js';
import { toBase64 } from '../../../reference/src/bytes/index.js';

/** Longest wait for a witness, in milliseconds. */
const WITNESS_TIMEOUT_MS = 5000;

interface Cosigned {
  size: number;
  text: string;
  lines: string;
}

export interface WitnessClient {
  /** Cosignature lines of every witness that cosigned exactly `text` (submitting when needed). */
  cosignatures(
    url: string,
    text: string,
    note: string,
    leaves: readonly Uint8Array[],
  ): Promise<string>;
  /** Cosignature lines already obtained for exactly `text` (no submission). */
  cached(url: string, text: string): string;
}

/** How many cosigned checkpoints are remembered per witness. */
const CACHE_LIMIT = 1000;

export function witnessClient(): WitnessClient {
  const known = new Map<string, Cosigned>();
  // Every cosignature obtained, by witness and checkpoint text: an old checkpoint stays cosigned.
  const byText = new Map<string, string>();
  async function post(url: string, old: number, note: string, leaves: readonly Uint8Array[]) {
    const proof = old > 0 && old < leaves.length ? consistencyProof(leaves, old) : [];
    const body = `old ${old}\n${proof.map((h) => `${toBase64(h)}\n`).join('')}\n${note}`;
    return fetch(`${url.replace(/\/$/, '')}/add-checkpoint`, {
      method: 'POST',
      body,
      signal: AbortSignal.timeout(WITNESS_TIMEOUT_MS),
    });
  }
  return {
    async cosignatures(url, text, note, leaves) {
      const k = known.get(url);
      if (k !== undefined && k.text === text) return k.lines;
      let res = await post(url, k?.size ?? 0, note, leaves);
      if (res.status === 409) {
        // The witness tells the size it last cosigned; retry once from there.
        const size = Number((await res.text()).trim());
        if (!Number.isSafeInteger(size) || size > leaves.length) return '';
        res = await post(url, size, note, leaves);
      }
      if (res.status !== 200) {
        await res.body?.cancel();
        return '';
      }
      const lines = await res.text();
      known.set(url, { size: leaves.length, text, lines });
      if (byText.size >= CACHE_LIMIT) byText.delete(byText.keys().next().value!);
      byText.set(`${url}\n${text}`, lines);
      return lines;
    },
    cached: (url, text) => byText.get(`${url}\n${text}`) ?? '',
  };
}
