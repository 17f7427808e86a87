/**
 * The client property-based run with faults injected (E2EE-CONF-470, E2EE-CONF-471): attacks of
 * the mock's catalogue at seeded steps of an honest run. The honest reference driver refuses each
 * and syncs the honest state again; the same seed replays the same steps and faults; and a
 * broken driver (the reference driver without metadata signature verification, in a scratch
 * copy as `npm run kill-rate` builds it) fails the run, with the replay data in the report.
 */
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../src/runner/suite-info.js';
import { certifyClient } from '../../src/client/run.js';
import { CLIENT_CHECKS } from '../../src/client/checks/index.js';
import {
  applyBroken,
  loadBrokenDrivers,
  mutatedSources,
  scratchPackage,
} from '../../../scripts/kill-rate.js';

const BIN = join(REPO_ROOT, 'bin', 'sealfold.js');
const ONLY = ['property/faulted-sequences-as-alice'];
/** A run seed whose case injects v1-document, then resign-as-minted-member (alice is the vendor). */
const SEED = 99;

const driverAt = (bin: string) =>
  `${JSON.stringify(process.execPath)} ${JSON.stringify(bin)} driver reference`;

describe(
  'property-based run with injected faults (E2EE-CONF-470, E2EE-CONF-471)',
  { timeout: 420_000 },
  () => {
    let dir: string;
    beforeAll(() => {
      dir = scratchPackage();
    });
    afterAll(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('E2EE-CONF-470 E2EE-CONF-471: the honest reference driver refuses every injected fault and accepts the honest state again; the same seed replays the same steps and faults', async () => {
      const notes: string[] = [];
      for (let i = 0; i < 2; i++) {
        const r = await certifyClient({
          driver: driverAt(BIN),
          checks: CLIENT_CHECKS,
          only: ONLY,
          outDir: null,
          seed: SEED,
        });
        expect(r.report!.results).toHaveLength(1);
        const t = r.report!.results[0]!;
        expect(t.status, t.message).toBe('PASS');
        const note = t.evidence.notes.find((n) => / case\(s\), seed /.test(n))!;
        expect(note.match(/fault\([a-z0-9-]+→alice\)/g)!.length).toBeGreaterThanOrEqual(2);
        notes.push(note);
      }
      expect(notes[1]).toBe(notes[0]);
    });

    it('E2EE-CONF-470: a driver that never verifies metadata signatures FAILS the faulted run, and the report carries the seed and the steps and faults that ran', async () => {
      const broken = loadBrokenDrivers().find((d) => d.id === 'signature-not-verified')!;
      const sources = mutatedSources(broken);
      if (typeof sources === 'string') throw new Error(sources);
      const restore = await applyBroken(dir, sources);
      try {
        const r = await certifyClient({
          driver: driverAt(join(dir, 'bin', 'sealfold.js')),
          checks: CLIENT_CHECKS,
          only: ONLY,
          outDir: null,
          seed: SEED,
        });
        const t = r.report!.results[0]!;
        expect(t.status, t.message).toBe('FAIL');
        const replay = t.replay!;
        const note = t.evidence.notes.find((n) => / case\(s\), seed /.test(n))!;
        expect(note).toContain(`seed ${replay.seed}: `);
        // The case failed on an injected fault (the last command that ran), not on an honest step.
        expect(replay.commands!.at(-1)).toMatch(/^fault\([a-z0-9-]+→alice\)$/);
        expect(r.report!.verdicts.some((v) => v.status === 'NOT CERTIFIABLE')).toBe(true);
      } finally {
        restore();
      }
    });
  },
);
