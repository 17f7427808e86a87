/**
 * The store: atomic synchronous transactions, rollback, fingerprints, and the file journal
 * (persistence, torn tails, corruption, compaction).
 */
import {
  appendFileSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MemoryStore, openStore } from '../../src/store/index.js';

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'sealfold-store-'));
  dirs.push(d);
  return d;
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const counter = (v: number) => ({ value: v });

describe('MemoryStore transactions', () => {
  it('E2EE-API-092: a throwing transaction undoes every write (puts, deletes, counters)', () => {
    const s = new MemoryStore();
    s.transact((tx) => {
      tx.put('counters', 'a', counter(1));
      tx.put('counters', 'b', counter(2));
    });
    const before = s.fingerprint();
    expect(() =>
      s.transact((tx) => {
        tx.put('counters', 'a', counter(10));
        tx.del('counters', 'b');
        tx.nextId('fileId');
        tx.put('counters', 'c', counter(3));
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(s.fingerprint()).toBe(before);
    expect(s.get('counters', 'a')).toEqual(counter(1));
    expect(s.get('counters', 'b')).toEqual(counter(2));
    expect(s.seq).toBe(1);
  });

  it('E2EE-API-091: random mixes of writes followed by a failure leave the fingerprint unchanged', () => {
    const s = new MemoryStore();
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.constantFrom('put', 'del', 'id'),
            fc.constantFrom('a', 'b', 'c'),
            fc.nat(100),
          ),
          {
            maxLength: 20,
          },
        ),
        fc.boolean(),
        (ops, fail) => {
          const before = s.fingerprint();
          const seq = s.seq;
          try {
            s.transact((tx) => {
              for (const [op, k, v] of ops) {
                if (op === 'put') tx.put('counters', k, counter(v));
                else if (op === 'del') tx.del('counters', k);
                else tx.nextId(k);
              }
              if (fail) throw new Error('refused');
            });
          } catch {
            expect(s.fingerprint()).toBe(before);
            expect(s.seq).toBe(seq);
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('refuses asynchronous and nested transactions, and rolls them back', () => {
    const s = new MemoryStore();
    expect(() =>
      s.transact((tx) => {
        tx.put('counters', 'x', counter(1));
        return Promise.resolve(1);
      }),
    ).toThrow(TypeError);
    expect(s.get('counters', 'x')).toBeUndefined();
    expect(() => s.transact(() => s.transact(() => 1))).toThrow(/nested/);
  });

  it('stores frozen copies: callers cannot change state behind the store', () => {
    const s = new MemoryStore();
    const rec = { value: 1 };
    s.transact((tx) => tx.put('counters', 'k', rec));
    rec.value = 2;
    expect(s.get('counters', 'k')!.value).toBe(1);
    expect(Object.isFrozen(s.get('counters', 'k'))).toBe(true);
  });

  it('fingerprints equal state equally regardless of insertion order', () => {
    const a = new MemoryStore();
    const b = new MemoryStore();
    a.transact((tx) => {
      tx.put('counters', 'x', counter(1));
      tx.put('counters', 'y', counter(2));
    });
    b.transact((tx) => {
      tx.put('counters', 'y', counter(2));
      tx.put('counters', 'x', counter(1));
    });
    expect(a.fingerprint()).toBe(b.fingerprint());
    b.transact((tx) => tx.put('counters', 'x', counter(5)));
    expect(a.fingerprint()).not.toBe(b.fingerprint());
  });

  it('clearAll empties every table in one commit', () => {
    const s = new MemoryStore();
    s.transact((tx) => tx.put('counters', 'x', counter(1)));
    s.transact((tx) => tx.clearAll());
    expect(s.list('counters')).toEqual([]);
    expect(s.fingerprint()).toBe(new MemoryStore().fingerprint());
  });
});

describe('file journal', () => {
  it('E2EE-API-090: every committed transaction is on disk before transact returns, and reloads', () => {
    const d = tmp();
    const s = openStore(d);
    s.transact((tx) =>
      tx.put('nodes', '5', {
        id: 5,
        owner: 'a',
        parent: null,
        name: '',
        kind: 'file',
        content: new Uint8Array([0, 1, 255]),
        etag: 'e',
        mtime: 1,
        encrypted: false,
      }),
    );
    s.transact((tx) => tx.put('counters', 'x', counter(7)));
    // No close(): as after kill -9.
    const journal = readFileSync(join(d, 'state', 'journal.jsonl'), 'utf8');
    expect(journal.trim().split('\n')).toHaveLength(2);
    const r = openStore(d);
    expect(r.fingerprint()).toBe(s.fingerprint());
    expect(r.get('nodes', '5')!.content).toEqual(new Uint8Array([0, 1, 255]));
    expect(r.seq).toBe(2);
  });

  it('E2EE-API-092: a torn last line (a crash during the append) is dropped and cut off', () => {
    const d = tmp();
    const s = openStore(d);
    s.transact((tx) => tx.put('counters', 'x', counter(1)));
    const fp = s.fingerprint();
    const path = join(d, 'state', 'journal.jsonl');
    appendFileSync(path, '{"seq":2,"ops":[{"t":"counters","k":"y","v":{"val');
    const r = openStore(d);
    expect(r.fingerprint()).toBe(fp);
    r.transact((tx) => tx.put('counters', 'z', counter(3)));
    const again = openStore(d);
    expect(again.get('counters', 'z')).toEqual(counter(3));
    expect(again.get('counters', 'y')).toBeUndefined();
  });

  it('refuses to start from a journal that is corrupt in the middle', () => {
    const d = tmp();
    const s = openStore(d);
    s.transact((tx) => tx.put('counters', 'x', counter(1)));
    s.transact((tx) => tx.put('counters', 'y', counter(2)));
    const path = join(d, 'state', 'journal.jsonl');
    const lines = readFileSync(path, 'utf8').split('\n');
    lines[0] = lines[0]!.replace('"seq"', '"s#q"');
    writeFileSync(path, lines.join('\n'));
    expect(() => openStore(d)).toThrow(/corrupt/);
  });

  it('compacts into a snapshot and replays only newer journal lines', () => {
    const d = tmp();
    const s = openStore(d, { compactBytes: 200 });
    for (let i = 0; i < 20; i++) s.transact((tx) => tx.put('counters', `k${i}`, counter(i)));
    expect(statSync(join(d, 'state', 'snapshot.json')).size).toBeGreaterThan(0);
    const r = openStore(d);
    expect(r.fingerprint()).toBe(s.fingerprint());
    expect(r.seq).toBe(20);
    // A crash between the snapshot rename and the truncation: old lines are skipped, not re-applied.
    const snap = readFileSync(join(d, 'state', 'snapshot.json'), 'utf8');
    truncateSync(join(d, 'state', 'journal.jsonl'), 0);
    appendFileSync(
      join(d, 'state', 'journal.jsonl'),
      '{"seq":1,"ops":[{"t":"counters","k":"k0","v":{"value":99}}]}\n',
    );
    writeFileSync(join(d, 'state', 'snapshot.json'), snap);
    expect(openStore(d).get('counters', 'k0')).toEqual(counter(0));
  });

  it('writes a snapshot on close and keeps files private (0600)', () => {
    const d = tmp();
    const s = openStore(d);
    s.transact((tx) => tx.put('counters', 'x', counter(1)));
    s.close();
    expect(statSync(join(d, 'state', 'snapshot.json')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(d, 'state', 'journal.jsonl'), 'utf8')).toBe('');
    expect(openStore(d).get('counters', 'x')).toEqual(counter(1));
  });
});
