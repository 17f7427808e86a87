/**
 * The property-based run (conformance-design §3.6): seeded random honest command sequences across
 * alice (owner), bob and carol — uploads, deletes, shares, unshares — with the spec's access
 * semantics as the model, and invariants after every step: every member's view converges to the
 * model (members, entries), every member reads the file just written, and a member removed at
 * step k reads nothing written after k. A failure records seed, path and the commands that ran
 * (E2EE-CONF-400).
 *
 * @module
 */
import fc from 'fast-check';
import type { Replay } from '../../core/results.js';
import type { Actor, ClientActor, ClientCheck, ClientCheckContext } from '../check.js';
import { CheckFailure } from '../check.js';
import { injectableAttack, injectFault } from '../adversarial/inject.js';
import { contentFor, expectContent, expectConverged, expectEntries } from './_support.js';

type Step =
  | { kind: 'upload'; by: Actor; name: string }
  | { kind: 'delete'; by: Actor; name: string }
  | { kind: 'share'; user: Actor }
  | { kind: 'unshare'; user: Actor };

const NAMES = ['a.txt', 'b.txt', 'c.txt'];
const GUESTS: readonly Actor[] = ['bob', 'carol'];

/**
 * The steps an honest user can take in the model's state, in a fixed order: a generated number
 * picks one, so every generated step is applicable and a seed replays the same sequence.
 */
function applicable(members: ReadonlySet<Actor>, files: ReadonlyMap<string, unknown>): Step[] {
  const out: Step[] = [];
  for (const by of members) {
    for (const name of NAMES) out.push({ kind: 'upload', by, name });
    for (const name of files.keys()) out.push({ kind: 'delete', by, name });
  }
  for (const user of GUESTS) out.push({ kind: members.has(user) ? 'unshare' : 'share', user });
  return out;
}

export function describeStep(s: Step): string {
  switch (s.kind) {
    case 'upload':
    case 'delete':
      return `${s.kind}(${s.by}, ${s.name})`;
    default:
      return `${s.kind}(alice→${s.user})`;
  }
}

/** A step that cannot fail the client: the property found a divergence. */
class Divergence extends Error {
  override readonly name = 'Divergence';
  override readonly cause: unknown;
  constructor(message: string, cause: unknown) {
    super(message);
    this.cause = cause;
  }
}

/** One generated step: which applicable step, and the attack injected after it (if any). */
interface Choice {
  readonly step: number;
  readonly fault?: number | undefined;
}

/**
 * Mounts attack number `pick` against the vendor's device after a step (E2EE-CONF-470): the
 * victim refuses it as an adversarial check demands (`mount`), then, with the attack removed,
 * syncs the honest state again and ends where it was before the attack.
 */
async function faultAfterStep(
  ctx: ClientCheckContext,
  victim: ClientActor,
  folder: string,
  pick: number,
  ran: string[],
): Promise<void> {
  const before = await victim.fingerprint(folder);
  // Listed before it runs, so that a replay names the fault the case failed on.
  ran.push(`fault(${injectableAttack(pick)}→${victim.actor})`);
  const attack = await injectFault(ctx, victim, folder, pick);
  // E2EE-CONF-471 (MUST, suite): the honest state is accepted again once the attack is removed.
  await victim.call('sync.refresh', { folder });
  ctx.expectUnchanged(before, await victim.fingerprint(folder), `${victim.actor} after ${attack}`);
}

/** One case: a fresh folder, the steps, the invariants after each. */
async function runCase(
  ctx: ClientCheckContext,
  devices: Record<Actor, ClientActor>,
  folder: string,
  choices: readonly Choice[],
  ran: string[],
): Promise<void> {
  const alice = devices.alice;
  const members = new Set<Actor>(['alice']);
  const removed = new Set<Actor>();
  const files = new Map<string, Uint8Array>();
  await alice.call('folder.create', { path: folder });
  let n = 0;
  for (const choice of choices) {
    const options = applicable(members, files);
    const s = options[choice.step % options.length]!;
    ran.push(describeStep(s));
    const content = contentFor(ctx.seed, `${folder}:${n++}`, 500 + n);
    switch (s.kind) {
      case 'upload':
        // A new name is an upload; an existing one is replaced by delete + upload.
        if (files.has(s.name)) await devices[s.by].call('file.delete', { folder, name: s.name });
        await devices[s.by].upload(folder, s.name, content);
        files.set(s.name, content);
        break;
      case 'delete':
        await devices[s.by].call('file.delete', { folder, name: s.name });
        files.delete(s.name);
        break;
      case 'share':
        await alice.call('share.add', { folder, userId: devices[s.user].userId });
        members.add(s.user);
        removed.delete(s.user);
        break;
      case 'unshare':
        await alice.call('share.remove', { folder, userId: devices[s.user].userId });
        members.delete(s.user);
        removed.add(s.user);
        break;
    }
    // Invariants after every step (conformance-design §3.6).
    const current = [...members].map((a) => devices[a]);
    const view = await expectConverged(current, folder);
    const expectedMembers = current.map((d) => d.userId).sort();
    if (view.members.join(',') !== expectedMembers.join(',')) {
      throw new CheckFailure(`after ${describeStep(s)}: the members differ from the model`, {
        expected: expectedMembers,
        actual: view.members,
      });
    }
    expectEntries(
      view,
      Object.fromEntries([...files.keys()].map((k) => [k, 'file' as const])),
      `after ${describeStep(s)}`,
    );
    if (s.kind === 'upload') {
      for (const m of current) await expectContent(m, folder, s.name, content);
      for (const r of removed) {
        const outsider = devices[r];
        const read = await outsider.download(folder, s.name).then(
          () => true,
          (e: unknown) => {
            if (e instanceof CheckFailure) throw e;
            return false;
          },
        );
        if (read) {
          throw new CheckFailure(
            `after ${describeStep(s)}: ${r}, removed earlier, read the file written after the removal`,
          );
        }
      }
    }
    // E2EE-CONF-470 (MUST, suite): a fault only where the vendor's device has synced the folder.
    if (choice.fault !== undefined && members.has(ctx.vendorRole))
      await faultAfterStep(ctx, devices[ctx.vendorRole], folder, choice.fault, ran);
  }
}

