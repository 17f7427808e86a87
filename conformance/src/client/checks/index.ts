/**
 * The client test battery: every check `sealfold certify client` runs, in run order.
 * To add a check: import it and add one entry to the array (see ../README.md).
 *
 * @module
 */
import type { ClientCheck } from '../check.js';
import { CORE_CHECKS } from './core.js';
import { FILEDROP_CHECKS } from './filedrop.js';
import { IDENTITY_CHECKS } from './identity.js';
import { LOG_CHECKS } from './log.js';
import { PROPERTY_CHECKS } from './property.js';
import { RECOVERY_KEY_CHECKS } from './recovery-key.js';
import { SHARING_CHECKS } from './sharing.js';
import { ADVERSARIAL_CHECKS } from '../adversarial/checks.js';

export const CLIENT_CHECKS: readonly ClientCheck[] = [
  ...IDENTITY_CHECKS,
  ...CORE_CHECKS,
  ...SHARING_CHECKS,
  ...FILEDROP_CHECKS,
  ...PROPERTY_CHECKS,
  ...LOG_CHECKS,
  ...RECOVERY_KEY_CHECKS,
  // Adversarial checks (conformance/src/client/adversarial/**) are registered below this line.
  ...ADVERSARIAL_CHECKS,
];
