/**
 * The mock server's state: tables of immutable records, atomic synchronous transactions, optional
 * durable journaling, and the file-tree and user helpers built on them. Nothing here knows HTTP.
 *
 * @module
 */
export type { Op, Store, StoreView, Tx } from './store.js';
export * from './types.js';
export { MemoryStore, type StateImage } from './memory.js';
export { openStore, writeFileAtomic } from './journal.js';
export * as tree from './tree.js';
export * as users from './users.js';
