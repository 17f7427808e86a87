/**
 * Every server check fails on a server that breaks its requirement (issue 7, "Done when"): for
 * each fault switch of the mock, `certifyServer` against the embedded mock with that switch on
 * reports FAIL on exactly the checks of `faults.table.ts` (every other check not FAIL) and exits
 * 1; the clean mock passes every check under nc30 and nc32.
 *
 * The property-based model checks (`model/…`, conformance/src/server/model) run in the clean runs
 * and have their own fault tests; they are left out of the per-switch runs to keep them short. Rows
 * with `scope: 'battery'` run (and judge) the whole remaining battery; the others run the groups of
 * the checks they name (all key checks for a key fault, and so on).
 */
import { describe, expect, it } from 'vitest';
import { certifyServer } from '../src/runner/certify.js';
import { SERVER_CHECKS } from '../src/server/checks/index.js';
import type { ServerCheck } from '../src/server/check.js';
import { FAULT_NAMES, FAULTS } from '../../server-mock/src/faults.js';
import { FAULT_TABLE, type FaultRow } from './faults.table.js';

const SEED = 20261203;
const BATTERY = SERVER_CHECKS.filter((c) => !c.id.startsWith('model/'));
const byId = new Map<string, ServerCheck>(SERVER_CHECKS.map((c) => [c.id, c]));
const groupOf = (id: string) => id.slice(0, id.indexOf('/'));

/** The checks a row runs: the battery, or the groups of the checks it names. */
function checksFor(row: FaultRow): readonly ServerCheck[] {
  if (row.scope === 'battery') return BATTERY;
  const groups = new Set(row.fails.map(groupOf));
  return BATTERY.filter((c) => groups.has(groupOf(c.id)));
}

async function certify(
  checks: readonly ServerCheck[],
  statusProfiles: readonly ('nc30' | 'nc32' | 'nc33')[],
  faults: readonly string[] = [],
) {
  const out = await certifyServer({
    target: { kind: 'embedded', statusProfiles, faults },
    checks,
    // Claim only the profiles the checks belong to: a profile no test examines cannot be claimed
    // (E2EE-CONF-006), and the group-scoped rows run the checks of one or two profiles.
    claims: [...new Set(checks.flatMap((c) => c.profiles))],
    seed: SEED,
    outDir: null,
  });
  return {
    exitCode: out.exitCode,
    error: out.error,
    runs: out.runs.map((r) => ({
      profile: r.label,
      byStatus: (status: string) =>
        r.report.results.filter((t) => t.status === status).map((t) => t.testId),
      all: r.report.results.map((t) => `${t.testId}: ${t.status}`),
    })),
  };
}

describe('the fault table', () => {
  it('E2EE-API-827: names every fault switch once, and only checks of the battery', () => {
    expect(FAULT_TABLE.filter((r) => r.scope === 'battery').length).toBeGreaterThanOrEqual(3);
    expect(FAULT_TABLE.map((r) => r.fault).sort()).toEqual([...FAULT_NAMES].sort());
    for (const row of FAULT_TABLE)
      for (const id of row.fails) expect(byId.has(id), `${row.fault}: ${id}`).toBe(true);
  });

  it('E2EE-API-828: the checks each switch fails cite the requirement the switch breaks', () => {
    for (const row of FAULT_TABLE) {
      const cited = row.fails.flatMap((id) => byId.get(id)?.requirements ?? []);
      expect(cited, row.fault).toContain(FAULTS[row.fault].breaks);
    }
  });
});

describe('certify server against the clean mock', () => {
  it(
    'every check passes under nc30, nc32 and nc33, exit 0',
    {
      timeout: 300_000,
      meta: { requirements: ['E2EE-API-007', 'E2EE-API-022', 'E2EE-LOCK-011', 'E2EE-API-126'] },
    },
    async () => {
      const out = await certify(SERVER_CHECKS, ['nc30', 'nc32', 'nc33']);
      expect(out.error).toBeUndefined();
      for (const run of out.runs) {
        expect(run.byStatus('FAIL'), run.profile).toEqual([]);
        expect(run.byStatus('ERROR'), run.profile).toEqual([]);
        // A check with its own status profiles (a per-profile rule) is out of scope elsewhere.
        const inScope = SERVER_CHECKS.filter(
          (c) => c.statusProfiles?.includes(run.profile) ?? true,
        );
        expect(run.byStatus('PASS').length, run.all.join('\n')).toBe(inScope.length);
      }
      expect(out.exitCode).toBe(0);
    },
  );
});

describe('the battery does not depend on the order of its checks', () => {
  it('E2EE-CONF-005 E2EE-CONF-530: in reverse order every check still passes (each sets up what it needs; the brute-force check still runs last)', async () => {
    const out = await certify([...BATTERY].reverse(), ['nc32']);
    // Checks of another status profile (the nc30-only ones) are skipped, not passed.
    const forNc32 = BATTERY.filter((c) => c.statusProfiles?.includes('nc32') ?? true);
    expect(out.runs[0]!.byStatus('PASS').length, out.runs[0]!.all.join('\n')).toBe(forNc32.length);
    expect(out.exitCode).toBe(0);
  }, 120_000);
});

describe('certify server against the mock with one fault switch on', () => {
  for (const row of FAULT_TABLE) {
    const profiles = row.statusProfiles ?? ['nc32'];
    const ids = [...new Set(row.fails.flatMap((id) => byId.get(id)?.requirements ?? []))];
    it(`${FAULTS[row.fault].breaks} (${row.fault}): FAIL on exactly ${row.fails.join(', ')} [${ids.join(' ')}], exit 1`, async () => {
      const out = await certify(checksFor(row), profiles, [row.fault]);
      expect(out.error).toBeUndefined();
      expect(out.runs.map((r) => r.profile)).toEqual([...profiles]);
      for (const run of out.runs) {
        expect(run.byStatus('FAIL'), `${run.profile}\n${run.all.join('\n')}`).toEqual(row.fails);
        expect(run.byStatus('ERROR'), run.profile).toEqual([]);
      }
      expect(out.exitCode).toBe(1);
    }, 120_000);
  }
});
