/**
 * Every client attack of the catalogue, installed through the management API of a real mock
 * server on loopback, mounted against the reference client: the client refuses with the code the
 * catalogue names, the firing is recorded as evidence, and nothing a refusal forbids is sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTopFolder,
  downloadFile,
  dropFile,
  enrol,
  makeSubfolder,
  openTopFolder,
  recover,
  shareFolder,
  unshareFolder,
  uploadFile,
  PersistentRecoveryGate,
  type Device,
  type FolderHandle,
} from '../../../reference/src/client/index.js';
import {
  e2ee,
  fetchTransport,
  webdav,
  type HttpTransport,
} from '../../../reference/src/http/index.js';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { MemoryPinStore } from '../../../reference/src/certs/index.js';
import { sha256Hex } from '../../../reference/src/bytes/index.js';
import { signStatement } from '../../../reference/src/recovery-key/index.js';
import { MemoryStateStore } from '../../../reference/src/state/index.js';
import { ATTACKS, ATTACK_NAMES, type AttackInstall } from '../../src/adversary/index.js';
import { describeConfig, parseConfig } from '../../src/config.js';
import { startAdversary, type AdversaryServer } from './_server.js';

const USERS = {
  alice: 'alice-pw',
  bob: 'bob-pw',
  carol: 'carol-pw',
  dave: 'dave-pw',
  erin: 'erin-pw',
  frank: 'frank-pw',
  gina: 'gina-pw',
} as const;
type Uid = keyof typeof USERS;

const text = (s: string) => new TextEncoder().encode(s);
/** Long enough that half the body still holds more than a tag. */
const LONG_A = text('one '.repeat(32));
const fastRetry = { attempts: 3, delayMs: 1, sleep: async () => undefined };

let adv: AdversaryServer;
const sent: string[] = [];
const transport: HttpTransport = async (req) => {
  sent.push(`${req.method} ${new URL(req.url).pathname}`);
  return fetchTransport(req);
};
const devices: Partial<Record<Uid, Device>> = {};
const mnemonics: Partial<Record<Uid, string[]>> = {};
const account = (uid: Uid) => ({ baseUrl: adv.url, userId: uid, password: USERS[uid] });
const device = (uid: Uid) => devices[uid]!;
const enrolAs = (uid: Uid) => enrol({ account: account(uid), transport, retry: fastRetry });

/**
 * Runs `op` with `attack` installed and expects the client to refuse with `code`, which must be
 * one the catalogue names; the firing must be in the evidence. Removes the attack afterwards.
 */
async function refused(attack: AttackInstall, code: string, op: () => Promise<unknown>) {
  expect(ATTACKS[attack.attack].expect).toContain(code);
  const before = (await adv.evidence()).length;
  const installed = await adv.install(attack);
  try {
    await expect(op()).rejects.toMatchObject({ code });
  } finally {
    await adv.clear();
  }
  const fired = (await adv.evidence()).slice(before).filter((e) => e.id === installed.id);
  expect(fired.length).toBeGreaterThan(0);
  expect(fired.some((e) => !e.detail.startsWith('not applicable'))).toBe(true);
}

const tested = new Set<string>();
function covers(name: (typeof ATTACK_NAMES)[number]) {
  tested.add(name);
  return name;
}

beforeAll(async () => {
  adv = await startAdversary(USERS);
  for (const uid of ['alice', 'bob', 'carol'] as const) {
    const r = await enrolAs(uid);
    devices[uid] = r.device;
    mnemonics[uid] = r.mnemonic;
  }
}, 60_000);

afterAll(async () => {
  await adv?.close();
});

