/**
 * The store interface. The store knows nothing of HTTP: handlers read through {@link StoreView}
 * and change state only inside {@link Store.transact}, which is synchronous and atomic: either all
 * of a transaction's writes are committed (and, with a data directory, durably journaled before
 * `transact` returns) or none is.
 *
 * @module
 */
import type { NodeRecord, TableName, Tables } from './types.js';

/** One committed write: a put (`v` present) or a delete. */
export type Op =
  | { readonly t: TableName; readonly k: string; readonly v: Tables[TableName] }
  | { readonly t: TableName; readonly k: string; readonly d: true }
  | { readonly reset: true };

/** Read access to committed state (or, inside a transaction, to the transaction's own view). */
export interface StoreView {
  get<T extends TableName>(table: T, key: string): Tables[T] | undefined;
  /** All records of a table, in key insertion order. */
  list<T extends TableName>(table: T): Tables[T][];
  /** Children of a folder (any owner), in name order. */
  childrenOf(parentId: number): NodeRecord[];
  /** Number of committed transactions since the store was created (survives restarts). */
  readonly seq: number;
}

/** A transaction: reads see its own writes. */
export interface Tx extends StoreView {
  put<T extends TableName>(table: T, key: string, value: Tables[T]): void;
  /** Deletes a record; returns false when it did not exist. */
  del(table: TableName, key: string): boolean;
  /** Next value of a monotonic counter (starts at COUNTER_START[name] or 1). */
  nextId(name: string): number;
  /** Empties every table (management reset). */
  clearAll(): void;
}

export interface Store extends StoreView {
  /**
   * Runs `fn` on a transaction. Returns its result after committing. If `fn` throws, every write
   * is undone and the error is rethrown. `fn` must be synchronous: a returned promise is refused
   * (rolled back, TypeError), because another request could run while it is pending.
   */
  transact<R>(fn: (tx: Tx) => R): R;
  /** hex SHA-256 over a canonical encoding of every table: equal state ⇔ equal fingerprint. */
  fingerprint(): string;
  /** Writes a snapshot (if persistent) and releases the files. */
  close(): void;
}
