/**
 * Facts about each server profile that handlers consult (spec/10-server-api.md §2). Status codes
 * that differ by profile are in `e2ee/profiles.ts` (`FAILURES`); everything else that differs is
 * here.
 *
 * @module
 */
import type { Profile } from './config.js';

export interface ProfileInfo {
  /** Nextcloud server version reported by status.php and capabilities. */
  readonly serverVersion: readonly [number, number, number];
  /** end_to_end_encryption app version being modelled. */
  readonly appVersion: string;
  /** Capability `end-to-end-encryption.api-version` (protocol-notes §1.1, §2.7). */
  readonly apiVersion: string;
  /** Whether POST /private-key checks the `ct|iv|salt` format (app 2.x; E2EE-API-041). */
  readonly validatesPrivateKey: boolean;
  /** Whether `X-E2EE-Supported: true` passes the user-agent gate (app ≥ 1.17). */
  readonly acceptsSupportedHeader: boolean;
}

export const PROFILE_INFO: Readonly<Record<Profile, ProfileInfo>> = Object.freeze({
  nc30: {
    serverVersion: [30, 0, 17],
    appVersion: '1.16.4',
    apiVersion: '2.0',
    validatesPrivateKey: false,
    acceptsSupportedHeader: false,
  },
  nc32: {
    serverVersion: [32, 0, 4],
    appVersion: '1.18.4',
    apiVersion: '2.0',
    validatesPrivateKey: true,
    acceptsSupportedHeader: true,
  },
});

/** "30.0.17" etc. */
export function versionString(p: Profile): string {
  return PROFILE_INFO[p].serverVersion.join('.');
}
