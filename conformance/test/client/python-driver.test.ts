/**
 * The second-language driver (conformance/drivers/python, standard library + `cryptography`):
 * certified CERTIFIABLE for the profile it claims, through a real child process; the reference
 * client recovers the key it enrolled (mnemonic interop across languages).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../src/runner/suite-info.js';
import { certifyClient } from '../../src/client/run.js';
import { CLIENT_CHECKS } from '../../src/client/checks/index.js';

const PY_DIR = join(REPO_ROOT, 'conformance', 'drivers', 'python');
const PY = join(PY_DIR, 'sealfold_driver.py');
const hasCryptography = spawnSync('python3', ['-c', 'import cryptography']).status === 0;

describe('the Python driver (E2EE-DRV-010, E2EE-DRV-803)', { timeout: 120_000 }, () => {
  it('E2EE-REC-001: its word list is the BIP-39 English list the reference uses', () => {
    const words = readFileSync(join(PY_DIR, 'bip39-english.txt'), 'utf8').split('\n');
    expect(words.slice(0, -1)).toEqual([...wordlist]);
  });

  it.skipIf(!hasCryptography)(
    'the Python driver is CERTIFIABLE for client-identity, and the reference client recovers its enrolment',
    {
      meta: {
        requirements: [
          'E2EE-DRV-010',
          'E2EE-DRV-020',
          'E2EE-DRV-021',
          'E2EE-DRV-022',
          'E2EE-DRV-803',
          'E2EE-DRV-804',
          'E2EE-DRV-042',
        ],
      },
    },
    async () => {
      const r = await certifyClient({
        driver: `python3 ${JSON.stringify(PY)}`,
        checks: CLIENT_CHECKS,
        outDir: null,
        seed: 11,
      });
      expect(r.error).toBeUndefined();
      expect(r.exitCode).toBe(0);
      expect(r.report!.verdicts).toEqual([
        { subject: 'client', profile: 'client-identity', status: 'CERTIFIABLE', blocking: [] },
      ]);
      const byId = new Map(r.report!.results.map((x) => [x.testId, x.status]));
      expect(byId.get('identity/recover-vendor-enrolment-as-alice')).toBe('PASS');
      expect(byId.get('identity/recover-wrong-mnemonic-as-alice')).toBe('PASS');
      expect(byId.get('sharing/share-and-unshare-as-alice')).toBe('SKIP');
    },
  );
});
