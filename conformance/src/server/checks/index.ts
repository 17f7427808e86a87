/**
 * The server check battery of `sealfold certify server`: every check, in report order. Each
 * check's id is stable forever (never reused or renumbered) and cites the requirement IDs it
 * evidences.
 *
 * @module
 */
import type { ServerCheck } from '../check.js';
import { KEY_CHECKS } from './keys.js';
import { CAPABILITY_CHECKS } from './capabilities.js';
import { CERTIFICATE_PROFILE_CHECKS } from './certificate-profile.js';
import { OCS_CHECKS } from './ocs.js';
import { LEGACY_V1_CHECKS } from './legacy-v1.js';
import { LOCKING_CHECKS } from './locking.js';
import { SHARING_CHECKS } from './sharing.js';
import { SECURITY_CHECKS } from './security.js';
import { SEALFOLD_SERVER_CHECKS } from './sealfold-server.js';
import { WEBDAV_CHECKS } from './webdav.js';
import { WEBDAV_SEARCH_CHECKS } from './webdav-search.js';
import { MODEL_CHECKS } from '../model/checks.js';
import { RECOVERY_KEY_CHECKS } from './recovery-key.js';
import { LOG_CHECKS } from './log.js';

export const SERVER_CHECKS: readonly ServerCheck[] = [
  ...KEY_CHECKS,
  ...CAPABILITY_CHECKS,
  ...CERTIFICATE_PROFILE_CHECKS,
  ...OCS_CHECKS,
  ...LOCKING_CHECKS,
  ...LEGACY_V1_CHECKS,
  ...SHARING_CHECKS,
  ...SECURITY_CHECKS,
  ...SEALFOLD_SERVER_CHECKS,
  ...WEBDAV_CHECKS,
  ...WEBDAV_SEARCH_CHECKS,
  ...RECOVERY_KEY_CHECKS, // the recovery-key extension (spec/20-recovery-key.md)
  ...LOG_CHECKS, // the transparency log (spec/21-transparency-log.md)
  ...MODEL_CHECKS, // the property-based model run (`../model/`)
];
