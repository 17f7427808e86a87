/**
 * The client test battery: every check `sealfold certify client` runs, in run order.
 * To add a check: import it and add one entry to the array (see ../README.md).
 *
 * @module
 */
import type { ClientCheck } from '../check.js';
import { IDENTITY_CHECKS } from './identity.js';

export const CLIENT_CHECKS: readonly ClientCheck[] = [
  ...IDENTITY_CHECKS,
  // Adversarial checks (conformance/src/client/adversarial/**) are registered below this line.
];
