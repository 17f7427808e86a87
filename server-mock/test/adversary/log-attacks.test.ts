/**
 * The checkpoint attacks of the catalogue (route `log-checkpoint`) against the reference client
 * over real HTTP, on a mock that keeps a transparency log: a replayed smaller checkpoint and a
 * re-rooted one re-signed with the log key are both refused as LOG_INCONSISTENT, only the
 * scoped user is attacked, and every firing is evidence.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTopFolder,
  enrol,
  openTopFolder,
  uploadFile,
  type Device,
} from '../../../reference/src/client/index.js';
import { ocsCall } from '../../../reference/src/http/index.js';
import {
  httpLogSource,
  memoryLogTrustStore,
  openCheckpoint,
  parseVerifierKey,
  transparencyLogWitness,
  type NoteVerifier,
} from '../../../reference/src/log/index.js';
import { ATTACKS, ATTACK_NAMES, type AttackInstall } from '../../src/adversary/index.js';
import { startAdversary, type AdversaryServer } from './_server.js';

const USERS = { alice: 'alice-pw', bob: 'bob-pw', carol: 'carol-pw' } as const;
type Uid = keyof typeof USERS;
const ORIGIN = 'sealfold.test/adversary-log';
const fastRetry = { attempts: 3, delayMs: 1, sleep: async () => undefined };
const text = (s: string) => new TextEncoder().encode(s);

let adv: AdversaryServer;
let logKey: NoteVerifier;
const devices: Partial<Record<Uid, Device>> = {};
const account = (uid: Uid) => ({ baseUrl: adv.url, userId: uid, password: USERS[uid] });

async function logDevice(uid: Uid): Promise<Device> {
  const witness = transparencyLogWitness({
    source: httpLogSource({ account: account(uid) }, '/sealfold-log'),
    logKey,
    store: memoryLogTrustStore(),
  });
  return (await enrol({ account: account(uid), retry: fastRetry, witness })).device;
}

async function checkpointSize(uid: Uid): Promise<number> {
  const res = await fetch(`${adv.url}/sealfold-log/checkpoint`, {
    headers: { Authorization: `Basic ${Buffer.from(`${uid}:${USERS[uid]}`).toString('base64')}` },
  });
  return openCheckpoint(await res.text(), logKey).size;
}

const tested = new Set<string>();

/**
 * Installs `attack`, expects `op` refused with LOG_INCONSISTENT and `unscoped` (another user's
 * step) accepted meanwhile; returns the evidence of the answers it changed.
 */
async function refused(
  attack: AttackInstall,
  op: () => Promise<unknown>,
  unscoped?: () => Promise<unknown>,
): Promise<string[]> {
  tested.add(attack.attack);
  expect(ATTACKS[attack.attack].expect).toContain('LOG_INCONSISTENT');
  const installed = await adv.install(attack);
  try {
    await expect(op()).rejects.toMatchObject({ code: 'LOG_INCONSISTENT' });
    await unscoped?.();
  } finally {
    await adv.clear();
  }
  return (await adv.evidence())
    .filter((e) => e.id === installed.id && !e.detail.startsWith('not applicable'))
    .map((e) => e.detail);
}

beforeAll(async () => {
  adv = await startAdversary(USERS, { transparencyLog: ORIGIN });
  const { data } = await ocsCall(
    { account: account('alice') },
    { method: 'GET', path: '/ocs/v2.php/cloud/capabilities' },
  );
  const tl = (data as { capabilities: Record<string, Record<string, Record<string, string>>> })
    .capabilities['end-to-end-encryption']!['transparency-log']!;
  logKey = parseVerifierKey(tl['verifier-key']!);
  devices.alice = await logDevice('alice');
  devices.bob = await logDevice('bob');
}, 60_000);

afterAll(async () => {
  await adv?.close();
});

describe('checkpoint attacks (E2EE-CONF-450, spec/21 §10)', () => {
  it('E2EE-LOG-060: log-checkpoint-rollback: the checkpoint served before the current one is refused as LOG_INCONSISTENT, and only the scoped user is attacked', async () => {
    const alice = devices.alice!;
    const h = await createTopFolder(alice, 'rollback');
    await uploadFile(alice, h, { filename: 'a.txt', content: text('a') });
    await enrol({ account: account('carol'), retry: fastRetry }); // a key entry: the log grows
    await openTopFolder(alice, 'rollback');
    const details = await refused(
      { attack: 'log-checkpoint-rollback', scope: { user: 'alice' } },
      () => openTopFolder(alice, 'rollback'),
      async () => {
        await createTopFolder(devices.bob!, 'bob-meanwhile');
        await openTopFolder(devices.bob!, 'bob-meanwhile');
      },
    );
    expect(details[0]).toMatch(/the checkpoint served before the current one/);
    // After the attack the honest checkpoint is served again and accepted.
    await openTopFolder(alice, 'rollback');
  });

  it('E2EE-LOG-060: log-checkpoint-other-root: a checkpoint of the same size with another root, signed with the log key, is refused as LOG_INCONSISTENT', async () => {
    const bob = devices.bob!;
    await createTopFolder(bob, 'other-root');
    const size = await checkpointSize('bob');
    const details = await refused(
      { attack: 'log-checkpoint-other-root', scope: { user: 'bob' } },
      () => openTopFolder(bob, 'other-root'),
    );
    expect(details).toEqual([
      `a checkpoint of size ${size} with another root, signed with the log key`,
    ]);
    await openTopFolder(bob, 'other-root');
  });

  it('E2EE-CONF-450: every checkpoint attack of the catalogue is mounted above', () => {
    const log = ATTACK_NAMES.filter((n) => ATTACKS[n].route === 'log-checkpoint');
    expect(log.length).toBeGreaterThan(0);
    expect(log.filter((n) => !tested.has(n))).toEqual([]);
  });
});