describe('client attacks through the management API (E2EE-CONF-450)', () => {
  it('E2EE-CONF-451: the banner announces the attacks; none is installed at start', () => {
    const lines = describeConfig(parseConfig({ management: true }));
    expect(lines).toContainEqual(
      `client attacks: ${ATTACK_NAMES.length} known, none installed (/__sealfold/attacks installs them)`,
    );
    expect(describeConfig(parseConfig({})).some((l) => l.includes('attacks'))).toBe(false);
  });

  it('E2EE-CONF-452: an unknown attack or scope field is refused and installs nothing; none is installed at start', async () => {
    const start = (await (await adv.manage('GET', '/attacks')).json()) as {
      active: unknown[];
      known: Array<{ name: string }>;
    };
    expect(start.active).toEqual([]);
    expect(start.known.map((k) => k.name)).toEqual([...ATTACK_NAMES]);
    for (const body of [
      { attack: 'no-such-attack' },
      { attack: 'counter-rollback', scope: { nth: 0 } },
      { attack: 'counter-rollback', scope: { path: '/x' } },
      { attack: 'counter-rollback', extra: 1 },
    ]) {
      expect((await adv.manage('POST', '/attacks', body)).status).toBe(400);
    }
    expect(((await (await adv.manage('GET', '/attacks')).json()) as { active: [] }).active).toEqual(
      [],
    );
  });

  it('E2EE-CONF-453: an attack scoped to a user and the nth answer fires only there, and is recorded', async () => {
    const a = await adv.install({ attack: 'drop-capability', scope: { user: 'dave', nth: 2 } });
    try {
      // alice's answers are not in scope; dave's first is seen but not rewritten.
      await expect(e2ee.getCapability(device('alice').ctx)).resolves.toMatchObject({
        enabled: true,
      });
      const daveCtx = { account: account('dave'), transport };
      await expect(e2ee.getCapability(daveCtx)).resolves.toMatchObject({ enabled: true });
      await expect(e2ee.getCapability(daveCtx)).rejects.toMatchObject({ code: 'UNSUPPORTED' });
      await expect(e2ee.getCapability(daveCtx)).resolves.toMatchObject({ enabled: true });
      const listed = (await (await adv.manage('GET', '/attacks')).json()) as {
        active: Array<{ id: number; seen: number; fired: number }>;
      };
      expect(listed.active.find((x) => x.id === a.id)).toMatchObject({ seen: 3, fired: 1 });
      expect((await adv.evidence()).filter((e) => e.id === a.id)).toEqual([
        expect.objectContaining({ attack: 'drop-capability', user: 'dave' }),
      ]);
      expect(adv.log.entries.filter((e) => e.type === 'attack')).toContainEqual(
        expect.objectContaining({ attack: 'drop-capability', user: 'dave' }),
      );
    } finally {
      await adv.clear();
    }
  });
});

describe('enrolment and recovery attacks (K1, K2, M5)', () => {
  it('E2EE-API-301: drop-capability and capability-1x-only: enrolment is UNSUPPORTED', async () => {
    for (const attack of [covers('drop-capability'), covers('capability-1x-only')]) {
      await refused({ attack, scope: { user: 'dave' } }, 'UNSUPPORTED', () => enrolAs('dave'));
    }
  });

  it('E2EE-API-302: own-certificate-other-key: enrolment is KEY_MISMATCH and uploads no private key', async () => {
    const from = sent.length;
    await refused(
      { attack: covers('own-certificate-other-key'), scope: { user: 'dave' } },
      'KEY_MISMATCH',
      () => enrolAs('dave'),
    );
    expect(sent.slice(from).filter((s) => s.endsWith('/private-key'))).toEqual([]);
  });

  it('E2EE-API-302: own-certificate-other-ca: enrolment is CERT_UNTRUSTED and uploads no private key', async () => {
    const from = sent.length;
    await refused(
      { attack: covers('own-certificate-other-ca'), scope: { user: 'erin' } },
      'CERT_UNTRUSTED',
      () => enrolAs('erin'),
    );
    expect(sent.slice(from).filter((s) => s.endsWith('/private-key'))).toEqual([]);
  });

  it('E2EE-API-303: server-key-swap: CERT_UNTRUSTED on first contact, KEY_CHANGED once pinned', async () => {
    await refused(
      { attack: covers('server-key-swap'), scope: { user: 'frank' } },
      'CERT_UNTRUSTED',
      () => enrolAs('frank'),
    );
    await refused({ attack: 'server-key-swap', scope: { user: 'alice' } }, 'KEY_CHANGED', () =>
      recover({
        account: account('alice'),
        transport,
        mnemonic: mnemonics.alice!,
        pins: device('alice').pins,
      }),
    );
  });

  it('E2EE-API-304: own-certificate-other-key-lookup: recovery is KEY_MISMATCH', async () => {
    await refused(
      { attack: covers('own-certificate-other-key-lookup'), scope: { user: 'carol' } },
      'KEY_MISMATCH',
      () =>
        recover({
          account: account('carol'),
          transport,
          mnemonic: mnemonics.carol!,
          pins: new MemoryPinStore(),
          state: new MemoryStateStore(),
        }),
    );
  });

  it('E2EE-API-310: member-certificate-other-key: sharing with a pinned user is KEY_CHANGED', async () => {
    // alice pins bob by sharing once.
    await shareFolder(device('alice'), await createTopFolder(device('alice'), 'pin-bob'), 'bob');
    const h = await createTopFolder(device('alice'), 'share-under-attack');
    await refused(
      { attack: covers('member-certificate-other-key'), scope: { user: 'alice' } },
      'KEY_CHANGED',
      () => shareFolder(device('alice'), h, 'bob'),
    );
    // A certificate naming another user is refused even on first contact.
    await refused(
      {
        attack: 'member-certificate-other-key',
        scope: { user: 'alice' },
        params: { user: 'carol', cn: 'mallory' },
      },
      'CERT_USER_MISMATCH',
      () => shareFolder(device('alice'), h, 'carol'),
    );
  });
});

