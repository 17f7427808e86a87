/**
 * The model checks against the real mock server on loopback: they pass on the clean mock in both
 * status profiles, they fail with a replayable case when a fault switch breaks what they
 * evidence, and replaying the recorded case reproduces exactly that failure.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FaultName } from '../../../server-mock/src/faults.js';
import { CheckFailure, type CheckContext, type Reply } from '../../src/server/check.js';
import type { Replay } from '../../src/core/results.js';
import {
  MODEL_CHECKS,
  modelSharingCheck,
  modelTransactionsCheck,
} from '../../src/server/model/checks.js';
import { setupCommands } from '../../src/server/model/commands.js';
import { startMockTarget, type MockTarget } from './_mock-target.js';

const ALL_CLAIMS = ['server-core', 'server-sharing', 'server-filedrop'] as const;
const SMALL: CheckContext['budget'] = { numRuns: 8, maxCommands: 12, wallClockMs: 60_000 };

let folders = 0;
const folder = () => `conformance-model/t${++folders}`;

async function failureOf(p: Promise<void>): Promise<CheckFailure> {
  const e: unknown = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  if (!(e instanceof CheckFailure)) throw new Error(`expected a CheckFailure, got ${String(e)}`);
  return e;
}

for (const profile of ['nc30', 'nc32'] as const) {
  describe(`model checks on the clean mock (${profile})`, () => {
    let target: MockTarget;
    beforeAll(async () => {
      target = await startMockTarget(profile);
    });
    afterAll(() => target.close());

    for (const check of MODEL_CHECKS)
      it(`${check.id} passes: statuses per profile (E2EE-LOCK-071), listings and byte-exact metadata (E2EE-API-126) agree after every step (E2EE-CONF-301)`, async () => {
        const ctx = target.context({
          profile,
          claims: ALL_CLAIMS,
          seed: 11,
          budget: SMALL,
          folder: folder(),
        });
        await check.run(ctx);
        expect(ctx.notes[0]).toMatch(/^8 case\(s\)/);
        // Not vacuous: the target accepted a good share of the commands and refused others.
        const [, accepted, refused] = /(\d+) random commands accepted and (\d+) refused/.exec(
          ctx.notes[0]!,
        )!;
        expect(Number(accepted)).toBeGreaterThan(15);
        expect(Number(refused)).toBeGreaterThan(10);
      });
  });
}

/** Each switch breaks one requirement the model run evidences. */
const FAULTS: readonly { fault: FaultName; breaks: string }[] = [
  { fault: 'commit-on-abort', breaks: 'E2EE-LOCK-055' },
  { fault: 'accept-equal-counter', breaks: 'E2EE-LOCK-011' },
  { fault: 'ignore-lock-token', breaks: 'E2EE-LOCK-002' },
  { fault: 'metadata-not-byte-exact', breaks: 'E2EE-API-126' },
];

describe('model checks fail on a server that breaks what they evidence, with a replayable case', () => {
  for (const { fault, breaks } of FAULTS)
    it(`${fault} (breaks ${breaks}): FAIL naming the step (E2EE-CONF-301) with seed, path and shrunk commands; the replay fails the same way, and passes on the clean mock (E2EE-CONF-304)`, async () => {
      expect(modelTransactionsCheck.requirements).toContain(breaks);
      const faulty = await startMockTarget('nc32', [fault]);
      const clean = await startMockTarget('nc32');
      try {
        const ctx = (t: MockTarget, replay?: Replay) =>
          t.context({
            profile: 'nc32',
            claims: ['server-core'],
            seed: 5,
            // The wall clock also ends shrinking; the case found so far replays all the same.
            budget: { numRuns: 40, maxCommands: 15, wallClockMs: 45_000 },
            folder: folder(),
            ...(replay ? { replay } : {}),
          });
        const first = await failureOf(modelTransactionsCheck.run(ctx(faulty)));
        const replay = first.details.replay!;
        expect(replay.seed).toBe(5);
        expect(replay.path).toMatch(/^\d+(:\d+)*$/);
        // The commands up to the diverging step (after the setup commands).
        const setup = setupCommands({ sharing: false, filedrop: false }).length;
        const step = Number(/^model and server disagree at step (\d+) /.exec(first.message)![1]);
        expect(replay.commands!.length).toBe(Math.max(0, step - setup));
        expect(replay.commands!.length).toBeLessThanOrEqual(15);

        const again = await failureOf(modelTransactionsCheck.run(ctx(faulty, replay)));
        expect(again.message).toBe(first.message);
        expect(again.details.replay).toEqual(replay);
        // The same case on a correct server passes: the failure is the fault's, not the case's.
        await modelTransactionsCheck.run(ctx(clean, replay));
      } finally {
        await faulty.close();
        await clean.close();
      }
    });
});

