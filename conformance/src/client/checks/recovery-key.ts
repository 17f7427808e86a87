/**
 * The recovery-key client profile (`client-recovery-key`, spec/20-recovery-key.md §4–§5 through
 * the methods of spec/18-driver-protocol.md §10). The vendor's client plays alice, the member who
 * is offered the recovery key. The suite plays the administrator (it makes a throw-away recovery
 * key and policy signing key per check, gives alice the signer's fingerprint as her anchor and
 * enables the statement through the mock's management interface) and the malicious server (it
 * serves a statement of its own). What the client wrapped is judged on the server: the root
 * document the server stores, opened with the recovery private key only the suite holds.
 *
 * @module
 */
import { createPublicKey, generateKeyPair, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { sha256Hex } from '../../../../reference/src/bytes/index.js';
import { e2ee, webdav } from '../../../../reference/src/http/index.js';
import {
  readRecoveryWrap,
  signStatement,
  unwrapRecovery,
  type RecoveryPolicy,
  type RecoveryWrap,
} from '../../../../reference/src/recovery-key/index.js';
import type { ClientActor, ClientCheck, ClientCheckContext } from '../check.js';
import { CheckFailure } from '../check.js';
import type { RecoveryEvent } from '../protocol.js';
import { contentFor } from './_support.js';

const PROFILE = 'client-recovery-key';

/** A throw-away administrator: policy signing key and recovery key pair. */
export interface RecoveryAdmin {
  readonly signing: KeyObject;
  readonly signerKeySha256: string;
  readonly recoverySpki: Uint8Array;
  readonly recoveryKeySha256: string;
  readonly recoveryPkcs8: Uint8Array;
}

const generateRsa = promisify(generateKeyPair);

/**
 * Makes the keys off the event loop: the embedded mock server shares this process, and a
 * seconds-long synchronous RSA key generation would stall its answers to the drivers.
 */
export async function recoveryAdmin(): Promise<RecoveryAdmin> {
  const signing = generateKeyPairSync('ed25519').privateKey;
  const signerSpki = new Uint8Array(
    createPublicKey(signing).export({ format: 'der', type: 'spki' }),
  );
  const rsa = await generateRsa('rsa', { modulusLength: 3072 });
  const recoverySpki = new Uint8Array(rsa.publicKey.export({ format: 'der', type: 'spki' }));
  return {
    signing,
    signerKeySha256: sha256Hex(signerSpki),
    recoverySpki,
    recoveryKeySha256: sha256Hex(recoverySpki),
    recoveryPkcs8: new Uint8Array(rsa.privateKey.export({ format: 'der', type: 'pkcs8' })),
  };
}

/** A statement for `admin`'s recovery key, signed by `signing` (default: the admin's). */
export function statementOf(
  admin: RecoveryAdmin,
  over: Partial<RecoveryPolicy> = {},
  signing: KeyObject = admin.signing,
): string {
  return signStatement(
    {
      issuer: 'sealfold certify client',
      notBefore: '2026-01-01T00:00:00Z',
      purpose: 'conformance check of the recovery-key gate',
      recoveryKey: admin.recoverySpki,
      recoveryKeySha256: admin.recoveryKeySha256,
      scopeUsers: ['*'],
      serial: 1,
      status: 'active',
      ...over,
    },
    signing,
  );
}

/** Enables `statement` on the mock as the administrator (or as a malicious server would). */
export async function enable(ctx: ClientCheckContext, statement: string): Promise<void> {
  await ctx.server.manage('PUT', '/recovery-key', { statement });
  ctx.note('a recovery-key statement is served');
}

/** Runs `fn`, then disables whatever statement is enabled (the server is shared by every check). */
export async function withStatementCleanup(
  ctx: ClientCheckContext,
  fn: () => Promise<void>,
): Promise<void> {
  try {
    await fn();
  } finally {
    await ctx.server.manage('DELETE', '/recovery-key').catch(() => undefined);
  }
}

/** The root document of `folder` as the server stores it, read with `who`'s account. */
export async function storedRoot(
  ctx: ClientCheckContext,
  who: ClientActor,
  folder: string,
): Promise<{ rootId: string; wrap: RecoveryWrap | undefined }> {
  const c = {
    account: {
      baseUrl: ctx.server.baseUrl,
      userId: who.userId,
      password: ctx.passwordOf(who.actor),
    },
  };
  const [self] = await webdav.propfind(c, folder, 0);
  if (!self || self.fileId === '') throw new Error(`the server has no folder ${folder}`);
  const { document } = await e2ee.getMetadata(c, self.fileId);
  const outer = JSON.parse(document) as Record<string, unknown>;
  return { rootId: self.fileId, wrap: readRecoveryWrap(outer) };
}

/** Fails when the stored root document of `folder` carries any recovery wrap. */
async function expectNoWrap(
  ctx: ClientCheckContext,
  who: ClientActor,
  folder: string,
  why: string,
): Promise<void> {
  const { wrap } = await storedRoot(ctx, who, folder);
  if (wrap !== undefined)
    throw new CheckFailure(`${who.actor} wrapped the metadata key to a recovery key ${why}`, {
      expected: 'no sealfoldRecovery member in the stored root document',
      actual: { recoveryKeySha256: wrap.recoveryKeySha256 },
    });
}

/**
 * Fails unless the stored root document of `folder` carries a wrap to `admin`'s key that opens,
 * with the recovery private key, to the metadata key `who` reports.
 */
async function expectWrapOpens(
  ctx: ClientCheckContext,
  who: ClientActor,
  folder: string,
  admin: RecoveryAdmin,
  why: string,
): Promise<void> {
  const { rootId, wrap } = await storedRoot(ctx, who, folder);
  if (wrap === undefined || wrap.recoveryKeySha256 !== admin.recoveryKeySha256)
    throw new CheckFailure(`the stored root document carries no wrap to the recovery key ${why}`, {
      expected: { recoveryKeySha256: admin.recoveryKeySha256 },
      actual: wrap === undefined ? 'no wrap' : { recoveryKeySha256: wrap.recoveryKeySha256 },
    });
  let opened: string;
  try {
    opened = sha256Hex(unwrapRecovery(admin.recoveryPkcs8, rootId, wrap));
  } catch {
    throw new CheckFailure(`the recovery wrap does not open with the recovery private key ${why}`);
  }
  const view = (await who.fingerprint(folder)).folder;
  if (view === null || view.metadataKeySha256 !== opened)
    throw new CheckFailure(`the recovery wrap opens to another key than the folder's ${why}`, {
      expected: { metadataKeySha256: view?.metadataKeySha256 ?? null },
      actual: { metadataKeySha256: opened },
    });
  ctx.note(`the stored wrap opens with the recovery private key to the folder's key ${why}`);
}

/** Fails unless `events` holds one of `kind` (and `code`, when given); returns it. */
function expectEvent(
  events: readonly RecoveryEvent[],
  kind: RecoveryEvent['kind'],
  code?: string,
): RecoveryEvent {
  const found = events.find((e) => e.kind === kind && (code === undefined || e.code === code));
  if (found === undefined)
    throw new CheckFailure(`the client reported no ${kind}${code ? ` with ${code}` : ''}`, {
      expected: { kind, ...(code ? { code } : {}) },
      actual: events.map((e) => ({ kind: e.kind, code: e.code ?? null })),
    });
  return found;
}

/** Alice enrolled, anchored to `admin`'s signer, with the top folder `name` created. */
async function anchoredAlice(ctx: ClientCheckContext, admin: RecoveryAdmin, name: string) {
  const alice = await ctx.enrolled('alice');
  await alice.call('recovery.configure', { anchor: { signerKeySha256: admin.signerKeySha256 } });
  const folder = ctx.folder(name);
  await alice.call('folder.create', { path: folder });
  return { alice, folder };
}

/** Alice pinned and consented `admin`'s key for `folder`, and a write carries the wrap. */
async function consented(
  ctx: ClientCheckContext,
  alice: ClientActor,
  folder: string,
  admin: RecoveryAdmin,
): Promise<void> {
  await enable(ctx, statementOf(admin));
  expectEvent((await alice.call('recovery.events', {})).events, 'recovery-key-offered');
  await alice.call('recovery.consent', { folder, recoveryKeySha256: admin.recoveryKeySha256 });
  await alice.upload(folder, 'consented.txt', contentFor(ctx.seed, 'consented'));
  await expectWrapOpens(ctx, alice, folder, admin, 'after consent');
}

export const consentBeforeWrap: ClientCheck = {
  id: 'recovery-key/consent-before-wrap',
  title:
    'recovery key: an offered key is reported and nothing is wrapped to it before consent; after consent for one folder its wrap opens with the recovery private key',
  requirements: ['E2EE-RKEY-020', 'E2EE-RKEY-022', 'E2EE-RKEY-030', 'E2EE-DRV-100', 'E2EE-DRV-103'],
  level: 'MUST',
  importance: 'critical',
  profile: PROFILE,
  actors: ['alice'],
  vendorRoles: ['alice'],
  async run(ctx) {
    const admin = await recoveryAdmin();
    const { alice, folder } = await anchoredAlice(ctx, admin, 'rkey-consent');
    const other = ctx.folder('rkey-other');
    await alice.call('folder.create', { path: other });
    await withStatementCleanup(ctx, async () => {
      await enable(ctx, statementOf(admin));
      const offered = expectEvent(
        (await alice.call('recovery.events', {})).events,
        'recovery-key-offered',
      );
      if (offered.recoveryKeySha256 !== admin.recoveryKeySha256 || offered.applies !== true)
        throw new CheckFailure('the offer does not show the recovery key the server serves', {
          expected: { recoveryKeySha256: admin.recoveryKeySha256, applies: true },
          actual: { recoveryKeySha256: offered.recoveryKeySha256, applies: offered.applies },
        });
      // E2EE-RKEY-022: seeing the policy changes nothing; a write before consent has no wrap.
      await alice.upload(folder, 'before.txt', contentFor(ctx.seed, 'before'));
      await expectNoWrap(ctx, alice, folder, 'before the user consented');
      const state = await alice.call('recovery.folder', { folder });
      if (state.consented || state.wrapped)
        throw new CheckFailure('the client reports consent or a wrap it was never given', {
          actual: state,
        });
      await alice.call('recovery.consent', { folder, recoveryKeySha256: admin.recoveryKeySha256 });
      await alice.upload(folder, 'after.txt', contentFor(ctx.seed, 'after'));
      await expectWrapOpens(ctx, alice, folder, admin, 'after consent');
      const after = await alice.call('recovery.folder', { folder });
      if (!after.consented || !after.wrapped || after.missing)
        throw new CheckFailure('the client does not report the consented, wrapped folder', {
          expected: { consented: true, wrapped: true, missing: false },
          actual: after,
        });
      // Consent is per folder: another folder of the same user stays without a wrap.
      await alice.upload(other, 'other.txt', contentFor(ctx.seed, 'other'));
      await expectNoWrap(ctx, alice, other, 'in a folder the user did not consent for');
    });
  },
};

export const swappedKeyRefused: ClientCheck = {
  id: 'recovery-key/swapped-key-refused',
  title:
    'recovery key: a key the server swaps in after consent is refused with its code; nothing is wrapped and no consent to it is taken',
  requirements: ['E2EE-RKEY-808', 'E2EE-RKEY-804', 'E2EE-RKEY-024'],
  level: 'MUST',
  importance: 'critical',
  profile: PROFILE,
  actors: ['alice'],
  vendorRoles: ['alice'],
  async run(ctx) {
    const admin = await recoveryAdmin();
    const server = await recoveryAdmin();
    const { alice, folder } = await anchoredAlice(ctx, admin, 'rkey-swap');
    await withStatementCleanup(ctx, async () => {
      await consented(ctx, alice, folder, admin);
      // The server nominates its own key, signed by its own signer, with a higher serial.
      await enable(ctx, statementOf(server, { serial: 2 }));
      const rejected = expectEvent(
        (await alice.call('recovery.events', {})).events,
        'recovery-key-rejected',
      );
      if (rejected.code !== 'RECOVERY_POLICY_INVALID' && rejected.code !== 'RECOVERY_KEY_CHANGED')
        throw new CheckFailure('the swap is rejected with another code than the spec names', {
          expected: ['RECOVERY_POLICY_INVALID', 'RECOVERY_KEY_CHANGED'],
          actual: rejected.code ?? null,
        });
      await ctx.expectRejection(
        alice.call('recovery.consent', { folder, recoveryKeySha256: server.recoveryKeySha256 }),
        ['RECOVERY_POLICY_INVALID', 'RECOVERY_KEY_CHANGED'],
        'consent to the swapped key',
      );
      await alice.upload(folder, 'after-swap.txt', contentFor(ctx.seed, 'after-swap'));
      // E2EE-RKEY-804: while the served statement is refused nothing is wrapped at all.
      await expectNoWrap(ctx, alice, folder, 'while the served statement is a swapped key');
    });
  },
};

export const rolledBackPolicyRefused: ClientCheck = {
  id: 'recovery-key/rolled-back-policy-refused',
  title:
    'recovery key: after a rotation, the older genuine policy served again is refused with RECOVERY_KEY_CHANGED; the retired key gets no consent and no wrap',
  requirements: ['E2EE-RKEY-021', 'E2EE-RKEY-060', 'E2EE-RKEY-804'],
  level: 'MUST',
  importance: 'critical',
  profile: PROFILE,
  actors: ['alice'],
  vendorRoles: ['alice'],
  async run(ctx) {
    const admin = await recoveryAdmin();
    const rotated = await recoveryAdmin();
    const { alice, folder } = await anchoredAlice(ctx, admin, 'rkey-rollback');
    await withStatementCleanup(ctx, async () => {
      const first = statementOf(admin);
      await consented(ctx, alice, folder, admin);
      // The administrator rotates: a new key under serial 2, signed by the same signer.
      await enable(ctx, statementOf(rotated, { serial: 2 }, admin.signing));
      const changed = expectEvent(
        (await alice.call('recovery.events', {})).events,
        'recovery-key-changed',
      );
      if (changed.recoveryKeySha256 !== rotated.recoveryKeySha256)
        throw new CheckFailure('the change does not show the new recovery key', {
          expected: rotated.recoveryKeySha256,
          actual: changed.recoveryKeySha256 ?? null,
        });
      // The server serves the first, genuinely signed policy again (a rollback).
      await enable(ctx, first);
      expectEvent(
        (await alice.call('recovery.events', {})).events,
        'recovery-key-rejected',
        'RECOVERY_KEY_CHANGED',
      );
      await ctx.expectRejection(
        alice.call('recovery.consent', { folder, recoveryKeySha256: admin.recoveryKeySha256 }),
        ['RECOVERY_POLICY_INVALID', 'RECOVERY_KEY_CHANGED'],
        'consent to the rolled-back key',
      );
      await alice.upload(folder, 'after-rollback.txt', contentFor(ctx.seed, 'after-rollback'));
      await expectNoWrap(ctx, alice, folder, 'while the served policy is a rollback');
    });
  },
};

export const unanchoredKeyRefused: ClientCheck = {
  id: 'recovery-key/unanchored-key-refused',
  title:
    'recovery key: a key the server enables on its own (not anchored outside the server) is rejected with RECOVERY_POLICY_INVALID and gets nothing',
  requirements: ['E2EE-RKEY-808', 'E2EE-RKEY-024', 'E2EE-DRV-101'],
  level: 'MUST',
  importance: 'critical',
  profile: PROFILE,
  actors: ['alice'],
  vendorRoles: ['alice'],
  async run(ctx) {
    const admin = await recoveryAdmin();
    const server = await recoveryAdmin();
    const { alice, folder } = await anchoredAlice(ctx, admin, 'rkey-silent');
    await withStatementCleanup(ctx, async () => {
      await enable(ctx, statementOf(server));
      const events = (await alice.call('recovery.events', {})).events;
      expectEvent(events, 'recovery-key-rejected', 'RECOVERY_POLICY_INVALID');
      if (events.some((e) => e.kind === 'recovery-key-offered'))
        throw new CheckFailure('the client offered a key nobody anchored outside the server');
      await ctx.expectRejection(
        alice.call('recovery.consent', { folder, recoveryKeySha256: server.recoveryKeySha256 }),
        ['RECOVERY_POLICY_INVALID'],
        'consent to a key enabled by the server alone',
      );
      await alice.upload(folder, 'silent.txt', contentFor(ctx.seed, 'silent'));
      await expectNoWrap(ctx, alice, folder, 'that the server enabled on its own');
    });
  },
};

export const droppedWrapReported: ClientCheck = {
  id: 'recovery-key/dropped-wrap-reported',
  title:
    'recovery key: a consented folder whose wrap a non-aware member dropped is reported (RECOVERY_WRAP_MISSING) and wrapped again on the next write',
  requirements: ['E2EE-RKEY-032', 'E2EE-RKEY-031', 'E2EE-DRV-102'],
  level: 'MUST',
  importance: 'high',
  profile: PROFILE,
  actors: ['alice', 'bob'],
  vendorRoles: ['alice'],
  async run(ctx) {
    const admin = await recoveryAdmin();
    const { alice, folder } = await anchoredAlice(ctx, admin, 'rkey-dropped');
    const bob = await ctx.enrolled('bob');
    await withStatementCleanup(ctx, async () => {
      await consented(ctx, alice, folder, admin);
      await alice.call('share.add', { folder, userId: bob.userId });
      // Bob's client knows nothing of the extension: his write drops the wrap (E2EE-RKEY-031).
      await bob.call('sync.refresh', { folder });
      await bob.upload(folder, 'by-bob.txt', contentFor(ctx.seed, 'by-bob'));
      if ((await storedRoot(ctx, alice, folder)).wrap !== undefined)
        throw new Error('the non-aware member kept the wrap: the check cannot judge the client');
      const state = await alice.call('recovery.folder', { folder });
      if (!state.consented || state.wrapped || !state.missing)
        throw new CheckFailure('the client does not report the dropped wrap', {
          expected: { consented: true, wrapped: false, missing: true },
          actual: state,
        });
      const missing = expectEvent(
        (await alice.call('recovery.events', {})).events,
        'recovery-wrap-missing',
        'RECOVERY_WRAP_MISSING',
      );
      if (missing.folder !== undefined && missing.folder !== folder)
        throw new CheckFailure('the missing wrap is reported for another folder', {
          expected: folder,
          actual: missing.folder,
        });
      await alice.upload(folder, 'rewrapped.txt', contentFor(ctx.seed, 'rewrapped'));
      await expectWrapOpens(ctx, alice, folder, admin, 'after the next write');
    });
  },
};

export const RECOVERY_KEY_CHECKS: readonly ClientCheck[] = [
  consentBeforeWrap,
  swappedKeyRefused,
  rolledBackPolicyRefused,
  unanchoredKeyRefused,
  droppedWrapReported,
];
