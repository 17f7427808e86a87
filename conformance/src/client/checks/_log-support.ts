/**
 * What the `client-log` checks share (spec/18 §4.1, spec/21 §10): a witness of the test's own
 * that the mock submits its checkpoints to (E2EE-DRV-133), devices that verify the log, the
 * server's checkpoint as one user is shown it, and the refusal oracle of E2EE-LOG-100 (refused
 * twice with the code, `log.status` checkpoint unchanged, `lastRefusal` naming the code).
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import {
  cosignerFromSeed,
  formatVerifierKey,
  openCheckpoint,
  parseVerifierKey,
  type NoteVerifier,
} from '../../../../reference/src/log/index.js';
import { ocsCall } from '../../../../reference/src/http/index.js';
import { toBase64 } from '../../../../reference/src/bytes/index.js';
import { startWitness } from '../../../../server-mock/src/log-tree/witness-server.js';
import type { Actor, ClientActor, ClientCheckContext } from '../check.js';
import { CheckFailure } from '../check.js';
import type { LogConfigureParams, LogStatusResult } from '../protocol.js';

/** The log of the mock and the witness of one test. */
export interface LogHarness {
  /** The log's verifier key (its name is the origin). */
  readonly logKey: NoteVerifier;
  /** `log.configure` params that trust the test's witness with a quorum of one. */
  readonly withWitness: LogConfigureParams;
  /** `log.configure` params without witnesses (quorum 0). */
  readonly noWitness: LogConfigureParams;
  /** The witness's latest cosigned checkpoint size, or null when it cosigned none. */
  witnessSize(): Promise<number | null>;
}

/** The mock's `transparency-log` capability, as `actor` is shown it. */
async function advertisedLogKey(ctx: ClientCheckContext, actor: Actor): Promise<NoteVerifier> {
  const a = await ctx.actor(actor);
  const { data } = await ocsCall(
    { account: { baseUrl: ctx.server.baseUrl, userId: a.userId, password: ctx.passwordOf(actor) } },
    { method: 'GET', path: '/ocs/v2.php/cloud/capabilities' },
  );
  const tl = (data as { capabilities?: Record<string, Record<string, unknown>> })?.capabilities?.[
    'end-to-end-encryption'
  ]?.['transparency-log'] as Record<string, unknown> | undefined;
  if (typeof tl?.['verifier-key'] !== 'string')
    throw new Error('the embedded mock advertises no transparency log: no client-log test can run');
  return parseVerifierKey(tl['verifier-key']);
}

/**
 * Runs `body` with a fresh witness the mock submits to (E2EE-DRV-133), then stops it and turns
 * the mock's log switches and witnesses off again, whatever `body` did.
 */
export async function withLogHarness(
  ctx: ClientCheckContext,
  body: (h: LogHarness) => Promise<void>,
): Promise<void> {
  const logKey = await advertisedLogKey(ctx, 'alice');
  // E2EE-DRV-133 (MUST, suite): a witness of the test's own: fresh key, no state.
  const cosigner = cosignerFromSeed(
    `witness.invalid/sealfold-${ctx.seed}`,
    new Uint8Array(randomBytes(32)),
  );
  const witness = await startWitness({ cosigner, logs: [logKey], stateFile: null });
  const vkey = formatVerifierKey(cosigner.verifier);
  try {
    await ctx.server.manage('PUT', '/log/witnesses', [{ url: witness.url, vkey }]);
    ctx.note(`witness ${cosigner.name} at ${witness.url} cosigns the mock's checkpoints`);
    await body({
      logKey,
      withWitness: { witnesses: [{ verifierKey: vkey, url: witness.url }], quorum: 1 },
      noWitness: { witnesses: [], quorum: 0 },
      async witnessSize() {
        const cp = witness.state()[logKey.name];
        return cp === undefined ? null : cp.size;
      },
    });
  } finally {
    // E2EE-DRV-133: no log state carries over to the next test.
    await ctx.server.manage('PUT', '/log/switches', { fork: null, omit: null });
    await ctx.server.manage('PUT', '/log/witnesses', []);
    await witness.close();
  }
}

