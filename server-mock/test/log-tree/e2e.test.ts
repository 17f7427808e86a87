/**
 * Done-when of issue 13, end to end over real HTTP: `sealfold serve --transparency-log` (a real
 * child process), a witness service, and reference clients whose fork witness is the log.
 *
 * - The fork the counter misses: alice removes carol; the server keeps bob on the old branch
 *   (the old document, a log branch without the removal). A client without the log accepts the
 *   old document; bob's client with the log refuses it through the shared witness.
 * - A key substituted at first contact is in the log (a client would refuse it otherwise) and the
 *   victim's monitor reports it as unexpected for their own user id.
 * - Omitted entries and inconsistent checkpoints are refused.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTopFolder,
  enrol,
  openTopFolder,
  shareFolder,
  unshareFolder,
  uploadFile,
  type Device,
} from '../../../reference/src/client/index.js';
import { e2ee } from '../../../reference/src/http/index.js';
import {
  fetchTransport,
  type HttpRequest,
  type HttpTransport,
} from '../../../reference/src/http/index.js';
import { parseVerifierKey, type NoteVerifier } from '../../../reference/src/log/index.js';
import { cosignerFromSeed } from '../../../reference/src/log/index.js';
import { httpLogSource, httpWitnessSource } from '../../../reference/src/log/index.js';
import { memoryLogTrustStore, transparencyLogWitness } from '../../../reference/src/log/index.js';
import { newLogTrust } from '../../../reference/src/log/index.js';
import { followLog } from '../../../reference/src/log/index.js';
import { parseCertificate } from '../../../reference/src/certs/index.js';
import { createCsr, csrToPem } from '../../../reference/src/certs/index.js';
import { nextTestKeyPair } from '../../../reference/test/_support/test-keys.js';
import { serve, usersFile, type ServedServer } from '../../../reference/test/client/_serve.js';
import { metadataAnswer } from '../../../reference/test/client/_malicious.js';
import { startWitness, type RunningWitness } from '../../src/log-tree/witness-server.js';

const ORIGIN = 'sealfold.test/e2e-log';
const PASSWORDS = { alice: 'alice-pw', bob: 'bob-pw', carol: 'carol-pw', dave: 'dave-pw' } as const;
type Uid = keyof typeof PASSWORDS;
const fastRetry = { attempts: 3, delayMs: 1, sleep: async () => undefined };
const text = (s: string) => new TextEncoder().encode(s);

let server: ServedServer;
let witness: RunningWitness;
let logKey: NoteVerifier;
const dataDir = mkdtempSync(join(tmpdir(), 'sealfold-tlog-e2e-'));
const cosigner = cosignerFromSeed('witness.test/w1', new Uint8Array(32).fill(7));

/** A transport that lets the test answer some requests itself (the malicious server). */
type Rule = (
  req: HttpRequest,
) => Promise<import('../../../reference/src/http/index.js').HttpResponse | undefined>;
const rules: Rule[] = [];
const transport: HttpTransport = async (req) => {
  for (const r of rules) {
    const res = await r(req);
    if (res !== undefined) return res;
  }
  return fetchTransport(req);
};
const userOf = (req: HttpRequest) =>
  Buffer.from(
    (req.headers['Authorization'] ?? req.headers['authorization'] ?? '').replace(/^Basic /, ''),
    'base64',
  )
    .toString()
    .split(':')[0];

function account(uid: Uid) {
  return { baseUrl: server.url, userId: uid, password: PASSWORDS[uid] };
}

function logWitnessFor(uid: Uid, opts: { gossip?: boolean; k?: number } = {}) {
  return transparencyLogWitness({
    source: httpLogSource({ account: account(uid), transport }, '/sealfold-log'),
    logKey,
    store: memoryLogTrustStore(),
    witnesses: [
      {
        verifier: cosigner.verifier,
        ...(opts.gossip === false ? {} : { source: httpWitnessSource(witness.url) }),
      },
    ],
    k: opts.k ?? 1,
  });
}