describe('metadata attacks on a shared folder (K2, K4, K6, K7, C1, C4, C5, F1, P2, D1)', () => {
  let box: FolderHandle;
  const open = () => openTopFolder(device('bob'), 'box');
  const onBob = (attack: AttackInstall['attack'], params?: Record<string, string>) => ({
    attack: covers(attack),
    scope: { user: 'bob', folder: 'box' },
    ...(params ? { params } : {}),
  });

  beforeAll(async () => {
    box = await createTopFolder(device('alice'), 'box');
    box = await shareFolder(device('alice'), box, 'bob');
    box = (await uploadFile(device('alice'), box, { filename: 'a.txt', content: LONG_A })).handle;
    box = (await uploadFile(device('alice'), box, { filename: 'b.txt', content: text('two') }))
      .handle;
    await open();
  });

  for (const [attack, code] of [
    ['member-certificate-in-document', 'SIGNATURE_INVALID'],
    ['inject-member', 'SIGNATURE_INVALID'],
    ['replace-users', 'SIGNATURE_INVALID'],
    ['drop-member', 'SIGNATURE_INVALID'],
    ['resign-as-minted-signer', 'SIGNER_NOT_MEMBER'],
    ['resign-as-minted-member', 'SIGNER_NOT_MEMBER'],
    ['strip-signature', 'SIGNATURE_MISSING'],
    ['flip-metadata-byte', 'SIGNATURE_INVALID'],
    ['flip-signature-byte', 'SIGNATURE_INVALID'],
    ['zero-wrapped-key', 'SIGNATURE_INVALID'],
    ['repeated-byte-wrapped-key', 'SIGNATURE_INVALID'],
    ['v1-document', 'METADATA_VERSION_UNSUPPORTED'],
    ['delete-metadata', 'NOT_FOUND'],
    ['delete-folder', 'NOT_FOUND'],
  ] as const) {
    it(`E2EE-CONF-454: ${attack}: opening the folder is ${code}; the honest folder opens afterwards`, async () => {
      await refused(onBob(attack), code, open);
      await expect(open()).resolves.toBeDefined();
    });
  }

  it('E2EE-CONF-472: the tampered document and body an attack served are kept as served, for that attack only, until it is removed', async () => {
    const h = await open();
    const honest = await e2ee.getMetadata(device('alice').ctx, h.state.rootId);
    const fileId = Object.entries(h.state.docs[h.state.rootId]!.files).find(
      ([, f]) => f.filename === 'a.txt',
    )![0];
    const servedBy = async (id: number) => {
      const r = await adv.manage('GET', `/attacks/${id}/served`);
      return r.status === 200 ? ((await r.json()) as { served: unknown[] }).served : r.status;
    };
    const meta = await adv.install(onBob('flip-metadata-byte'));
    const idle = await adv.install({ attack: 'flip-file-byte', scope: { user: 'carol' } });
    try {
      await expect(open()).rejects.toMatchObject({ code: 'SIGNATURE_INVALID' });
      const served = (await servedBy(meta.id)) as Array<Record<string, string>>;
      expect(served.length).toBeGreaterThan(0);
      const root = served.find((x) => x.folderId === h.state.rootId)!;
      expect(root).toMatchObject({ route: 'meta-data-get', signatureWire: honest.signature });
      expect(root.documentWire).not.toBe(honest.document);
      expect(root.documentWire.length).toBe(honest.document.length);
      // An attack that never fired keeps nothing.
      expect(await servedBy(idle.id)).toEqual([]);
    } finally {
      await adv.clear();
    }
    expect(await servedBy(meta.id)).toBe(404);
    const body = await adv.install(onBob('flip-file-byte'));
    try {
      await expect(downloadFile(device('bob'), h, fileId)).rejects.toMatchObject({
        code: 'AEAD_TAG_MISMATCH',
      });
      const [kept] = (await servedBy(body.id)) as Array<Record<string, string>>;
      // alice is out of the attack's scope: she is served the stored body.
      const honestBody = await webdav.getFile(device('alice').ctx, `box/${fileId}`);
      honestBody[0] = honestBody[0]! ^ 0x01;
      expect(kept).toMatchObject({
        route: 'dav-file-get',
        fileId,
        hex: Buffer.from(honestBody).toString('hex'),
      });
    } finally {
      await adv.clear();
    }
  });

  it('E2EE-META-062: counter-rollback: after a newer version was seen, the previous document is COUNTER_ROLLBACK', async () => {
    box = (await uploadFile(device('alice'), box, { filename: 'c.txt', content: text('three') }))
      .handle;
    await open();
    await refused(onBob('counter-rollback'), 'COUNTER_ROLLBACK', open);
  });

  it('E2EE-FILE-006: E2EE-FILE-007: flipped, truncated and spliced file bodies are AEAD_TAG_MISMATCH', async () => {
    const h = await open();
    const files = Object.entries(h.state.docs[h.state.rootId]!.files);
    const fileId = files.find(([, f]) => f.filename === 'a.txt')![0];
    for (const attack of [
      'flip-file-byte',
      'flip-file-tag',
      'truncate-file',
      'splice-file',
    ] as const) {
      await refused(onBob(attack), 'AEAD_TAG_MISMATCH', () =>
        downloadFile(device('bob'), h, fileId),
      );
    }
    await expect(downloadFile(device('bob'), h, fileId)).resolves.toEqual(LONG_A);
  });
});

