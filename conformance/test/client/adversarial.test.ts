/**
 * The adversarial client checks with the reference driver as the victim: they pass on the honest
 * driver, and they fail the broken drivers (the reference driver with one security check
 * disabled in a scratch copy, conformance/broken-drivers.json) that they exist to catch. A
 * bounded part of `npm run kill-rate`, which judges every broken driver.
 */
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../src/runner/suite-info.js';
import { certifyClient } from '../../src/client/run.js';
import { CLIENT_CHECKS } from '../../src/client/checks/index.js';
import { ADVERSARIAL_CHECKS } from '../../src/client/adversarial/checks.js';
import { LOG_CHECKS } from '../../src/client/checks/log.js';
import { ATTACK_NAMES } from '../../../server-mock/src/adversary/catalogue.js';
import { INJECTABLE_ATTACKS, injectFault } from '../../src/client/adversarial/inject.js';
import type { ClientCheck } from '../../src/client/check.js';
import {
  judge,
  loadBrokenDrivers,
  mutatedSources,
  scratchPackage,
} from '../../../scripts/kill-rate.js';

const BIN = join(REPO_ROOT, 'bin', 'sealfold.js');

describe('adversarial client checks (E2EE-CONF-455)', { timeout: 240_000 }, () => {
  it('E2EE-CONF-455: the honest reference driver refuses every attack of a bounded sample, with the expected code, unchanged state and a refused retry', async () => {
    const r = await certifyClient({
      driver: `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} driver reference`,
      checks: CLIENT_CHECKS,
      only: [
        'adversarial/enrol-certificate-for-another-key',
        'adversarial/metadata-byte-flipped',
        'adversarial/counter-rolled-back',
        'adversarial/filedrop-recipient-injected',
        'adversarial/fresh-keys-and-nonces',
      ],
      outDir: null,
      seed: 5,
    });
    expect(r.error).toBeUndefined();
    const notPass = r.report!.results.filter((x) => x.status !== 'PASS');
    expect(notPass.map((x) => `${x.testId}: ${x.message ?? x.reason}`)).toEqual([]);
    expect(r.report!.results).toHaveLength(5);
    // Every result cites the requirement its attack tests and carries the attack as evidence.
    for (const x of r.report!.results) expect(x.requirements).toContain('E2EE-CONF-455');
  });

  it('E2EE-CONF-455: faults injected at steps of a run are refused by the honest driver, whatever attack the step picks', async () => {
    const injected: string[] = [];
    const stepped: ClientCheck = {
      id: 'adversarial/injected-faults',
      title: 'faults injected between honest steps',
      requirements: ['E2EE-CONF-455'],
      level: 'MUST',
      importance: 'critical',
      profile: 'client-core',
      actors: ['alice'],
      async run(ctx) {
        const alice = await ctx.enrolled('alice');
        const folder = ctx.folder('steps');
        await alice.call('folder.create', { path: folder });
        for (const [i, pick] of [0, 4, 17].entries()) {
          await alice.upload(folder, `f${i}.txt`, new Uint8Array(24).fill(i + 1));
          await alice.call('sync.refresh', { folder });
          injected.push(await injectFault(ctx, alice, folder, pick));
        }
      },
    };
    const r = await certifyClient({
      driver: `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} driver reference`,
      checks: [stepped],
      claims: ['client-core'],
      outDir: null,
      seed: 7,
    });
    expect(r.error).toBeUndefined();
    expect(r.report!.results.map((x) => `${x.status} ${x.message ?? ''}`)).toEqual(['PASS ']);
    expect(injected).toEqual([INJECTABLE_ATTACKS[0], INJECTABLE_ATTACKS[4], INJECTABLE_ATTACKS[7]]);
  });

  it('E2EE-CONF-455: every check id is unique and every attack the catalogue names for a protocol client is mounted by a check', () => {
    const ids = ADVERSARIAL_CHECKS.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    // The transparency-log attacks are mounted by the client-log checks (checks/log.ts).
    const mounted = new Set(
      [...ADVERSARIAL_CHECKS, ...LOG_CHECKS]
        .flatMap((c) => c.title.split(':', 1))
        .filter((t) => (ATTACK_NAMES as readonly string[]).includes(t)),
    );
    expect(ATTACK_NAMES.filter((n) => !mounted.has(n))).toEqual([]);
  });
});

describe('broken drivers are caught (E2EE-CONF-456)', { timeout: 240_000 }, () => {
  let dir: string;
  beforeAll(() => {
    dir = scratchPackage();
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('E2EE-CONF-456: every broken driver applies to the current sources, and its killers are checks of the battery', () => {
    const checkIds = new Set(CLIENT_CHECKS.map((c) => c.id));
    const drivers = loadBrokenDrivers();
    expect(drivers.length).toBeGreaterThanOrEqual(25);
    for (const d of drivers) {
      expect(typeof mutatedSources(d), d.id).not.toBe('string');
      for (const k of d.killers) expect(checkIds.has(k), `${d.id}: ${k}`).toBe(true);
    }
  });

  it('E2EE-CONF-456: a broken driver without the enrolment key match, the rollback check or fresh file keys is NOT CERTIFIABLE, naming the requirement', async () => {
    const drivers = loadBrokenDrivers();
    for (const id of ['enrol-key-match', 'rollback-counter', 'file-key-reuse']) {
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
