/**
 * The E2EE transaction core of the mock server: locks, metadata storage, staged WebDAV writes,
 * commit and abort, stale-lock rollback, the encrypted flag and the status profiles
 * (spec/11-locking.md, spec/12-metadata-api.md).
 *
 * The engine is pure: it works on an {@link E2eeState} (plain JSON, persisted by the store) and an
 * {@link E2eeTree} port, with the clock and randomness injected through the {@link E2eeContext}.
 * HTTP routers translate requests into these calls and {@link E2eeFailure}s into statuses with
 * {@link statusFor}.
 *
 * @module
 */

export * from './profiles.js';
export * from './state.js';
export * from './tree.js';
export * from './context.js';
export * from './locks.js';
export * from './metadata.js';
export * from './staging.js';
export * from './flags.js';
export { SAVE_SUFFIX, DELETE_SUFFIX, stripSuffix } from './_names.js';
export * from './store-adapter.js';
