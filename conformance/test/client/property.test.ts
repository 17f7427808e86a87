/**
 * The client property-based run with the reference driver as the vendor: a seeded case of honest
 * steps passes with every invariant checked after every step, and the steps it took are noted
 * for a replay.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../src/runner/suite-info.js';
import { certifyClient } from '../../src/client/run.js';
import { CLIENT_CHECKS } from '../../src/client/checks/index.js';

const BIN = join(REPO_ROOT, 'bin', 'sealfold.js');

describe('property-based honest sequences (E2EE-CONF-400)', { timeout: 180_000 }, () => {
  it('E2EE-CONF-400 E2EE-DRV-071: a seeded case passes and notes its steps; the same seed takes the same steps', async () => {
    const steps: string[] = [];
    for (let i = 0; i < 2; i++) {
      const r = await certifyClient({
        driver: `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} driver reference`,
        checks: CLIENT_CHECKS,
        only: ['property/honest-sequences-as-bob'],
        outDir: null,
        seed: 99,
      });
      expect(r.report!.results).toHaveLength(1);
      const t = r.report!.results[0]!;
      expect(t.status, t.message).toBe('PASS');
      const note = t.evidence.notes.find((n) => / case\(s\), seed /.test(n))!;
      expect(note.split(': ')[1]!.split('; ').length).toBeGreaterThanOrEqual(4);
      steps.push(note);
    }
    expect(steps[1]).toBe(steps[0]);
  });
});