const devices: Partial<Record<Uid, Device>> = {};
async function device(uid: Uid, withLog = true): Promise<Device> {
  if (devices[uid] !== undefined) return devices[uid];
  const r = await enrol({
    account: account(uid),
    transport,
    retry: fastRetry,
    ...(withLog ? { witness: logWitnessFor(uid) } : {}),
  });
  devices[uid] = r.device;
  return r.device;
}

async function switches(body: unknown): Promise<void> {
  const res = await fetch(`${server.url}/__sealfold/log/switches`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
}

async function mainSize(): Promise<number> {
  const res = await fetch(`${server.url}/sealfold-log/checkpoint`, {
    headers: { Authorization: 'Basic ' + Buffer.from('alice:alice-pw').toString('base64') },
  });
  return Number((await res.text()).split('\n')[1]);
}

beforeAll(async () => {
  server = await serve([
    '--data-dir',
    dataDir,
    '--users',
    usersFile(PASSWORDS),
    '--management',
    '--transparency-log',
    ORIGIN,
    '--fault',
    'accept-second-public-key',
  ]);
  const cap = await e2ee.getCapability({ account: account('alice'), transport });
  void cap;
  const raw = await fetch(`${server.url}/ocs/v2.php/cloud/capabilities?format=json`, {
    // Anonymous callers get no E2EE capability (E2EE-API-011): ask as alice.
    headers: {
      'OCS-APIRequest': 'true',
      Authorization: `Basic ${Buffer.from(`alice:${account('alice').password}`).toString('base64')}`,
    },
  });
  const tl = (
    (await raw.json()) as {
      ocs: { data: { capabilities: Record<string, Record<string, Record<string, string>>> } };
    }
  ).ocs.data.capabilities['end-to-end-encryption']!['transparency-log']!;
  logKey = parseVerifierKey(tl['verifier-key']!);
  witness = await startWitness({
    cosigner,
    logs: [logKey],
    stateFile: join(dataDir, 'witness.json'),
  });
  const res = await fetch(`${server.url}/__sealfold/log/witnesses`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify([{ url: witness.url, vkey: 'witness.test/w1' }]),
  });
  expect(res.status).toBe(200);
}, 60_000);

