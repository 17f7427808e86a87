/**
 * E2EE-LOG-004: a log entry is written in the journal line of the change it records. Every cut of
 * the journal inside the last transaction's line (a crash during the append) reloads to a state
 * with both the change and its entry or neither; and `sealfold serve` killed with SIGKILL keeps
 * both (the process test in serve.test.ts style).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREDS, E2EE_V1, keySeeds, ocs, type KeySeeds } from '../_support/server.js';
import { commit, logServer, newFolder } from './_support.js';
import { openStore } from '../../src/store/index.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'sealfold-tlog-crash-'));
  dirs.push(d);
  return d;
};

let seeds: KeySeeds;
beforeAll(async () => {
  seeds = await keySeeds();
});

/** Reloads the store from a copy of `dir` whose journal is cut to `bytes`. */
function reloadCut(dir: string, bytes: number) {
  const copy = tmp();
  cpSync(dir, copy, { recursive: true });
  truncateSync(join(copy, 'state', 'journal.jsonl'), bytes);
  const store = openStore(copy);
  try {
    const meta = (
      store.get('documents', 'e2ee')?.json as { meta: Record<string, { doc?: string }> }
    )?.meta;
    return {
      key: store.get('publicKeys', 'alice') !== undefined,
      docs: Object.values(meta ?? {})
        .filter((m) => m.doc !== undefined)
        .map((m) => m.doc),
      entries: store.list('tlog').map((e) => e.entry),
    };
  } finally {
    store.close();
  }
}

describe('E2EE-LOG-004 a change and its log entry survive a crash together', () => {
  it('every cut inside the last journal line: both or neither (key issuance, then a metadata commit)', async () => {
    const dataDir = tmp();
    const s = await logServer({ dataDir });
    const res = await ocs(s.app, 'post', `${E2EE_V1}/public-key`)
      .type('form')
      .send({ csr: seeds.aliceCsr });
    expect(res.status).toBe(200);
    const journal = join(dataDir, 'state', 'journal.jsonl');
    const afterKey = readFileSync(journal).length;
    const id = await newFolder(s.app, 'vault', '{"v":1}');
    await commit(s.app, id, 2, '{"v":2}');
    const full = readFileSync(journal);
    // No close(): as after kill -9. Cut inside the key transaction's line and the last line.
    const lines = full.toString('utf8').split('\n');
    const lastStart = full.length - Buffer.byteLength(lines.at(-2)! + '\n');
    const keyLineStart =
      afterKey -
      Buffer.byteLength(full.subarray(0, afterKey).toString().split('\n').at(-2)! + '\n');
    for (const [start, end, check] of [
      [
        keyLineStart,
        afterKey,
        (r: ReturnType<typeof reloadCut>, whole: boolean) => {
          expect(r.key).toBe(whole);
          expect(r.entries.some((e) => e.includes('kind key'))).toBe(whole);
        },
      ],
      [
        lastStart,
        full.length,
        (r: ReturnType<typeof reloadCut>, whole: boolean) => {
          expect(r.docs.includes('{"v":2}')).toBe(whole);
          expect(r.entries.some((e) => e.includes('counter 2'))).toBe(whole);
        },
      ],
    ] as const) {
      const step = Math.max(1, Math.floor((end - start) / 12));
      for (let cut = start; cut <= end; cut += step) check(reloadCut(dataDir, cut), cut === end);
      check(reloadCut(dataDir, end), true);
      check(reloadCut(dataDir, end - 1), false);
    }
    s.store.close();
    void CREDS;
  });
});
