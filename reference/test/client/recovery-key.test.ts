/**
 * The recovery-key extension in the reference client, end to end over real HTTP against
 * `sealfold serve` (spec/20-recovery-key.md §4–§5), and adversarially: a server that swaps the
 * recovery key, enables one without a valid policy, rolls the policy back, or adds itself as a
 * recovery recipient. In every adversarial case the client reports the code, and no document it
 * writes carries a wrap to anything but the consented, pinned key.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTopFolder,
  enrol,
  openTopFolder,
  recover,
  shareFolder,
  unshareFolder,
  uploadFile,
  type Device,
  type FolderHandle,
} from '../../src/client/index.js';
import {
  e2ee,
  fetchTransport,
  type HttpRequest,
  type HttpResponse,
  type HttpTransport,
} from '../../src/http/index.js';
import {
  checkFolderRecovery,
  readRecoveryWrap,
  RecoveryKeyGuard,
  RECOVERY_KEY_PATH,
  syncRecoveryKey,
  unwrapRecovery,
} from '../../src/recovery-key/index.js';
import { adminKeys, statementFor } from '../recovery-key/_fixtures.js';
import { serve, usersFile, type ServedServer } from './_serve.js';

const PASSWORDS = { alice: 'alice-pw', bob: 'bob-pw' } as const;
const admin = adminKeys();
const attacker = adminKeys();
const text = (s: string) => new TextEncoder().encode(s);

/** A transport whose answers to GET …/recovery-key a test can replace (the malicious server). */
function adversary(): {
  transport: HttpTransport;
  serve(statement: string | null | undefined): void;
} {
  let forged: string | null | undefined;
  const ocs = (status: number, data: unknown): HttpResponse => ({
    status,
    headers: { 'content-type': 'application/json' },
    body: text(
      JSON.stringify({ ocs: { meta: { status: 'ok', statuscode: status, message: 'OK' }, data } }),
    ),
  });
  return {
    transport: async (req: HttpRequest) => {
      if (forged !== undefined && new URL(req.url).pathname === RECOVERY_KEY_PATH)
        return forged === null ? ocs(404, []) : ocs(200, { statement: forged });
      return fetchTransport(req);
    },
    serve(statement) {
      forged = statement;
    },
  };
}

let server: ServedServer;
let alice: Device;
let aliceMnemonic: string[];
const net = adversary();
const guard = new RecoveryKeyGuard({
  userId: 'alice',
  anchor: { signerKeySha256: admin.signerKeySha256 },
});

async function enable(statement: string): Promise<void> {
  const r = await fetch(`${server.url}/__sealfold/recovery-key`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ statement }),
  });
  expect(r.status).toBe(200);
}

async function rootDoc(rootId: string): Promise<Record<string, unknown>> {
  const { document } = await e2ee.getMetadata(alice.ctx, rootId);
  return JSON.parse(document) as Record<string, unknown>;
}

