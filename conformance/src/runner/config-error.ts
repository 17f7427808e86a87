/**
 * A configuration or pre-flight problem: nothing was certified, exit code 3 (E2EE-CONF-011).
 *
 * @module
 */

/** Thrown before any test ran; the message names the problem and never a secret. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}
