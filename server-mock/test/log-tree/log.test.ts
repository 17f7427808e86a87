/**
 * The mock server's transparency log (spec/21): capability, key and metadata entries in the
 * transaction of their change, checkpoints, entry bundles and proofs, and the adversarial
 * switches (fork, omit).
 */
import { createHash } from 'node:crypto';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { CREDS, E2EE_V1, keySeeds, ocs, testServer, type KeySeeds } from '../_support/server.js';
import { checkpointOf, commit, entriesOf, getLog, logServer, newFolder } from './_support.js';
import { utf8 } from '../../../reference/src/bytes/index.js';
import { encodeLogEntry } from '../../../reference/src/log/index.js';
import {
  leafHash,
  rootHash,
  verifyConsistency,
  verifyInclusion,
} from '../../../reference/src/log/index.js';

const doc = (n: number) => JSON.stringify({ metadata: { ciphertext: `c${n}` }, version: '2.0' });
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

let seeds: KeySeeds;
beforeAll(async () => {
  seeds = await keySeeds();
});

async function issue(app: Parameters<typeof ocs>[0], uid: 'alice' | 'bob') {
  const res = await ocs(app, 'post', `${E2EE_V1}/public-key`, [uid, CREDS[uid].app])
    .type('form')
    .send({ csr: uid === 'alice' ? seeds.aliceCsr : seeds.bobCsr });
  expect(res.status, res.text).toBe(200);
  return res.body.ocs.data['public-key'] as string;
}

describe('E2EE-LOG-001 capability', () => {
  it('advertised with origin, verifier key and path exactly when the log is on', async () => {
    const on = await logServer();
    const cap = await ocs(on.app, 'get', '/ocs/v2.php/cloud/capabilities');
    const tl = cap.body.ocs.data.capabilities['end-to-end-encryption']['transparency-log'];
    expect(tl.origin).toBe('sealfold.test/log');
    expect(tl.path).toBe('/sealfold-log');
    expect(tl['verifier-key']).toMatch(/^sealfold\.test\/log\+[0-9a-f]{8}\+/);
    const off = await testServer({ requestLog: false });
    const cap2 = await ocs(off.app, 'get', '/ocs/v2.php/cloud/capabilities');
    expect(cap2.body.ocs.data.capabilities['end-to-end-encryption']).not.toHaveProperty(
      'transparency-log',
    );
    expect(
      (await request(off.app).get('/sealfold-log/checkpoint').auth('alice', CREDS.alice.app))
        .status,
    ).toBe(404);
    // a server without the log appends nothing
    await issue(off.app, 'alice');
    expect(off.store.list('tlog')).toHaveLength(0);
  });
});