beforeAll(async () => {
  server = await serve(['--management', '--users', usersFile(PASSWORDS)]);
  const account = { baseUrl: server.url, userId: 'alice', password: PASSWORDS.alice };
  const r = await enrol({ account, transport: net.transport });
  alice = { ...r.device, recovery: guard };
  aliceMnemonic = r.mnemonic;
  await enrol({ account: { baseUrl: server.url, userId: 'bob', password: PASSWORDS.bob } });
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

describe('consent before any wrap (honest server)', () => {
  let handle: FolderHandle;
  let untouched: FolderHandle;

  it('E2EE-RKEY-043 E2EE-RKEY-020: a server without an enabled key: nothing offered, nothing wrapped', async () => {
    expect(await syncRecoveryKey(alice.ctx, guard)).toBeUndefined();
    handle = await createTopFolder(alice, 'Reports');
    untouched = await createTopFolder(alice, 'Private');
    handle = (await uploadFile(alice, handle, { filename: 'a.txt', content: text('A') })).handle;
    expect(readRecoveryWrap(await rootDoc(handle.state.rootId))).toBeUndefined();
  });

  it('E2EE-RKEY-020 E2EE-RKEY-022: an enabled key is offered with its fingerprint; nothing is wrapped before consent', async () => {
    await enable(statementFor(admin));
    const ev = await syncRecoveryKey(alice.ctx, guard);
    expect(ev).toMatchObject({ kind: 'recovery-key-offered', applies: true, serial: 1 });
    handle = (await uploadFile(alice, handle, { filename: 'b.txt', content: text('B') })).handle;
    expect(readRecoveryWrap(await rootDoc(handle.state.rootId))).toBeUndefined();
  });

  it('E2EE-RKEY-022 E2EE-RKEY-030: after consent for one folder its root document carries the wrap, others do not', async () => {
    guard.consent(handle.state.rootId, guard.pin!.recoveryKeySha256);
    handle = (await uploadFile(alice, handle, { filename: 'c.txt', content: text('C') })).handle;
    const wrap = readRecoveryWrap(await rootDoc(handle.state.rootId))!;
    expect(wrap.recoveryKeySha256).toBe(guard.pin!.recoveryKeySha256);
    expect(unwrapRecovery(admin.recoveryPkcs8, handle.state.rootId, wrap)).toEqual(
      handle.state.metadataKey,
    );
    untouched = (await uploadFile(alice, untouched, { filename: 'x', content: text('X') })).handle;
    expect(readRecoveryWrap(await rootDoc(untouched.state.rootId))).toBeUndefined();
    expect(
      await checkFolderRecovery(alice.ctx, guard, handle.state.rootId, handle.state.members),
    ).toBeUndefined();
  });

  it('E2EE-RKEY-031: after a key rotation (share, unshare) the wrap opens the new key', async () => {
    const before = handle.state.metadataKey;
    handle = await shareFolder(alice, handle, 'bob');
    handle = (await unshareFolder(alice, handle, 'bob')).handle;
    expect(handle.state.metadataKey).not.toEqual(before);
    const wrap = readRecoveryWrap(await rootDoc(handle.state.rootId))!;
    expect(unwrapRecovery(admin.recoveryPkcs8, handle.state.rootId, wrap)).toEqual(
      handle.state.metadataKey,
    );
  });

  it('E2EE-RKEY-031 E2EE-RKEY-032: a non-aware client rewriting the folder drops the wrap; the aware client reports and restores it', async () => {
    // Alice's second device is a client without the extension (as a Nextcloud client is).
    const plain = await recover({
      account: { baseUrl: server.url, userId: 'alice', password: PASSWORDS.alice },
      mnemonic: aliceMnemonic,
    });
    const other = await openTopFolder(plain, 'Reports');
    await uploadFile(plain, other, { filename: 'from-desktop.txt', content: text('D') });
    expect(readRecoveryWrap(await rootDoc(handle.state.rootId))).toBeUndefined();
    handle = await openTopFolder(alice, 'Reports');
    const ev = await checkFolderRecovery(
      alice.ctx,
      guard,
      handle.state.rootId,
      handle.state.members,
    );
    expect(ev).toMatchObject({ kind: 'recovery-wrap-missing', code: 'RECOVERY_WRAP_MISSING' });
    handle = (await uploadFile(alice, handle, { filename: 'd.txt', content: text('E') })).handle;
    expect(readRecoveryWrap(await rootDoc(handle.state.rootId))).toBeDefined();
  });
});

describe('a malicious server', () => {
  let handle: FolderHandle;
  const wrappedTo = async () =>
    readRecoveryWrap(await rootDoc(handle.state.rootId))?.recoveryKeySha256;

  beforeAll(async () => {
    handle = await openTopFolder(alice, 'Reports');
  });

  it('E2EE-RKEY-808 E2EE-RKEY-804: swaps in its own (self-signed) key: rejected, and nothing is wrapped any more', async () => {
    net.serve(statementFor(attacker, { serial: 5 }, attacker.signing));
    const ev = await syncRecoveryKey(alice.ctx, guard);
    expect(ev).toMatchObject({ kind: 'recovery-key-rejected', code: 'RECOVERY_POLICY_INVALID' });
    handle = (await uploadFile(alice, handle, { filename: 'f.txt', content: text('F') })).handle;
    expect(await wrappedTo()).toBeUndefined();
  });

  it('E2EE-RKEY-010: enables a key without a valid policy (unsigned): rejected, nothing wrapped', async () => {
    const signed = JSON.parse(statementFor(attacker)) as Record<string, unknown>;
    delete signed.signature;
    net.serve(JSON.stringify(signed));
    expect(await syncRecoveryKey(alice.ctx, guard)).toMatchObject({
      kind: 'recovery-key-rejected',
      code: 'RECOVERY_POLICY_INVALID',
    });
    handle = (await uploadFile(alice, handle, { filename: 'g.txt', content: text('G') })).handle;
    expect(await wrappedTo()).toBeUndefined();
  });

  it('E2EE-RKEY-021: replays an older admin policy after a newer one: RECOVERY_KEY_CHANGED', async () => {
    const g = new RecoveryKeyGuard({
      userId: 'alice',
      anchor: { signerKeySha256: admin.signerKeySha256 },
    });
    net.serve(statementFor(admin, { serial: 3 }));
    expect(await syncRecoveryKey(alice.ctx, g)).toMatchObject({ kind: 'recovery-key-offered' });
    net.serve(statementFor(admin, { serial: 2, recoveryKey: attacker.recoverySpki }));
    expect(await syncRecoveryKey(alice.ctx, g)).toMatchObject({
      kind: 'recovery-key-rejected',
      code: 'RECOVERY_KEY_CHANGED',
    });
    expect(g.targetFor(handle.state.rootId)).toBeUndefined();
  });

  it('E2EE-RKEY-804 E2EE-RKEY-020: withdraws the statement: reported, wrapping stops; the honest statement again resumes it', async () => {
    net.serve(null);
    expect(await syncRecoveryKey(alice.ctx, guard)).toMatchObject({
      kind: 'recovery-key-withdrawn',
    });
    handle = (await uploadFile(alice, handle, { filename: 'h.txt', content: text('H') })).handle;
    expect(await wrappedTo()).toBeUndefined();
    net.serve(undefined); // the honest statement
    expect(await syncRecoveryKey(alice.ctx, guard)).toBeUndefined();
    handle = (await uploadFile(alice, handle, { filename: 'i.txt', content: text('I') })).handle;
    expect(await wrappedTo()).toBe(guard.pin!.recoveryKeySha256);
  });

  it('E2EE-RKEY-033: adds itself as recovery recipient in a signed document: the folder is refused, nothing is accepted from it', async () => {
    const rootId = handle.state.rootId;
    const honest = await e2ee.getMetadata(alice.ctx, rootId);
    const doc = JSON.parse(honest.document) as Record<string, unknown>;
    doc.sealfoldRecovery = {
      encryptedMetadataKey: 'AAAA',
      policySha256: 'a'.repeat(64),
      recoveryKeySha256: attacker.signerKeySha256,
    };
    const bad: HttpTransport = async (req) => {
      const res = await net.transport(req);
      if (!new URL(req.url).pathname.endsWith(`/meta-data/${rootId}`) || req.method !== 'GET')
        return res;
      const env = JSON.parse(new TextDecoder().decode(res.body)) as {
        ocs: { data: Record<string, string> };
      };
      env.ocs.data['meta-data'] = JSON.stringify(doc);
      return { ...res, body: text(JSON.stringify(env)) };
    };
    const victim: Device = { ...alice, ctx: { ...alice.ctx, transport: bad } };
    await expect(openTopFolder(victim, 'Reports')).rejects.toMatchObject({
      code: 'SIGNATURE_INVALID',
    });
  });
});
