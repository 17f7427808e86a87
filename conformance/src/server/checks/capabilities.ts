/**
 * The `end-to-end-encryption` capability (spec/10-server-api.md §2): clients derive the API path,
 * metadata version and headers from `api-version`, and decide whether to enrol from `keys-exist`.
 *
 * Actors follow keys.ts: alice is the enrolled user (both keys ensured), mallory never has a key.
 *
 * @module
 */
import { CheckFailure, type Actor, type CheckContext, type ServerCheck } from '../check.js';
import { expectEqual, expectStatus, ocsData, seen } from './_support.js';
import { ensureCertificate, ensurePrivateKey, storedCertificate } from './keys.js';

const CAPABILITIES = '/ocs/v2.php/cloud/capabilities?format=json';

/** The `end-to-end-encryption` capability object as `actor` sees it. */
async function e2eeCapability(ctx: CheckContext, actor: Actor): Promise<Record<string, unknown>> {
  const r = await ctx.request(actor, 'GET', CAPABILITIES);
  expectStatus(r, 200, `GET capabilities as ${actor}`);
  const data = ocsData(r) as { capabilities?: Record<string, unknown> } | undefined;
  const cap = data?.capabilities?.['end-to-end-encryption'];
  if (cap === null || typeof cap !== 'object')
    throw new CheckFailure('the capabilities have no end-to-end-encryption object', {
      expected: 'capabilities["end-to-end-encryption"]',
      actual: seen(r),
    });
  return cap as Record<string, unknown>;
}

const e2eeCapabilityCheck: ServerCheck = {
  id: 'capabilities/end-to-end-encryption',
  title:
    'The capability is enabled with the profile\'s api-version ("2.0", nc33 "2.1"); keys-exist is true exactly for a user with both keys',
  requirements: ['E2EE-API-010', 'E2EE-API-011'],
  level: 'MUST',
  importance: 'high',
  profiles: ['server-core'],
  async run(ctx) {
    await ensureCertificate(ctx, 'alice');
    await ensurePrivateKey(ctx, 'alice');
    const alice = await e2eeCapability(ctx, 'alice');
    expectEqual(alice['enabled'] as boolean, true, 'capability enabled');
    // nc30 and nc32 model API 2.0, nc33 (app 2.x) API 2.1 (E2EE-API-010).
    const apiVersion = ctx.statusProfile === 'nc33' ? '2.1' : '2.0';
    expectEqual(alice['api-version'] as string, apiVersion, 'capability api-version');
    expectEqual(alice['keys-exist'] as boolean, true, 'keys-exist for alice (both keys stored)');
    if ((await storedCertificate(ctx, 'mallory')) !== undefined)
      ctx.note('mallory has a certificate; keys-exist false is not judged');
    else
      expectEqual(
        (await e2eeCapability(ctx, 'mallory'))['keys-exist'] as boolean,
        false,
        'keys-exist for mallory (no keys)',
      );
    // Every release answers an anonymous caller without the E2EE capability (E2EE-API-011).
    const anon = await ctx.request(null, 'GET', CAPABILITIES);
    expectStatus(anon, 200, 'GET capabilities as anonymous');
    const anonCaps = (ocsData(anon) as { capabilities?: Record<string, unknown> } | undefined)
      ?.capabilities;
    if (anonCaps?.['end-to-end-encryption'] !== undefined)
      throw new CheckFailure('an anonymous request gets the end-to-end-encryption capability', {
        expected: 'no end-to-end-encryption capability',
        actual: seen(anon),
      });
  },
};

/** The capability checks, in report order. */
export const CAPABILITY_CHECKS: readonly ServerCheck[] = [e2eeCapabilityCheck];
