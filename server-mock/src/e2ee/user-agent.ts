/**
 * The user-agent gate of E2EE endpoints and WebDAV paths (spec/12-metadata-api.md §1,
 * E2EE-API-100..102; protocol-notes §2.1 `UserAgentManager`).
 *
 * @module
 */

import type { Profile } from './profiles.js';

/** Client user agents allowed with their minimum version (the real app's defaults). */
export const SUPPORTED_USER_AGENTS = [
  { re: /^Mozilla\/5\.0 \(Android\) Nextcloud-android\/(\d+)\.(\d+)\.(\d+)/, min: [3, 13, 0] },
  { re: /^Mozilla\/5\.0 \([A-Za-z ]+\) (?:mirall|csyncoC)\/(\d+)\.(\d+)\.(\d+)/, min: [3, 0, 0] },
  { re: /^Mozilla\/5\.0 \(iOS\) Nextcloud-iOS\/(\d+)\.(\d+)\.(\d+)/, min: [3, 0, 5] },
] as const;

function atLeast(v: number[], min: readonly number[]): boolean {
  for (let i = 0; i < 3; i++) {
    const a = v[i] ?? 0;
    const b = min[i] ?? 0;
    if (a !== b) return a > b;
  }
  return true;
}

/**
 * True when a request may use E2EE endpoints: its user agent matches a known client at or above
 * the minimum version, or (profile `nc32` only) it matches none and sends `X-E2EE-Supported: true`.
 * A known client below the minimum is refused even with the header.
 */
export function isE2eeClient(
  userAgent: string | undefined,
  e2eeSupported: string | undefined,
  profile: Profile,
): boolean {
  const ua = userAgent ?? '';
  for (const { re, min } of SUPPORTED_USER_AGENTS) {
    const m = re.exec(ua);
    // E2EE-API-101 (MUST, server): a known client is judged by its version alone.
    if (m) return atLeast([Number(m[1]), Number(m[2]), Number(m[3])], min);
  }
  // E2EE-API-102 (MUST, server): the opt-in header exists from app 1.17 on (profile nc32).
  return profile === 'nc32' && e2eeSupported?.trim().toLowerCase() === 'true';
}