/** The property over generated choices: one case, the replay data on a divergence. */
function sequenceCheck(
  meta: Omit<ClientCheck, 'run' | 'level' | 'profile' | 'actors' | 'vendorRoles'>,
  choices: fc.Arbitrary<Choice[]>,
): ClientCheck {
  return {
    ...meta,
    level: 'MUST',
    profile: 'client-sharing',
    actors: ['alice', 'bob', 'carol'],
    vendorRoles: ['alice', 'bob'],
    async run(ctx) {
      const devices = {
        alice: await ctx.enrolled('alice'),
        bob: await ctx.enrolled('bob'),
        carol: await ctx.enrolled('carol'),
      } as Record<Actor, ClientActor>;
      let cases = 0;
      let ran: string[] = [];
      let harness: unknown;
      const property = fc.asyncProperty(choices, async (generated) => {
        if (harness !== undefined) return;
        ran = [];
        try {
          await runCase(ctx, devices, ctx.folder(`prop${++cases}`), generated, ran);
        } catch (e) {
          if (e instanceof CheckFailure) throw new Divergence(e.message, e);
          // E2EE-CONF-400 (MUST, suite): a harness or driver problem is ERROR, never a case.
          harness = e;
        }
      });
      // Every case runs real drivers: one case per run, no shrinking (each retry costs seconds).
      const out = await fc.check(property, { seed: ctx.seed, numRuns: 1, endOnFailure: true });
      ctx.note(`${cases} case(s), seed ${ctx.seed}: ${ran.join('; ') || '(no step applicable)'}`);
      if (harness !== undefined) throw harness;
      if (!out.failed) return;
      const err = out.errorInstance;
      const cause = err instanceof Divergence ? err.cause : err;
      // E2EE-CONF-400 (MUST, suite): seed, path and the commands (steps and faults) that ran.
      const replay: Replay = { seed: out.seed, path: out.counterexamplePath ?? '', commands: ran };
      if (cause instanceof CheckFailure) {
        throw new CheckFailure(cause.message, { ...cause.details, replay });
      }
      throw cause instanceof Error ? cause : new Error(String(cause));
    },
  };
}

export const honestSequences: ClientCheck = sequenceCheck(
  {
    id: 'property/honest-sequences',
    title:
      'property-based: random honest uploads, deletes, shares and unshares; members converge, removed members read nothing new',
    requirements: ['E2EE-DRV-071', 'E2EE-CONF-400', 'E2EE-API-805'],
    importance: 'high',
  },
  fc.array(
    fc.nat().map((step): Choice => ({ step })),
    { minLength: 4, maxLength: 7 },
  ),
);

/**
 * The honest run with attacks of the mock's catalogue injected after generated steps
 * (E2EE-CONF-470): the seed picks the steps, where a fault falls and which one.
 */
export const faultedSequences: ClientCheck = sequenceCheck(
  {
    id: 'property/faulted-sequences',
    title:
      'property-based: random honest steps with attacks injected at random steps; every attack is refused and the honest state is accepted again',
    requirements: ['E2EE-CONF-470', 'E2EE-CONF-471', 'E2EE-CONF-400', 'E2EE-CONF-455'],
    importance: 'critical',
  },
  fc.array(fc.record({ step: fc.nat(), fault: fc.option(fc.nat(), { nil: undefined, freq: 2 }) }), {
    minLength: 4,
    maxLength: 6,
  }),
);

export const PROPERTY_CHECKS: readonly ClientCheck[] = [honestSequences, faultedSequences];
