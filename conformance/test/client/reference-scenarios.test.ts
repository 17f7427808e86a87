/**
 * The honest scenarios of client-core and client-sharing with the reference driver as the vendor
 * (a real child process per device, `node bin/sealfold.js driver reference`): every role of the
 * matrix tried here passes, so the scenarios are satisfiable by a correct client.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../src/runner/suite-info.js';
import { certifyClient } from '../../src/client/run.js';
import { CLIENT_CHECKS } from '../../src/client/checks/index.js';

const BIN = join(REPO_ROOT, 'bin', 'sealfold.js');

describe(
  'honest scenarios, reference driver as the vendor (E2EE-DRV-071)',
  { timeout: 240_000 },
  () => {
    it(
      'client-core and client-sharing are CERTIFIABLE with the vendor writing, reading and being removed',
      {
        meta: {
          requirements: [
            'E2EE-DRV-071',
            'E2EE-DRV-023',
            'E2EE-DRV-024',
            'E2EE-DRV-026',
            'E2EE-DRV-027',
            'E2EE-DRV-033',
          ],
        },
      },
      async () => {
        const r = await certifyClient({
          driver: `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} driver reference`,
          checks: CLIENT_CHECKS,
          claims: ['client-core', 'client-sharing'],
          // Sharing with the vendor as the member who is removed (the other roles run in the CLI test's
          // filedrop scenario and in `sealfold certify client`): keeps this file under a minute.
          only: ['core/', 'sharing/share-and-unshare-as-bob'],
          outDir: null,
          seed: 3,
        });
        expect(r.error).toBeUndefined();
        const notPass = r.report!.results.filter((x) => x.status !== 'PASS');
        expect(notPass.map((x) => `${x.testId}: ${x.message ?? x.reason}`)).toEqual([]);
        expect(r.report!.results.map((x) => x.testId)).toEqual([
          'core/tree-written-by-reference-as-alice',
          'core/tree-written-by-vendor-as-alice',
          'sharing/share-and-unshare-as-bob',
        ]);
        expect(r.exitCode).toBe(0);
      },
    );
  },
);