describe('a first open (K2, E2EE-META-805)', () => {
  it('E2EE-META-805: resign-under-other-ca: a document signed under another CA is CERT_UNTRUSTED on a first open', async () => {
    const gina = (await enrolAs('gina')).device;
    await shareFolder(
      device('alice'),
      await createTopFolder(device('alice'), 'first-open'),
      'gina',
    );
    await refused(
      { attack: covers('resign-under-other-ca'), scope: { user: 'gina', folder: 'first-open' } },
      'CERT_UNTRUSTED',
      () => openTopFolder(gina, 'first-open'),
    );
    await expect(openTopFolder(gina, 'first-open')).resolves.toBeDefined();
  });
});

describe('membership history attacks (R1, R3, F1, M1)', () => {
  beforeAll(async () => {
    let team = await createTopFolder(device('alice'), 'team');
    team = await shareFolder(device('alice'), team, 'bob');
    team = await shareFolder(device('alice'), team, 'carol');
    await openTopFolder(device('carol'), 'team');
    await unshareFolder(device('alice'), team, 'bob');
    await openTopFolder(device('carol'), 'team');
  });

  it('E2EE-SEC-054: hide-removal: the document from before bob was removed is COUNTER_ROLLBACK', async () => {
    await refused(
      {
        attack: covers('hide-removal'),
        scope: { user: 'carol', folder: 'team' },
        params: { user: 'bob' },
      },
      'COUNTER_ROLLBACK',
      () => openTopFolder(device('carol'), 'team'),
    );
  });

  it('E2EE-SEC-054: readd-removed-member: a document re-adding bob, signed as bob by the server, is refused', async () => {
    await refused(
      {
        attack: covers('readd-removed-member'),
        scope: { user: 'carol', folder: 'team' },
        params: { user: 'bob' },
      },
      'SIGNER_NOT_MEMBER',
      () => openTopFolder(device('carol'), 'team'),
    );
  });

  it("E2EE-SHARE-041: subfolder-swap: a sub-folder served another sub-folder's document is METADATA_MISPLACED", async () => {
    const tree = await createTopFolder(device('alice'), 'tree');
    await makeSubfolder(
      device('alice'),
      (await makeSubfolder(device('alice'), tree, 's1')).handle,
      's2',
    );
    await refused(
      {
        attack: covers('subfolder-swap'),
        scope: { user: 'alice', folder: 'tree' },
      },
      'METADATA_MISPLACED',
      () => openTopFolder(device('alice'), 'tree'),
    );
  });
});

