/**
 * The user-agent gate for WebDAV inside encrypted paths: a thin adapter over the foundation's
 * gate (`http/auth.ts`, E2EE-API-006), so WebDAV handlers and the OCS gate apply one rule.
 *
 * @module
 */

import { isE2eeClient as gate } from '../http/auth.js';
import type { Profile } from './profiles.js';

/**
 * True when a request may touch end-to-end encrypted content: a known E2EE client at or above
 * its minimum version, or (profile `nc32`) `X-E2EE-Supported: true`.
 */
export function isE2eeClient(
  userAgent: string | undefined,
  e2eeSupported: string | undefined,
  profile: Profile,
): boolean {
  return gate(userAgent ?? '', e2eeSupported, profile);
}
