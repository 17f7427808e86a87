/**
 * The offline administrator recovery key (spec/20-recovery-key.md): the policy and its signed
 * statement, the recovery wrap in folder metadata, the private key at rest with Shamir shares,
 * the client's pin-and-consent gate, and its HTTP glue.
 *
 * @module
 */
export * from './policy.js';
export * from './wrap.js';
export * from './keyfile.js';
export * from './guard.js';
export * from './client.js';
export * from './recover.js';
export * from './fetch.js';
