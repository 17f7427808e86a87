/**
 * The client-log profile end to end: the reference driver as the vendor (a real child process
 * per device, `node bin/sealfold.js driver reference`) is CERTIFIABLE on every check of the
 * profile, and broken drivers without the gossip or the root comparison of the log verifier are
 * NOT CERTIFIABLE through the check that exists to catch them (`npm run kill-rate` judges all of
 * the profile's broken drivers).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../src/runner/suite-info.js';
import { certifyClient } from '../../src/client/run.js';
import { CLIENT_CHECKS } from '../../src/client/checks/index.js';
import { LOG_CHECKS } from '../../src/client/checks/log.js';
import { judge, loadBrokenDrivers, scratchPackage } from '../../../scripts/kill-rate.js';

const BIN = join(REPO_ROOT, 'bin', 'sealfold.js');

describe('client-log (spec/18 §4.1, spec/21 §10)', { timeout: 300_000 }, () => {
  it(
    'the reference driver is CERTIFIABLE for client-log: an honest run in both roles, and every log attack refused with its code, twice, with its log state kept',
    {
      meta: {
        requirements: [
          'E2EE-LOG-100',
          'E2EE-LOG-101',
          'E2EE-LOG-102',
          'E2EE-DRV-132',
          'E2EE-DRV-133',
          'E2EE-DRV-134',
        ],
      },
    },
    async () => {
      const r = await certifyClient({
        driver: `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} driver reference`,
        checks: CLIENT_CHECKS,
        claims: ['client-log'],
        only: ['log/'],
        outDir: null,
        seed: 13,
      });
      expect(r.error).toBeUndefined();
      const notPass = r.report!.results.filter((x) => x.status !== 'PASS');
      expect(notPass.map((x) => `${x.testId}: ${x.message ?? x.reason}`)).toEqual([]);
      expect(r.report!.results.map((x) => x.testId)).toEqual(
        LOG_CHECKS.flatMap((c) => (c.vendorRoles ?? c.actors).map((a) => `${c.id}-as-${a}`)),
      );
      expect(r.report!.verdicts).toEqual([
        { subject: 'client', profile: 'client-log', status: 'CERTIFIABLE', blocking: [] },
      ]);
      expect(r.exitCode).toBe(0);
    },
  );

  describe('broken drivers (E2EE-CONF-456)', () => {
    let dir: string;
    beforeAll(() => {
      dir = scratchPackage();
    });
    afterAll(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('E2EE-LOG-061 E2EE-LOG-060: a driver without witness gossip or without the root comparison is NOT CERTIFIABLE, naming the requirement', async () => {
      const drivers = loadBrokenDrivers();
      const log = drivers.filter((d) => d.killers.some((k) => k.startsWith('log/')));
      expect(log.map((d) => d.id).sort()).toEqual([
        'log-document-unchecked',
        'log-first-seen-key-unchecked',
        'log-gossip-skipped',
        'log-never-verified',
        'log-root-unchecked',
        'log-state-not-kept',
        'log-state-saved-early',
      ]);
      for (const id of ['log-gossip-skipped', 'log-root-unchecked']) {
        const r = await judge(
          dir,
          drivers.find((d) => d.id === id)!,
          false,
        );
        expect(r, id).toMatchObject({ outcome: 'caught' });
        expect(r.failing.length).toBeGreaterThan(0);
      }
    });
  });
});
