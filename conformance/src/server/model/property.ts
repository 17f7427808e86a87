/**
 * The property-based model run as fast-check drives it (conformance-design §3.6): random command
 * lists, each run against a fresh case folder on the target and against the model, shrunk to a
 * short failing list when they disagree. The failure carries the seed, the counterexample path
 * and the shrunk commands (`details.replay`), and a context with `replay` set runs exactly that
 * case again (`sealfold certify replay`).
 *
 * Budget (`ctx.budget`): `numRuns` cases of at most `maxCommands` commands, within `wallClockMs`.
 * The wall clock is enforced by the run itself: after it, no case sends another command and the
 * remaining runs and shrink attempts end at once, so a live server is never hammered past it.
 *
 * @module
 */
import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import type { Replay } from '../../core/results.js';
import { CheckFailure, CheckSkipped, type CheckContext } from '../check.js';
import {
  setupCommands,
  commandsArbitrary,
  describeCommand,
  type Command,
  type Families,
} from './commands.js';
import { Divergence, ModelCase } from './run.js';
import { isModelProfile } from './statuses.js';

/** The shrunk commands as report lines (setup commands are implicit). */
function describeCase(commands: readonly Command[]): string[] {
  return commands.map(describeCommand);
}

/**
 * Runs the model property against the target of `ctx`.
 * @throws CheckFailure with `details.replay` when model and target disagree.
 * @throws CheckSkipped when the status profile is one the model does not know.
 * @throws Error (harness) when the target cannot host a case (e.g. MKCOL refused).
 */
export async function runModelProperty(ctx: CheckContext, families: Families): Promise<void> {
  const profile = ctx.statusProfile;
  // E2EE-CONF-305 (MUST, suite): SKIP under a status profile the model does not know.
  if (!isModelProfile(profile))
    throw new CheckSkipped(
      `the model knows the status profiles nc30, nc32 and nc33, not ${profile}`,
    );
  const base = ctx
    .runFolder('alice')
    .split('/')
    .filter((s) => s !== '');
  const started = Date.now();
  const deadline = started + ctx.budget.wallClockMs;
  const setup = setupCommands(families);
  let cases = 0;
  const tally = { accepted: 0, refused: 0 };
  let harness: unknown;
  const cleanupProblems: string[] = [];

  /** The case in flight: fast-check's time limit abandons a run, the check still waits for it. */
  let inflight: Promise<unknown> = Promise.resolve();
  const runCase = async (commands: Command[]): Promise<void> => {
    // After a harness problem or past the wall clock every further run ends at once.
    // E2EE-CONF-302 (MUST, suite): no case starts after the wall clock.
    if (harness !== undefined || Date.now() > deadline || ctx.signal.aborted) return;
    cases++;
    const one = new ModelCase(ctx, {
      profile,
      recipients: families.sharing,
      base,
      name: `model-${cases}-${randomBytes(4).toString('hex')}`,
      deadline,
    });
    try {
      await one.create();
      await one.run(setup, commands);
    } catch (e) {
      if (e instanceof Divergence) throw e;
      // E2EE-CONF-305 (MUST, suite): a harness problem is ERROR, never a case to shrink.
      harness = e;
    } finally {
      tally.accepted += one.tally.accepted;
      tally.refused += one.tally.refused;
      const problem = await one.cleanup().catch((e: unknown) => `cleanup: ${String(e)}`);
      if (problem !== undefined) cleanupProblems.push(problem);
    }
  };
  const property = fc.asyncProperty(
    commandsArbitrary(families, ctx.budget.maxCommands),
    (commands) => {
      const p = runCase(commands);
      inflight = p.catch(() => undefined);
      return p;
    },
  );

  const replay = ctx.replay;
  // The time limit stops generation and shrinking; the deadline above stops commands.
  const plugins = [fc.interruptAfterTimeLimit(Math.max(1, deadline - Date.now()))];
  const out = await fc.check(
    property,
    // E2EE-CONF-304 (MUST, suite): a replay runs exactly the recorded case, once.
    replay
      ? { seed: replay.seed, ...(replay.path ? { path: replay.path } : {}), endOnFailure: true }
      : { seed: ctx.seed, numRuns: Math.max(1, ctx.budget.numRuns), plugins },
  );
  await inflight;

  ctx.note(
    `${cases} case(s), shrink attempts included, in ${Date.now() - started} ms ` +
      `(budget: ${ctx.budget.numRuns} runs, ` +
      `${ctx.budget.maxCommands} commands, ${ctx.budget.wallClockMs} ms); ` +
      `${tally.accepted} random commands accepted and ${tally.refused} refused as the model expected` +
      (replay ? `; replay of seed ${replay.seed} path ${replay.path ?? '(none)'}` : ''),
  );
  for (const p of cleanupProblems.slice(0, 5)) ctx.note(p);
  if (harness !== undefined) throw harness;
  ctx.signal.throwIfAborted();
  // A run the time limit interrupted before any failure is a pass within the budget.
  if (!out.failed || out.counterexample === null) return;

  const err = out.errorInstance;
  if (!(err instanceof Divergence)) throw err instanceof Error ? err : new Error(String(err));
  const commands = (out.counterexample as [Command[]])[0];
  // Commands after the diverging step never ran; the replay (seed and path) still has them.
  const ran = Math.max(0, err.step - setup.length);
  // E2EE-CONF-304 (MUST, suite): seed, path and the readable commands up to the divergence.
  const details: Replay = {
    seed: out.seed,
    path: out.counterexamplePath ?? '',
    commands: describeCase(commands.slice(0, ran)),
  };
  if (commands.length > ran)
    ctx.note(`${commands.length - ran} command(s) after the diverging step were not sent`);
  ctx.note(`setup before the commands: ${setup.map(describeCommand).join('; ')}`);
  throw new CheckFailure(`model and server disagree at ${err.message}`, {
    expected: err.expected,
    actual: err.actual,
    replay: details,
  });
}
