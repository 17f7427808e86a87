/**
 * The `server-log` profile's tile check (E2EE-CONF-650) on its own against the embedded mock:
 * it passes on the honest log, and fails, naming the tile, when the mock serves a tile with one
 * hash changed while its entry bundles and proof resources stay right.
 */
import { describe, expect, it } from 'vitest';
import { certifyServer } from '../../src/runner/certify.js';
import { SERVER_CHECKS } from '../../src/server/checks/index.js';

const tiles = SERVER_CHECKS.filter((c) => c.id === 'log/tiles-verify');

async function run(faults: string[]) {
  const out = await certifyServer({
    target: { kind: 'embedded', statusProfiles: ['nc32'], faults },
    checks: tiles,
    claims: ['server-log'],
    seed: 20261203,
    outDir: null,
  });
  return out.runs[0]!.report.results.find((r) => r.testId === 'log/tiles-verify')!;
}

describe('log/tiles-verify', () => {
  it('E2EE-CONF-650 E2EE-LOG-120: passes on the honest log, fails on one wrong tile hash', async () => {
    expect(tiles).toHaveLength(1);
    expect(tiles[0]!.profiles).toEqual(['server-log']);
    const honest = await run([]);
    expect(honest.status, honest.message ?? '').toBe('PASS');
    const corrupted = await run(['log-tile-corrupted']);
    expect(corrupted.status).toBe('FAIL');
    expect(corrupted.message).toMatch(
      /^tile\/0\/000\.p\/\d+ differs from the hashes of the entry bundles/,
    );
  });
});