describe('filedrop attacks (K4, E2EE-SHARE-809)', () => {
  it('E2EE-SHARE-809: E2EE-SHARE-811: inject-member into the list a filedrop uploader encrypts to is SIGNATURE_INVALID, and nothing is uploaded', async () => {
    await shareFolder(device('alice'), await createTopFolder(device('alice'), 'drop'), 'bob');
    await e2ee.createUserShare(device('alice').ctx, 'drop', 'carol');
    const from = sent.length;
    await refused(
      { attack: 'inject-member', scope: { user: 'carol', folder: 'drop' } },
      'SIGNATURE_INVALID',
      () => dropFile(device('carol'), 'drop', { filename: 'x.txt', content: text('secret') }),
    );
    expect(
      sent.slice(from).filter((r) => r.startsWith('PUT') || r.startsWith('POST /ocs')),
    ).toEqual([]);
  });
});

describe('recovery-key attacks (K5)', () => {
  it('E2EE-RKEY-010 E2EE-RKEY-101: recovery-statement-unsigned: the gate rejects it with RECOVERY_POLICY_INVALID, refuses consent and stores nothing', async () => {
    const signing = generateKeyPairSync('ed25519').privateKey;
    const rsa = generateKeyPairSync('rsa', { modulusLength: 3072 });
    const spki = new Uint8Array(rsa.publicKey.export({ format: 'der', type: 'spki' }));
    const statement = signStatement(
      {
        issuer: 'test',
        notBefore: '2026-01-01T00:00:00Z',
        purpose: 'test',
        recoveryKey: spki,
        recoveryKeySha256: sha256Hex(spki),
        scopeUsers: ['*'],
        serial: 1,
        status: 'active',
      },
      signing,
    );
    const signerSpki = createPublicKey(signing).export({ format: 'der', type: 'spki' });
    expect((await adv.manage('PUT', '/recovery-key', { statement })).status).toBe(200);
    try {
      const state = new MemoryStateStore();
      const gate = await PersistentRecoveryGate.load({
        state,
        userId: 'alice',
        serverId: adv.url,
        anchor: { signerKeySha256: sha256Hex(new Uint8Array(signerSpki)) },
      });
      const ctx = device('alice').ctx;
      await refused(
        { attack: covers('recovery-statement-unsigned'), scope: { user: 'alice' } },
        'RECOVERY_POLICY_INVALID',
        async () => {
          const event = await gate.sync(ctx);
          expect(event).toMatchObject({ kind: 'recovery-key-rejected' });
          return gate.consent('1', sha256Hex(spki));
        },
      );
      expect(await state.keys()).toEqual([]);
      // The honest statement, served again, is offered.
      expect(await gate.sync(ctx)).toMatchObject({ kind: 'recovery-key-offered' });
    } finally {
      await adv.manage('DELETE', '/recovery-key');
    }
  });
});

describe('the catalogue', () => {
  it('E2EE-CONF-450: every attack is mounted against the reference client above', () => {
    // The checkpoint attacks need a server with a transparency log: ./log-attacks.test.ts.
    expect(
      ATTACK_NAMES.filter((n) => !tested.has(n) && ATTACKS[n].route !== 'log-checkpoint'),
    ).toEqual([]);
  });
});
