/**
 * A device of one user: the account, the user's key material once enrolled or recovered, and the
 * client's persistent state (pins and per-folder high-water marks). Enrolment on a first device
 * and recovery on a new one (spec/16-client-flows.md §2).
 *
 * @module
 */
import { defaultRng, type Rng } from '../_internal/bytes.js';
import { SealfoldError } from '../errors/index.js';
import {
  acceptUserCertificate,
  assertKeyMatchesCertificate,
  certificateToPem,
  MemoryPinStore,
  pinServerKey,
  verifyUserCertificate,
  type PinStore,
} from '../certs/index.js';
import { publicKeyFromPem } from '../keys/index.js';
import { enrolUser, recoverPrivateKey } from '../recovery/index.js';
import { MemoryStateStore, type StateStore } from '../state/index.js';
import type { HttpTransport } from '../http/transport.js';
import type { ForkWitness } from '../folders/index.js';
import type { Account, ClientContext } from '../http/ocs.js';
import * as api from '../http/e2ee-api.js';
import type { RecoveryWrapSource } from '../recovery-key/guard.js';
import type { PinnedLog } from '../log/index.js';
import { pinLogAtEnrolment } from './log-pin.js';

/** How lock conflicts are retried (E2EE-API-307). */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly attempts: number;
  /** Delay before the second attempt; doubles after each. */
  readonly delayMs: number;
  readonly sleep: (ms: number) => Promise<void>;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 5,
  delayMs: 50,
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

/** Options shared by {@link enrol} and {@link recover}. */
export interface DeviceOptions {
  readonly account: Account;
  readonly transport?: HttpTransport;
  /** Pins of certificates and the server key (default: in memory). */
  readonly pins?: PinStore;
  /** High-water marks and folder memberships (default: in memory). */
  readonly state?: StateStore;
  readonly rng?: Rng;
  /** The clock of the CMS signingTime attribute (default: the system clock); injectable like rng. */
  readonly now?: () => Date;
  readonly retry?: RetryPolicy;
  /**
   * A verifiable log that sees every folder head read or written (E2EE-META-076); none by
   * default. `pinnedLogWitness(device.ctx, device.state, device.log)` is the transparency log
   * pinned at enrolment (spec/21). It is not the default because a filedrop merge is logged with
   * the dropper as `signer` (E2EE-LOG-003) while a read requires the document's signer
   * (E2EE-LOG-062): after a drop, every read of the folder would be refused (spec/21 §7 note).
   */
  readonly witness?: ForkWitness;
}

/** An enrolled device: everything the folder flows need. Secrets stay in this object. */
export interface Device {
  readonly ctx: ClientContext;
  readonly userId: string;
  /** The user's RSA private key, PKCS#8 DER. */
  readonly privateKey: Uint8Array;
  /** The user's certificate, PEM. */
  readonly certificate: string;
  /** The pinned server key, SPKI DER. */
  readonly serverPublicKey: Uint8Array;
  readonly pins: PinStore;
  readonly state: StateStore;
  readonly rng: Rng;
  readonly now?: () => Date;
  readonly retry: RetryPolicy;
  readonly witness?: ForkWitness;
  /** The recovery-key gate (spec/20-recovery-key.md); without it no folder gets a recovery wrap. */
  readonly recovery?: RecoveryWrapSource;
  /** The server's transparency log as pinned at enrolment (spec/21 §1), when it advertises one. */
  readonly log?: PinnedLog;
}

/** The identity under which a server's key is pinned: its base URL. */
export function serverIdOf(account: Account): string {
  return account.baseUrl;
}

function contextOf(opts: DeviceOptions): ClientContext {
  return opts.transport
    ? { account: opts.account, transport: opts.transport }
    : { account: opts.account };
}

/**
 * Fetches the server key and pins it on first sight (E2EE-API-303, E2EE-CERT-034); returns it
 * with the capability it was offered under.
 */