/** `actor`'s first device, configured for the log with `trust`, then enrolled. */
export async function logDevice(
  ctx: ClientCheckContext,
  actor: Actor,
  trust: LogConfigureParams,
): Promise<ClientActor> {
  const a = await ctx.actor(actor);
  await a.call('log.configure', trust);
  return ctx.enrolled(actor);
}

/** The checkpoint the mock shows `who` now (verified under the log key). */
export async function serverCheckpoint(
  ctx: ClientCheckContext,
  h: LogHarness,
  who: ClientActor,
): Promise<{ origin: string; size: number; root: string }> {
  const res = await fetch(`${ctx.server.baseUrl}/sealfold-log/checkpoint`, {
    headers: {
      Authorization: `Basic ${Buffer.from(`${who.userId}:${ctx.passwordOf(who.actor)}`).toString('base64')}`,
    },
    signal: AbortSignal.timeout(30_000),
  });
  if (res.status !== 200) throw new Error(`the mock's checkpoint: HTTP ${res.status}`);
  const cp = openCheckpoint(await res.text(), h.logKey);
  return { origin: cp.origin, size: cp.size, root: toBase64(cp.root) };
}

/**
 * E2EE-DRV-134: `who`'s verified checkpoint is the one the server shows it, and it never
 * refused for the log.
 */
export async function expectVerifiedCurrent(
  ctx: ClientCheckContext,
  h: LogHarness,
  who: ClientActor,
): Promise<void> {
  const status = await who.call('log.status', {});
  const server = await serverCheckpoint(ctx, h, who);
  // E2EE-DRV-134 (MUST, suite): the device verified exactly the checkpoint it is shown.
  if (JSON.stringify(status.checkpoint) !== JSON.stringify(server))
    throw new CheckFailure(
      `${who.actor} (${who.kind}) did not verify the log up to the checkpoint it was shown`,
      { expected: server, actual: status.checkpoint },
    );
  if (status.lastRefusal !== null)
    throw new CheckFailure(`${who.actor} (${who.kind}) refused for the log in an honest run`, {
      expected: null,
      actual: status.lastRefusal,
    });
}

/** What a refusal because of the log must leave as it was (E2EE-DRV-132, E2EE-LOG-065). */
export async function logStatusOf(who: ClientActor): Promise<LogStatusResult> {
  return who.call('log.status', {});
}

/**
 * E2EE-LOG-100: after refusals with one of `codes`, the verified checkpoint is the one before and
 * `lastRefusal` names the code.
 */
export async function expectLogUnchanged(
  who: ClientActor,
  before: LogStatusResult,
  codes: readonly string[],
): Promise<void> {
  const after = await logStatusOf(who);
  // E2EE-LOG-100 (MUST, suite): a refusal keeps the verified checkpoint (E2EE-DRV-132).
  if (JSON.stringify(after.checkpoint) !== JSON.stringify(before.checkpoint))
    throw new CheckFailure(`${who.actor}'s verified checkpoint changed while it refused`, {
      expected: before.checkpoint,
      actual: after.checkpoint,
    });
  if (after.lastRefusal === null || !codes.includes(after.lastRefusal))
    throw new CheckFailure(`${who.actor}'s log.status does not name the refusal`, {
      expected: codes,
      actual: after.lastRefusal,
    });
}

/**
 * Runs `act` twice and requires each to be refused with one of `codes` (E2EE-LOG-100), the
 * verified checkpoint unchanged and, when `folder` is given, the folder view and trust state too.
 */
export async function expectLogRefusal(
  ctx: ClientCheckContext,
  victim: ClientActor,
  codes: readonly string[],
  what: string,
  act: () => Promise<unknown>,
  folder?: string,
): Promise<void> {
  const fingerprint = folder === undefined ? null : await victim.fingerprint(folder);
  const before = await logStatusOf(victim);
  await ctx.expectRejection(act(), codes, what);
  await ctx.expectRejection(act(), codes, `${what}, retried`);
  await expectLogUnchanged(victim, before, codes);
  if (fingerprint !== null && folder !== undefined)
    ctx.expectUnchanged(fingerprint, await victim.fingerprint(folder), `${victim.actor}'s state`);
}
