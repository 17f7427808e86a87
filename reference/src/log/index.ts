/**
 * The transparency log (spec/21-transparency-log.md): RFC 9162 tree hashing and proofs, C2SP
 * signed notes, checkpoints and cosignatures, the logged entries, and the client's verifier,
 * witness and monitor. The public entry of the module: the mock server, the CLI and the
 * conformance suite import from here, never from the files.
 *
 * @module
 */
export * from './checkpoint.js';
export * from './compact-range.js';
export * from './cosignature.js';
export * from './entry.js';
export * from './fork-witness.js';
export * from './merkle.js';
export * from './monitor.js';
export * from './note.js';
export * from './pin.js';
export * from './source.js';
export * from './tiles.js';
export * from './verifier.js';
export * from './witness.js';