async function pinnedServerKey(ctx: ClientContext, pins: PinStore) {
  const capability = await api.getCapability(ctx);
  // E2EE-API-301 (MUST, client): only a server offering E2EE API 2.x is used for writing.
  if (!capability.enabled || !/^2(\.\d+)?$/.test(capability.apiVersion)) {
    throw new SealfoldError(
      'UNSUPPORTED',
      `the server offers E2EE API ${JSON.stringify(capability.apiVersion)}, not 2.x`,
    );
  }
  const spki = publicKeyFromPem(await api.getServerKey(ctx));
  await pinServerKey(pins, serverIdOf(ctx.account), spki);
  return { spki, capability };
}

/**
 * What both enrolment and recovery start from: the context, the pins, the pinned server key and,
 * when the server advertises a transparency log, the log pinned with its first verified
 * checkpoint (before a CSR is sent or a private key fetched).
 */
async function start(opts: DeviceOptions) {
  const ctx = contextOf(opts);
  const pins = opts.pins ?? new MemoryPinStore();
  const state = opts.state ?? new MemoryStateStore();
  const { spki, capability } = await pinnedServerKey(ctx, pins);
  const log = await pinLogAtEnrolment(ctx, state, capability.transparencyLog);
  return {
    ctx,
    pins,
    state,
    userId: opts.account.userId,
    serverPublicKey: spki,
    ...(log !== null ? { log } : {}),
  };
}

function deviceOf(
  opts: DeviceOptions,
  base: Awaited<ReturnType<typeof start>>,
  privateKey: Uint8Array,
  certificateDer: Uint8Array,
): Device {
  const witness = opts.witness;
  return {
    ...base,
    privateKey,
    certificate: certificateToPem(certificateDer),
    rng: opts.rng ?? defaultRng,
    ...(opts.now ? { now: opts.now } : {}),
    retry: opts.retry ?? DEFAULT_RETRY,
    ...(witness ? { witness } : {}),
  };
}

/**
 * First device: makes the key pair and mnemonic locally, has the server sign the CSR, checks the
 * certificate it returns, and stores the private key encrypted under the mnemonic. Only the CSR
 * and the encrypted blob leave the device (E2EE-API-302, E2EE-SEC-003).
 *
 * @returns the device and the 12 words to show the user once.
 */
export async function enrol(opts: DeviceOptions): Promise<{ device: Device; mnemonic: string[] }> {
  const base = await start(opts);
  const { ctx, userId, serverPublicKey, pins } = base;
  const e = await enrolUser({ userId, rng: opts.rng ?? defaultRng });
  const certificatePem = await api.submitCsr(ctx, e.csrPem);
  // E2EE-API-302 (MUST, client): the issued certificate is validated and matched to the private
  // key, and only then pinned, before the encrypted private key is uploaded.
  const certificate = verifyUserCertificate({
    certificate: certificatePem,
    serverPublicKey,
    userId,
  });
  // E2EE-API-313 (MUST NOT, client): a certificate for another key is refused before it can pin.
  assertKeyMatchesCertificate(e.pkcs8, certificate);
  await acceptUserCertificate({ certificate: certificate.der, serverPublicKey, userId, pins });
  await api.storePrivateKeyBlob(ctx, e.blob);
  return { mnemonic: e.mnemonic, device: deviceOf(opts, base, e.pkcs8, certificate.der) };
}

/**
 * New device: fetches the user's certificate and encrypted private key, decrypts it with the
 * mnemonic and refuses a key that does not belong to the certificate (E2EE-API-304).
 */
export async function recover(
  opts: DeviceOptions & { mnemonic: string | readonly string[] },
): Promise<Device> {
  const base = await start(opts);
  const { ctx, userId, serverPublicKey, pins } = base;
  const certificatePem = (await api.getPublicKeys(ctx, [userId]))[userId];
  if (certificatePem === undefined)
    throw new SealfoldError('NOT_FOUND', 'the server has no certificate for this user');
  const blob = await api.getPrivateKeyBlob(ctx);
  const r = await recoverPrivateKey({
    blob,
    mnemonic: opts.mnemonic,
    certificate: certificatePem,
    userId,
    serverPublicKey,
    pins,
  });
  return deviceOf(opts, base, r.pkcs8, r.certificate.der);
}
