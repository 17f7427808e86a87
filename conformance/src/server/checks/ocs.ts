/**
 * OCS gate checks (spec/10-server-api.md §1): the CSRF header Nextcloud requires on every OCS
 * request, proven by a refused request that changes nothing.
 *
 * @module
 */
import type { ServerCheck } from '../check.js';
import { e2eePath, expectStatus, lock, makeEncryptedFolder, unlock } from './_support.js';

/**
 * A desktop client's user agent: passes the E2EE client gate in every status profile
 * (E2EE-API-006), so that only the missing OCS header can explain a refusal.
 */
const DESKTOP_USER_AGENT = 'Mozilla/5.0 (Linux) mirall/3.16.0';

const csrfHeaderRequired: ServerCheck = {
  id: 'ocs/csrf-header-required',
  title: 'An OCS request without OCS-APIRequest: true is refused with 412 and changes nothing',
  requirements: ['E2EE-API-003'],
  level: 'MUST',
  importance: 'high',
  profiles: ['server-core'],
  async run(ctx) {
    const folder = await makeEncryptedFolder(ctx, 'alice', 'csrf');
    // A lock request from a client that leaves out the header (a browser form, say).
    const r = await ctx.request('alice', 'POST', e2eePath(`/lock/${folder.id}`), {
      bare: true,
      headers: { 'user-agent': DESKTOP_USER_AGENT, 'x-nc-e2ee-counter': '1' },
    });
    expectStatus(r, 412, 'POST lock without OCS-APIRequest');
    // Nothing was locked: a client with the header locks the folder at once.
    const token = await lock(ctx, 'alice', folder.id, 1);
    expectStatus(await unlock(ctx, 'alice', folder.id, token, true), 200, 'unlock (abort)');
  },
};

/** The OCS gate checks, in report order. */
export const OCS_CHECKS: readonly ServerCheck[] = [csrfHeaderRequired];
