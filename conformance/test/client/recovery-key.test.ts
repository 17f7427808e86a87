/**
 * The client-recovery-key profile with the reference driver as the vendor (a real child process
 * per device, `node bin/sealfold.js driver reference`): every check passes and the profile is
 * CERTIFIABLE, so the checks are satisfiable by a correct client. Broken drivers that each lack
 * one check of the gate are killed in `npm run kill-rate` (conformance/broken-drivers.json).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../src/runner/suite-info.js';
import { certifyClient } from '../../src/client/run.js';
import { CLIENT_CHECKS } from '../../src/client/checks/index.js';
import { RECOVERY_KEY_CHECKS } from '../../src/client/checks/recovery-key.js';
import { unsignedStatementRefused } from '../../src/client/adversarial/recovery-key.js';

const BIN = join(REPO_ROOT, 'bin', 'sealfold.js');

describe('client-recovery-key, reference driver as the vendor', { timeout: 300_000 }, () => {
  it(
    'E2EE-DRV-103: the reference client is CERTIFIABLE on client-recovery-key',
    {
      meta: {
        requirements: [
          'E2EE-DRV-100',
          'E2EE-DRV-101',
          'E2EE-DRV-102',
          'E2EE-RKEY-022',
          'E2EE-RKEY-023',
          'E2EE-RKEY-032',
        ],
      },
    },
    async () => {
      const r = await certifyClient({
        driver: `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} driver reference`,
        checks: CLIENT_CHECKS,
        claims: ['client-recovery-key'],
        only: ['recovery-key/', 'adversarial/recovery-statement-unsigned'],
        outDir: null,
        seed: 5,
      });
      expect(r.error).toBeUndefined();
      const notPass = r.report!.results.filter((x) => x.status !== 'PASS');
      expect(notPass.map((x) => `${x.testId}: ${x.message ?? x.reason}`)).toEqual([]);
      expect(r.report!.results.map((x) => x.testId)).toEqual(
        [...RECOVERY_KEY_CHECKS, unsignedStatementRefused].map((c) => `${c.id}-as-alice`),
      );
      expect(r.report!.verdicts.find((v) => v.profile === 'client-recovery-key')?.status).toBe(
        'CERTIFIABLE',
      );
      expect(r.exitCode).toBe(0);
    },
  );
});