describe(
  'entries, checkpoints, bundles, proofs',
  {
    meta: {
      requirements: [
        'E2EE-LOG-003',
        'E2EE-LOG-004',
        'E2EE-LOG-006',
        'E2EE-LOG-030',
        'E2EE-LOG-031',
      ],
    },
  },
  () => {
    it('a certificate issuance and a committed document are logged with exactly the listed fields', async () => {
      const s = await logServer();
      await issue(s.app, 'alice');
      const id = await newFolder(s.app, 'vault', doc(1));
      await commit(s.app, id, 2, doc(2));
      const cp = await checkpointOf(s.app);
      expect(cp.size).toBe(3);
      const entries = await entriesOf(s.app, cp.size);
      const fp = s.store.get('publicKeys', 'alice')!.fingerprint;
      expect(entries).toEqual([
        { kind: 'key', userId: 'alice', certificateHash: fp },
        {
          kind: 'metadata',
          folderId: String(id),
          counter: 0,
          documentHash: sha(doc(1)),
          signer: 'alice',
        },
        {
          kind: 'metadata',
          folderId: String(id),
          counter: 2,
          documentHash: sha(doc(2)),
          signer: 'alice',
        },
      ]);
      // E2EE-LOG-006: no name of the folder, no document bytes in any entry
      for (const r of s.store.list('tlog')) {
        expect(r.entry).not.toContain('vault');
        expect(r.entry).not.toContain('ciphertext');
      }
      const leaves = entries.map((e) => leafHash(encodeLogEntry(e)));
      expect(cp.root).toEqual(rootHash(leaves));
      // proofs for every index and every older size verify against the checkpoint
      for (let i = 0; i < cp.size; i++) {
        const p = (
          await getLog(s.app, `/proof/inclusion?size=${cp.size}&index=${i}`)
        ).body.toString();
        const proof = p
          .split('\n')
          .filter(Boolean)
          .map((b) => new Uint8Array(Buffer.from(b, 'base64')));
        verifyInclusion(i, cp.size, leaves[i]!, proof, cp.root);
      }
      for (let m = 1; m < cp.size; m++) {
        const p = (
          await getLog(s.app, `/proof/consistency?old=${m}&size=${cp.size}`)
        ).body.toString();
        const proof = p
          .split('\n')
          .filter(Boolean)
          .map((b) => new Uint8Array(Buffer.from(b, 'base64')));
        verifyConsistency(m, cp.size, proof, rootHash(leaves.slice(0, m)), cp.root);
      }
      // E2EE-LOG-030: beyond the served size is 404, malformed is 400
      expect((await getLog(s.app, '/tile/entries/000.p/4')).status).toBe(404);
      expect((await getLog(s.app, '/tile/entries/000')).status).toBe(404);
      expect((await getLog(s.app, '/tile/entries/0.p/1')).status).toBe(400);
      expect((await getLog(s.app, `/proof/inclusion?size=${cp.size + 1}&index=0`)).status).toBe(
        404,
      );
      expect((await getLog(s.app, '/proof/inclusion?size=x&index=0')).status).toBe(400);
      expect((await getLog(s.app, '/proof/consistency?old=0&size=1')).status).toBe(400);
    });

    it('a deleted key is logged as deleted; a failed change logs nothing', async () => {
      const s = await logServer();
      await issue(s.app, 'bob');
      const del = await ocs(s.app, 'delete', `${E2EE_V1}/public-key`, ['bob', CREDS.bob.login]);
      expect(del.status, del.text).toBe(200);
      // a second CSR for alice twice: the second is refused (409) and must not be logged
      await issue(s.app, 'alice');
      const again = await ocs(s.app, 'post', `${E2EE_V1}/public-key`)
        .type('form')
        .send({ csr: seeds.aliceCsr });
      expect(again.status).toBe(409);
      const cp = await checkpointOf(s.app);
      const entries = await entriesOf(s.app, cp.size);
      expect(
        entries.map((e) =>
          e.kind === 'key'
            ? `${e.userId}:${e.certificateHash === null ? 'deleted' : 'set'}`
            : e.kind,
        ),
      ).toEqual(['bob:set', 'bob:deleted', 'alice:set']);
    });

    it('anonymous requests are refused', async () => {
      const s = await logServer();
      expect((await request(s.app).get('/sealfold-log/checkpoint')).status).toBe(401);
    });
  },
);

describe('E2EE-LOG-023 mock switches (spec/21 §9)', () => {
  it('fork: bob and alice are shown inconsistent checkpoints signed by the same key', async () => {
    const s = await logServer();
    const id = await newFolder(s.app, 'vault', doc(1));
    const atSize = (await checkpointOf(s.app)).size;
    const sw = await request(s.app)
      .put('/__sealfold/log/switches')
      .send({ fork: { users: ['bob'], atSize } });
    expect(sw.status, sw.text).toBe(200);
    await commit(s.app, id, 2, doc(2));
    await issue(s.app, 'bob');
    const a = await checkpointOf(s.app, 'alice');
    const b = await checkpointOf(s.app, 'bob');
    expect(a.size).toBe(atSize + 1);
    expect(b.size).toBe(atSize + 1);
    expect(a.root).not.toEqual(b.root); // same size, different roots: a fork
    expect((await entriesOf(s.app, b.size, 'bob')).at(-1)).toMatchObject({
      kind: 'key',
      userId: 'bob',
    });
  });

  it('omit: the next metadata commit is not logged but the change commits', async () => {
    const s = await logServer();
    const id = await newFolder(s.app, 'vault', doc(1));
    await request(s.app)
      .put('/__sealfold/log/switches')
      .send({ omit: { kinds: ['metadata'], count: 1 } })
      .expect(200);
    await commit(s.app, id, 2, doc(2));
    await commit(s.app, id, 3, doc(3));
    const cp = await checkpointOf(s.app);
    const entries = await entriesOf(s.app, cp.size);
    expect(entries.map((e) => (e.kind === 'metadata' ? e.counter : -1))).toEqual([0, 3]); // the first commit of a new folder stores no counter
    expect(utf8('x')).toHaveLength(1);
  });
});
