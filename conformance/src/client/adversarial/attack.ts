/**
 * How every adversarial client check runs one attack of the mock's catalogue
 * (server-mock/src/adversary/catalogue.ts) against the vendor's client, and what it holds the
 * client to (E2EE-CONF-455):
 *
 * 1. the client refuses with one of the codes the catalogue names for the situation (an
 *    unverifiable reason is WARN through `ctx.expectRejection`, never PASS);
 * 2. it refuses the same tampered state again on a retry (no silent acceptance later, U1);
 * 3. its trust state and its view of the folder are unchanged (`state.fingerprint`);
 * 4. it sent nothing that changed the server's state (no upload to unauthenticated keys, no
 *    half-written transaction), where the attacked step itself writes nothing;
 * 5. the attack really applied: the mock's evidence shows at least one rewritten answer (a check
 *    whose attack never fired proves nothing and is a harness ERROR, not a PASS).
 *
 * @module
 */
import {
  ATTACKS,
  type AttackName,
  type AttackRoute,
} from '../../../../server-mock/src/adversary/catalogue.js';
import type {
  AttackEvidence,
  AttackInstall,
  InstalledAttack,
  ServedAnswer,
} from '../../../../server-mock/src/adversary/switches.js';
import type { ClientActor, ClientCheckContext } from '../check.js';
import { CheckFailure } from '../check.js';
import { beginRecording, NotRecorded, type Recording } from './recording.js';

/** Routes whose answers are about one folder (the others are scoped by user only). */
const FOLDER_ROUTES: ReadonlySet<AttackRoute> = new Set([
  'meta-data-get',
  'dav-file-get',
  'dav-propfind',
]);

/** One attack against one victim device. */
export interface Mounted {
  readonly attack: AttackName;
  readonly victim: ClientActor;
  /** The folder the victim's view is fingerprinted for (and the attack scoped to). */
  readonly folder?: string;
  readonly params?: Readonly<Record<string, string>>;
  /** The codes due in this situation (default: every code the catalogue names). */
  readonly codes?: readonly string[];
  /** The refused step. */
  readonly act: () => Promise<unknown>;
  /** False when the refused step writes to the server even when honest (enrolment's CSR). */
  readonly serverUnchanged?: boolean;
  /**
   * False when a retry cannot meet the same state: a refused enrolment leaves the issued
   * certificate on the server (which then answers a second enrolment 409, honestly).
   */
  readonly retry?: boolean;
  /**
   * Record the run for the suite reader, which the check has made a member of `folder`
   * (spec/17, "Recorded runs of failing attacks"); `readFirst` when the victim had read the
   * folder before the attack.
   */
  readonly record?: { readonly readFirst: boolean };
}

/** Why a recording step failed, as a note (a recording never changes a check's result). */
function notRecorded(ctx: ClientCheckContext, e: unknown): void {
  if (e instanceof NotRecorded) ctx.note(`no recorded run: ${e.message}`);
  else if (e instanceof Error) ctx.note(`no recorded run: the suite reader failed (${e.message})`);
  else throw e;
}

/** Installs `a`, runs the refused step twice, removes the attack, checks the invariants. */
export async function mount(ctx: ClientCheckContext, m: Mounted): Promise<void> {
  const codes = m.codes ?? ATTACKS[m.attack].expect;
  const fingerprint = () => (m.folder === undefined ? null : m.victim.fingerprint(m.folder));
  const before = await fingerprint();
  const serverBefore = m.serverUnchanged === false ? null : await ctx.server.stateFingerprint();
  const request: AttackInstall = {
    attack: m.attack,
    // Key lookups and enrolment answers are about no folder: only the user scopes them.
    scope: {
      user: m.victim.userId,
      ...(m.folder !== undefined && FOLDER_ROUTES.has(ATTACKS[m.attack].route)
        ? { folder: m.folder }
        : {}),
    },
    ...(m.params ? { params: m.params } : {}),
  };
  let recording: Recording | undefined;
  if (m.record !== undefined && m.folder !== undefined) {
    try {
      // E2EE-CONF-540: the reader meets the honest folder as the victim did, before the attack.
      recording = await beginRecording({
        reader: await ctx.suiteReader(),
        folder: m.folder,
        readFirst: m.record.readFirst,
      });
    } catch (e) {
      notRecorded(ctx, e);
    }
  }
  const { installed } = (await ctx.server.manage('POST', '/attacks', request)) as {
    installed: InstalledAttack;
  };
  ctx.note(`attack ${m.attack} installed for ${m.victim.actor} (${ATTACKS[m.attack].description})`);
  let evidence: AttackEvidence[];
  try {
    await ctx.expectRejection(m.act(), codes, `${m.attack}: the attacked step`);
    // U1: the same tampered state, served again, is refused again.
    if (m.retry !== false)
      await ctx.expectRejection(m.act(), codes, `${m.attack}: the attacked step, retried`);
  } finally {
    const state = (await ctx.server.manage('GET', '/attacks')) as { evidence: AttackEvidence[] };
    evidence = state.evidence.filter((e) => e.id === installed.id);
    // E2EE-CONF-541: the tampered answers are dropped with the attack, so they are taken first.
    const served =
      recording === undefined
        ? []
        : (
            (await ctx.server.manage('GET', `/attacks/${installed.id}/served`)) as {
              served: ServedAnswer[];
            }
          ).served;
    await ctx.server.manage('DELETE', `/attacks/${installed.id}`);
    if (recording !== undefined) {
      try {
        const run = await recording.finish(m.attack, served, codes);
        ctx.recordRun(run);
        const last = run.expect.at(-1)!;
        ctx.note(
          `recorded run: ${run.steps.length} step(s) for the suite reader, which refused the tampered one with ${last.result === 'invalid' ? last.error : 'nothing'}`,
        );
      } catch (e) {
        notRecorded(ctx, e);
      }
    }
  }
  const applied = evidence.filter((e) => !e.detail.startsWith('not applicable'));
  for (const e of applied) ctx.note(`tampered answer: ${e.request}: ${e.detail}`);
  if (applied.length === 0)
    throw new Error(`the attack ${m.attack} never applied: the check cannot judge the client`);
  if (before !== null) {
    ctx.expectUnchanged(
      before,
      (await fingerprint())!,
      `${m.victim.actor}'s state after the refusals`,
    );
  }
  if (serverBefore !== null) {
    const serverAfter = await ctx.server.stateFingerprint();
    if (serverAfter !== serverBefore)
      throw new CheckFailure(
        `${m.victim.actor} changed the server's state while refusing the attack (it wrote something)`,
        { expected: serverBefore, actual: serverAfter },
      );
  }
}

/** Fails unless the server holds no private key for `victim` (nothing uploaded at enrolment). */
export async function expectNoPrivateKeyStored(
  ctx: ClientCheckContext,
  victim: ClientActor,
): Promise<void> {
  const { users } = (await ctx.server.manage('GET', '/users')) as {
    users: Array<{ uid: string; hasPrivateKey: boolean }>;
  };
  if (users.find((u) => u.uid === victim.userId)?.hasPrivateKey === true)
    throw new CheckFailure(`${victim.actor} uploaded its private key after a refused enrolment`);
}