describe('budget', () => {
  let target: MockTarget;
  beforeAll(async () => {
    target = await startMockTarget('nc32');
  });
  afterAll(() => target.close());

  it('the wall clock is enforced: no case starts and no command is sent after it (E2EE-CONF-302)', async () => {
    const ctx = target.context({
      profile: 'nc32',
      claims: ALL_CLAIMS,
      seed: 3,
      budget: { numRuns: 10_000, maxCommands: 30, wallClockMs: 300 },
      folder: folder(),
    });
    const started = Date.now();
    await modelSharingCheck.run(ctx);
    expect(Date.now() - started).toBeLessThan(5_000);
    const cases = Number(/^(\d+) case/.exec(ctx.notes[0]!)![1]);
    expect(cases).toBeGreaterThan(0);
    expect(cases).toBeLessThan(10_000);
  });

  it('an unknown status profile is SKIP, not a guess (E2EE-CONF-305)', async () => {
    const ctx = target.context({
      profile: 'nc99',
      claims: ALL_CLAIMS,
      seed: 3,
      budget: SMALL,
      folder: folder(),
    });
    await expect(modelTransactionsCheck.run(ctx)).rejects.toThrow(
      /status profiles nc30, nc32 and nc33, not nc99/,
    );
  });
});

describe('case folders and harness problems', () => {
  let target: MockTarget;
  beforeAll(async () => {
    target = await startMockTarget('nc32', ['commit-on-abort']);
  });
  afterAll(() => target.close());

  /** The names in alice's run folder. */
  async function leftovers(ctx: CheckContext, run: string): Promise<string[]> {
    const res = await ctx.request('alice', 'PROPFIND', `/remote.php/dav/files/alice/${run}`, {
      headers: { depth: '1' },
    });
    expect(res.status).toBe(207);
    return [...res.text().matchAll(/<d:href>([^<]*)<\/d:href>/g)]
      .map((m) => decodeURIComponent(m[1]!))
      .filter((h) => !h.endsWith(`${run}/`));
  }

  it('every case works in a fresh folder that is removed when it ends, passed or failed (E2EE-CONF-303)', async () => {
    const run = folder();
    const ctx = target.context({
      profile: 'nc32',
      claims: ALL_CLAIMS,
      seed: 5,
      budget: { numRuns: 40, maxCommands: 15, wallClockMs: 60_000 },
      folder: run,
    });
    await failureOf(modelTransactionsCheck.run(ctx)); // commit-on-abort: some cases fail
    const cases = Number(/^(\d+) case/.exec(ctx.notes[0]!)![1]);
    expect(cases).toBeGreaterThan(1);
    expect(ctx.notes.filter((n) => n.startsWith('cleanup'))).toEqual([]);
    expect(await leftovers(ctx, run)).toEqual([]);
  });

  it('a target that cannot host a case is ERROR, not a failure to shrink (E2EE-CONF-305)', async () => {
    const ctx = target.context({
      profile: 'nc32',
      claims: ALL_CLAIMS,
      seed: 5,
      budget: SMALL,
      folder: folder(),
    });
    const send = ctx.request.bind(ctx);
    let mkcols = 0;
    ctx.request = async (actor, method, path, o): Promise<Reply> => {
      const reply = await send(actor, method, path, o);
      if (method !== 'MKCOL' || !/model-\d+-/.test(path)) return reply;
      mkcols++;
      return { ...reply, status: 507 };
    };
    const e: unknown = await modelTransactionsCheck.run(ctx).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(Error);
    expect(e).not.toBeInstanceOf(CheckFailure);
    expect(String(e)).toMatch(/MKCOL of the case folder answered 507/);
    expect(mkcols).toBe(1); // no further case, no shrinking
  });
});
