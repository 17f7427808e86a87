/**
 * Facts about each server profile that handlers consult (spec/10-server-api.md §2). Status codes
 * that differ by profile are in `e2ee/profiles.ts` (`FAILURES`); everything else that differs is
 * here.
 *
 * @module
 */
import type { Profile } from './config.js';

export interface ProfileInfo {
  /** What the profile imitates, by release: the name used in the spec and the profile table. */
  readonly imitates: string;
  /** The end_to_end_encryption app releases whose behaviour the profile reproduces. */
  readonly appVersions: string;
  /** Nextcloud server version reported by status.php and capabilities. */
  readonly serverVersion: readonly [number, number, number];
  /** end_to_end_encryption app version being modelled. */
  readonly appVersion: string;
  /** Capability `end-to-end-encryption.api-version` (spec/10-server-api.md). */
  readonly apiVersion: string;
  /** Whether POST /private-key checks the `ct|iv|salt` format (app 2.x; E2EE-API-041). */
  readonly validatesPrivateKey: boolean;
  /** Whether `X-E2EE-Supported: true` passes the user-agent gate (app ≥ 1.17). */
  readonly acceptsSupportedHeader: boolean;
  /**
   * Whether key deletion and the account reset need a strict password confirmation (app password
   * refused; app 1.17.3 / 1.18.3 on, commits bebe93c9 and 63f9444c; E2EE-API-060).
   */
  readonly strictPasswordConfirmation: boolean;
  /** Whether `GET public-key` serves anonymous callers (app 2.x `#[PublicPage]`; E2EE-API-432). */
  readonly anonymousPublicKeys: boolean;
  /** Whether the v1 filedrop route exists (dropped in app 2.2.2, commit 218d7d41; E2EE-API-433). */
  readonly v1Filedrop: boolean;
}

export const PROFILE_INFO: Readonly<Record<Profile, ProfileInfo>> = Object.freeze({
  nc30: {
    imitates: 'Nextcloud 28–30 with app 1.16.x',
    appVersions: '1.14.6–1.16.4 (statuses of the whole 1.14–1.16 line; 1.16.4 reported)',
    serverVersion: [30, 0, 17],
    appVersion: '1.16.4',
    apiVersion: '2.0',
    validatesPrivateKey: false,
    acceptsSupportedHeader: false,
    strictPasswordConfirmation: false,
    anonymousPublicKeys: false,
    v1Filedrop: true,
  },
  nc32: {
    imitates: 'Nextcloud 32 with app 1.18.4 (as shipped)',
    appVersions: '1.18.4 exactly (1.18.0–1.18.3 differ, spec/11 §7)',
    serverVersion: [32, 0, 4],
    appVersion: '1.18.4',
    apiVersion: '2.0',
    validatesPrivateKey: true,
    acceptsSupportedHeader: true,
    strictPasswordConfirmation: true,
    anonymousPublicKeys: false,
    v1Filedrop: true,
  },
  nc33: {
    imitates: 'Nextcloud 33+ with app 2.2.x',
    appVersions: '2.2.2–2.2.3 and main at 3d200eff (2.2.0–2.2.1 keep the v1 filedrop route)',
    serverVersion: [33, 0, 0],
    appVersion: '2.2.3',
    apiVersion: '2.1',
    validatesPrivateKey: true,
    acceptsSupportedHeader: true,
    strictPasswordConfirmation: true,
    anonymousPublicKeys: true,
    v1Filedrop: false,
  },
});

/** "30.0.17" etc. */
export function versionString(p: Profile): string {
  return PROFILE_INFO[p].serverVersion.join('.');
}
