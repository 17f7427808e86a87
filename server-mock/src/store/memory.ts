/**
 * The in-memory store. State is a map per table; a transaction applies its writes at once and
 * keeps an undo list, so a throwing transaction is rolled back exactly. Node.js runs one
 * transaction at a time (they are synchronous), so no other request sees a half-applied one.
 *
 * E2EE-API-091 / E2EE-API-092 (MUST, server): a refused request leaves state unchanged and a
 * multi-record change commits all or nothing.
 *
 * Durability is delegated to a {@link Durability} sink (the file journal in `journal.ts`): the
 * committed operations are handed to it before `transact` returns; if it throws, the
 * transaction is rolled back and the error propagates, so nothing is acknowledged that is not
 * on disk.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import type { NodeRecord, TableName, Tables } from './types.js';
import { COUNTER_START, TABLES } from './types.js';
import type { Op, Store, Tx } from './store.js';
import { canonicalJson, freezeRecord } from './codec.js';

/** A full copy of state, as loaded from or written to disk. */
export interface StateImage {
  seq: number;
  tables: { [T in TableName]?: Record<string, Tables[T]> };
}

/** Where committed transactions go (none = purely in memory). */
export interface Durability {
  /** Makes `ops` (transaction number `seq`) durable; throws if it cannot. */
  commit(seq: number, ops: readonly Op[], image: () => StateImage): void;
  close(image: StateImage): void;
}

type AnyRecord = Tables[TableName];

interface Undo {
  t: TableName;
  k: string;
  prev: AnyRecord | undefined;
}

/** The in-memory implementation of {@link Store}. */
export class MemoryStore implements Store {
  readonly #tables = new Map<TableName, Map<string, AnyRecord>>();
  /** parent id → child ids (derived index, not persisted). */
  readonly #children = new Map<number, Set<number>>();
  readonly #durability: Durability | null;
  #seq = 0;
  #inTx = false;
  #closed = false;

  constructor(opts: { image?: StateImage; durability?: Durability } = {}) {
    for (const t of TABLES) this.#tables.set(t, new Map());
    this.#durability = opts.durability ?? null;
    if (opts.image) {
      this.#seq = opts.image.seq;
      for (const t of TABLES) {
        const rows = opts.image.tables[t] ?? {};
        for (const [k, v] of Object.entries(rows)) this.#apply(t, k, freezeRecord(v));
      }
    }
  }

  get seq(): number {
    return this.#seq;
  }

  get<T extends TableName>(table: T, key: string): Tables[T] | undefined {
    return this.#tables.get(table)!.get(key) as Tables[T] | undefined;
  }

  list<T extends TableName>(table: T): Tables[T][] {
    return [...this.#tables.get(table)!.values()] as Tables[T][];
  }

  childrenOf(parentId: number): NodeRecord[] {
    const ids = this.#children.get(parentId);
    if (!ids) return [];
    return [...ids]
      .map((id) => this.get('nodes', String(id))!)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id - b.id));
  }

  /** Sets or deletes one record and keeps the child index in step. */
  #apply(t: TableName, k: string, v: AnyRecord | undefined): AnyRecord | undefined {
    const table = this.#tables.get(t)!;
    const prev = table.get(k);
    if (t === 'nodes') {
      const p = prev as NodeRecord | undefined;
      if (p && p.parent !== null) this.#children.get(p.parent)?.delete(p.id);
      const n = v as NodeRecord | undefined;
      if (n && n.parent !== null) {
        let set = this.#children.get(n.parent);
        if (!set) this.#children.set(n.parent, (set = new Set()));
        set.add(n.id);
      }
    }
    if (v === undefined) table.delete(k);
    else table.set(k, v);
    return prev;
  }

  transact<R>(fn: (tx: Tx) => R): R {
    if (this.#closed) throw new Error('store is closed');
    if (this.#inTx) throw new Error('nested transactions are not supported');
    const undo: Undo[] = [];
    const ops: Op[] = [];
    const write = (t: TableName, k: string, v: AnyRecord | undefined) => {
      undo.push({ t, k, prev: this.#apply(t, k, v) });
      ops.push(v === undefined ? { t, k, d: true } : { t, k, v });
    };
    const tx: Tx = {
      get: (t, k) => this.get(t, k),
      list: (t) => this.list(t),
      childrenOf: (id) => this.childrenOf(id),
      seq: this.#seq,
      put: (t, k, v) => {
        if (typeof k !== 'string' || k === '')
          throw new TypeError('store key must be a non-empty string');
        write(t, k, freezeRecord(v));
      },
      del: (t, k) => {
        if (!this.#tables.get(t)!.has(k)) return false;
        write(t, k, undefined);
        return true;
      },
      nextId: (name) => {
        const cur = this.get('counters', name)?.value;
        const next = cur === undefined ? (COUNTER_START[name] ?? 1) : cur + 1;
        write('counters', name, freezeRecord({ value: next }));
        return next;
      },
      clearAll: () => {
        for (const t of TABLES)
          for (const k of [...this.#tables.get(t)!.keys()]) write(t, k, undefined);
        ops.length = 0;
        ops.push({ reset: true });
      },
    };
    this.#inTx = true;
    try {
      const result = fn(tx);
      if (result !== null && typeof (result as { then?: unknown })?.then === 'function')
        throw new TypeError('store transactions must be synchronous');
      if (ops.length > 0) {
        this.#durability?.commit(this.#seq + 1, ops, () => this.image(this.#seq + 1));
        this.#seq += 1;
      }
      return result;
    } catch (e) {
      // E2EE-API-092 (MUST, server): undo every write of a failed transaction.
      for (let i = undo.length - 1; i >= 0; i--) this.#apply(undo[i]!.t, undo[i]!.k, undo[i]!.prev);
      throw e;
    } finally {
      this.#inTx = false;
    }
  }

  /** A copy of all state (records are immutable, so this is cheap). */
  image(seq = this.#seq): StateImage {
    const tables: StateImage['tables'] = {};
    for (const t of TABLES)
      (tables as Record<string, unknown>)[t] = Object.fromEntries(this.#tables.get(t)!);
    return { seq, tables };
  }

  fingerprint(): string {
    const h = createHash('sha256');
    for (const t of TABLES) {
      const rows = [...this.#tables.get(t)!.entries()].sort(([a], [b]) =>
        a < b ? -1 : a > b ? 1 : 0,
      );
      h.update(canonicalJson([t, rows]));
    }
    return h.digest('hex');
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#durability?.close(this.image());
  }
}