afterAll(async () => {
  await witness?.close();
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('transparency log end to end over HTTP (issue 13 done-when)', () => {
  it('E2EE-LOG-061 E2EE-LOG-062 E2EE-LOG-064: a removal hidden from one member (two histories at different counters) is detected through the shared witness; a client without the log accepts it', async () => {
    const alice = await device('alice');
    const bob = await device('bob');
    await device('carol');
    let h = await createTopFolder(alice, 'team');
    h = await shareFolder(alice, h, 'bob');
    h = await shareFolder(alice, h, 'carol');
    await openTopFolder(bob, 'team'); // bob's log state now includes the folder
    const before = await e2ee.getMetadata(alice.ctx, h.state.rootId);

    // The server forks: bob stays on the branch before the removal.
    await switches({ fork: { users: ['bob'], atSize: await mainSize() } });
    const removed = await unshareFolder(alice, h, 'carol'); // alice checks her own write (E2EE-LOG-064)
    expect(removed.handle.state.members.map((m) => m.userId).sort()).toEqual(['alice', 'bob']);
    const serveOld: Rule = async (req) => {
      if (
        userOf(req) !== 'bob' ||
        req.method !== 'GET' ||
        !req.url.includes(`/meta-data/${h.state.rootId}`)
      )
        return undefined;
      const res = await fetchTransport(req);
      return metadataAnswer(res, { document: before.document, signature: before.signature! });
    };
    rules.push(serveOld);
    try {
      // Without the log the stale document (carol still a member, older counter) is accepted:
      // bob's mark is at that counter, so the counter cannot tell.
      const bare = { ...bob };
      delete (bare as { witness?: unknown }).witness;
      const seen = await openTopFolder(bare as Device, 'team');
      expect(seen.state.members.map((m) => m.userId).sort()).toEqual(['alice', 'bob', 'carol']);
      // With the log: the witness saw alice's branch; bob's server cannot extend bob's view to it.
      await expect(openTopFolder(bob, 'team')).rejects.toMatchObject({ code: 'LOG_INCONSISTENT' });
      // Without the fork, the same stale document is logged but superseded in bob's own view.
      await switches({ fork: null });
      await expect(openTopFolder(bob, 'team')).rejects.toMatchObject({
        code: 'LOG_ENTRY_SUPERSEDED',
      });
    } finally {
      rules.splice(rules.indexOf(serveOld), 1);
      await switches({ fork: null });
    }
  });

  it("E2EE-LOG-063 E2EE-LOG-070: a key substituted at first contact is logged, so the victim's monitor reports it as unexpected for their own user id", async () => {
    const dave = await device('dave');
    const daveCert = parseCertificate(dave.certificate).fingerprint;
    // The server replaces dave's certificate with one for a key it holds (the fault lets a second
    // public key through, as a malicious server would) — using dave's account, as the server can.
    const evil = nextTestKeyPair();
    const csr = csrToPem(await createCsr(evil.pkcs8, 'dave'));
    const issued = await fetch(
      `${server.url}/ocs/v2.php/apps/end_to_end_encryption/api/v1/public-key?format=json`,
      {
        method: 'POST',
        headers: {
          'OCS-APIRequest': 'true',
          'User-Agent': 'Mozilla/5.0 (Linux) mirall/3.14.2 (Nextcloud, ubuntu)',
          Authorization: 'Basic ' + Buffer.from('dave:dave-pw').toString('base64'),
          'Content-Type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ csr }).toString(),
      },
    );
    expect(issued.status).toBe(200);
    // alice shares with dave for the first time: her client accepts the key because it is the
    // logged one (E2EE-LOG-063) — the attack now leaves evidence.
    const alice = await device('alice');
    const h = await createTopFolder(alice, 'for-dave');
    const shared = await shareFolder(alice, h, 'dave');
    expect(shared.state.members.map((m) => m.userId)).toContain('dave');
    const monitor = await followLog(newLogTrust(ORIGIN), {
      source: httpLogSource({ account: account('dave'), transport }, '/sealfold-log'),
      logKey,
      expected: { dave: [daveCert] },
    });
    const mine = monitor.keyEvents.filter((e) => e.userId === 'dave');
    expect(mine.map((e) => e.unexpected)).toEqual([false, true]);
    expect(mine[1]!.certificateHash).not.toBe(daveCert);
  });

  it('E2EE-LOG-063: a substituted key the server does not log is refused at first contact', async () => {
    await switches({ omit: { kinds: ['key'], count: 1 } });
    const evil = nextTestKeyPair();
    const csr = csrToPem(await createCsr(evil.pkcs8, 'dave'));
    const res = await fetch(
      `${server.url}/ocs/v2.php/apps/end_to_end_encryption/api/v1/public-key?format=json`,
      {
        method: 'POST',
        headers: {
          'OCS-APIRequest': 'true',
          'User-Agent': 'Mozilla/5.0 (Linux) mirall/3.14.2 (Nextcloud, ubuntu)',
          Authorization: 'Basic ' + Buffer.from('dave:dave-pw').toString('base64'),
          'Content-Type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ csr }).toString(),
      },
    );
    expect(res.status).toBe(200);
    const carol = await device('carol');
    const h = await createTopFolder(carol, 'carol-to-dave');
    await expect(shareFolder(carol, h, 'dave')).rejects.toMatchObject({
      code: 'LOG_ENTRY_MISSING',
    });
  });

  it('E2EE-LOG-062 E2EE-LOG-064: a metadata commit the server omits from the log is refused, by the writer and by readers', async () => {
    const alice = await device('alice');
    const h = await createTopFolder(alice, 'omitted');
    await switches({ omit: { kinds: ['metadata'], count: 1 } });
    await expect(
      uploadFile(alice, h, { filename: 'a.txt', content: text('a') }),
    ).rejects.toMatchObject({
      code: 'LOG_ENTRY_MISSING',
    });
    const bare = { ...alice };
    delete (bare as { witness?: unknown }).witness;
    await openTopFolder(bare as Device, 'omitted'); // without the log: accepted
    await expect(openTopFolder(alice, 'omitted')).rejects.toMatchObject({
      code: 'LOG_ENTRY_MISSING',
    });
  });
});
