/**
 * The mock's hash tiles (spec/21 §5, c2sp.org/tlog-tiles) read through the reference client's
 * log source: proofs computed from the tiles alone equal the ones the proof resources serve, for
 * every size and index of a small log; a tile the tree lacks is 404, a malformed path 400; and
 * the `log-tile-corrupted` switch makes the client's proofs fail.
 */
import request from 'supertest';
import type { Express } from 'express';
import { describe, expect, it } from 'vitest';
import { CREDS } from '../_support/server.js';
import { appTransport, checkpointOf, commit, getLog, logServer, newFolder } from './_support.js';
import {
  httpLogSource,
  leafHash,
  rootHash,
  tileConsistencyProof,
  tileInclusionProof,
  tileReader,
  tileTreeRoot,
  type LogSource,
} from '../../../reference/src/log/index.js';
import { codeAsync } from '../../../reference/test/_support/codes.js';

const doc = (n: number) => JSON.stringify({ metadata: { ciphertext: `t${n}` }, version: '2.0' });

function sourceOf(app: Express): LogSource {
  const account = { baseUrl: 'http://mock.invalid', userId: 'alice', password: CREDS.alice.app };
  return httpLogSource({ account, transport: appTransport(app) }, '/sealfold-log');
}

/** The served proof of a proof resource, as hashes. */
async function servedProof(app: Express, path: string): Promise<string[]> {
  const res = await getLog(app, path);
  expect(res.status, path).toBe(200);
  return res.body.toString('utf8').split('\n').filter(Boolean);
}

const b64 = (h: Uint8Array) => Buffer.from(h).toString('base64');

async function logWithEntries(faults: string[] = []) {
  const s = await logServer({ faults });
  const id = await newFolder(s.app, 'tiles', doc(1));
  for (let c = 2; c <= 6; c++) await commit(s.app, id, c, doc(c));
  const cp = await checkpointOf(s.app);
  const leaves: Uint8Array[] = [];
  const body = (await getLog(s.app, `/tile/entries/000.p/${cp.size}`)).body;
  for (let off = 0; off < body.length; off += 2 + body.readUInt16BE(off))
    leaves.push(leafHash(new Uint8Array(body.subarray(off + 2, off + 2 + body.readUInt16BE(off)))));
  return { s, cp, leaves };
}

describe('E2EE-LOG-120 E2EE-LOG-121 hash tiles of the mock', () => {
  it('proofs from tiles equal the served proofs for every size and index', async () => {
    const { s, cp, leaves } = await logWithEntries();
    expect(cp.size).toBeGreaterThanOrEqual(6);
    const source = sourceOf(s.app);
    const reader = tileReader((l, n, w) => source.tile!(l, n, w));
    expect(b64(await tileTreeRoot(reader, cp.size))).toBe(b64(cp.root));
    for (let size = 1; size <= cp.size; size++) {
      const root = rootHash(leaves.slice(0, size));
      for (let i = 0; i < size; i++) {
        const proof = await tileInclusionProof(reader, size, i, leaves[i]!, root);
        expect(proof.map(b64), `inclusion ${i} in ${size}`).toEqual(
          await servedProof(s.app, `/proof/inclusion?size=${size}&index=${i}`),
        );
      }
      const proof = await tileConsistencyProof(reader, size, cp.size, root, cp.root);
      expect(proof.map(b64), `consistency ${size} → ${cp.size}`).toEqual(
        await servedProof(s.app, `/proof/consistency?old=${size}&size=${cp.size}`),
      );
    }
  });

  it('404 for a tile the tree lacks, 400 for a malformed path', async () => {
    const { s, cp } = await logWithEntries();
    const want: [string, number][] = [
      [`/tile/0/000.p/${cp.size}`, 200],
      [`/tile/0/000.p/1`, 200],
      [`/tile/0/000.p/${cp.size + 1}`, 404],
      ['/tile/0/000', 404],
      ['/tile/1/000.p/1', 404],
      ['/tile/0/001.p/1', 404],
      ['/tile/00/000.p/1', 400],
      ['/tile/0/0.p/1', 400],
      ['/tile/0/x000/000.p/1', 400],
      ['/tile/0/000.p/0', 400],
      ['/tile/0/000.p/256', 400],
      ['/tile/64/000', 400],
    ];
    for (const [path, status] of want)
      expect((await getLog(s.app, path)).status, path).toBe(status);
    const anonymous = await request(s.app).get('/sealfold-log/tile/0/000.p/1');
    expect(anonymous.status).toBe(401);
  });

  it('the log-tile-corrupted switch: the tile proofs and root fail with LOG_PROOF_INVALID', async () => {
    const { s, cp, leaves } = await logWithEntries(['log-tile-corrupted']);
    const source = sourceOf(s.app);
    const reader = tileReader((l, n, w) => source.tile!(l, n, w));
    expect(b64(await tileTreeRoot(reader, cp.size))).not.toBe(b64(cp.root));
    const last = cp.size - 1;
    expect(await codeAsync(() => tileInclusionProof(reader, cp.size, 0, leaves[0]!, cp.root))).toBe(
      'LOG_PROOF_INVALID',
    );
    expect(
      await codeAsync(() =>
        tileConsistencyProof(reader, last, cp.size, rootHash(leaves.slice(0, last)), cp.root),
      ),
    ).toBe('LOG_PROOF_INVALID');
  });
});
