import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { FileStateStore, MemoryStateStore, type StateStore } from '../../src/state/index.js';
import { codeAsync } from '../_support/codes.js';
import { scratchDir } from '../_support/setup.js';

const dir = scratchDir('sealfold-state-');
let n = 0;
const freshPath = () => join(dir(), `state-${n++}.json`);

const stores: [string, () => StateStore][] = [
  ['MemoryStateStore', () => new MemoryStateStore()],
  ['FileStateStore', () => new FileStateStore(freshPath())],
];

for (const [name, make] of stores) {
  describe(name, () => {
    it('stores, returns, lists and deletes JSON values', async () => {
      const s = make();
      expect(await s.get('a')).toBeUndefined();
      await s.set('b', { counter: 5, list: [1, 'x', null, true] });
      await s.set('a', 1);
      expect(await s.get('b')).toEqual({ counter: 5, list: [1, 'x', null, true] });
      expect(await s.keys()).toEqual(['a', 'b']);
      expect(await s.delete('a')).toBe(true);
      expect(await s.delete('a')).toBe(false);
      expect(await s.keys()).toEqual(['b']);
    });

    it('copies values in and out', async () => {
      const s = make();
      const v = { x: [1] };
      await s.set('k', v);
      v.x.push(2);
      const got = await s.get<{ x: number[] }>('k');
      expect(got).toEqual({ x: [1] });
      got!.x.push(3);
      expect(await s.get('k')).toEqual({ x: [1] });
    });

    it('treats __proto__ and constructor as ordinary keys', async () => {
      const s = make();
      await s.set('__proto__', { polluted: true });
      await s.set('constructor', 2);
      expect(await s.get('__proto__')).toEqual({ polluted: true });
      expect(({} as any).polluted).toBeUndefined();
      expect(await s.keys()).toEqual(['__proto__', 'constructor']);
    });

    it('rejects empty keys and values JSON cannot hold', async () => {
      const s = make();
      await expect(s.set('', 1)).rejects.toThrow(RangeError);
      await expect(s.set('k', undefined)).rejects.toThrow(TypeError);
      await expect(s.set('k', 10n)).rejects.toThrow(TypeError);
      const cyclic: any = {};
      cyclic.self = cyclic;
      await expect(s.set('k', cyclic)).rejects.toThrow(TypeError);
      await expect(s.get(1 as any)).rejects.toThrow(TypeError);
    });
  });
}

describe('FileStateStore on disk', () => {
  it('E2EE-SEC-010: the file is a state document that validates against state-store.schema.json, and survives reopening', async () => {
    const path = freshPath();
    await new FileStateStore(path).set('hwm:folder-1', { counter: 7 });
    const doc = JSON.parse(readFileSync(path, 'utf8'));
    const schema = JSON.parse(
      readFileSync(
        new URL('../../../spec/schemas/state-store.schema.json', import.meta.url),
        'utf8',
      ),
    );
    const validate = new Ajv2020({ strict: true }).compile(schema);
    expect(validate(doc)).toBe(true);
    expect(doc).toEqual({
      format: 'sealfold-state',
      version: 1,
      entries: { 'hwm:folder-1': { counter: 7 } },
    });
    expect(await new FileStateStore(path).get('hwm:folder-1')).toEqual({ counter: 7 });
  });

  it('E2EE-SEC-010: concurrent writes through one store all land; no temporary file is left; readers never see a torn document', async () => {
    const path = freshPath();
    const s = new FileStateStore(path);
    const reader = new FileStateStore(path);
    const writes = Array.from({ length: 40 }, (_, i) => s.set(`k${String(i).padStart(2, '0')}`, i));
    const reads = Array.from({ length: 40 }, () => reader.keys());
    await Promise.all([...writes, ...reads]);
    expect((await s.keys()).length).toBe(40);
    expect(readdirSync(dir()).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('E2EE-SEC-011: a damaged file fails closed with INPUT_MALFORMED and is not overwritten', async () => {
    const bad = [
      '{ not json',
      '[]',
      'null',
      JSON.stringify({ format: 'other', version: 1, entries: {} }),
      JSON.stringify({ format: 'sealfold-state', version: 2, entries: {} }),
      JSON.stringify({ format: 'sealfold-state', version: 1, entries: [] }),
      JSON.stringify({ format: 'sealfold-state', version: 1 }),
      JSON.stringify({ format: 'sealfold-state', version: 1, entries: {}, extra: 1 }),
    ];
    for (const text of bad) {
      const path = freshPath();
      writeFileSync(path, text);
      const s = new FileStateStore(path);
      expect(await codeAsync(() => s.get('k'))).toBe('INPUT_MALFORMED');
      expect(await codeAsync(() => s.set('k', 1))).toBe('INPUT_MALFORMED');
      expect(await codeAsync(() => s.keys())).toBe('INPUT_MALFORMED');
      expect(readFileSync(path, 'utf8')).toBe(text);
    }
  });

  it('a missing file reads as empty and is created on the first write', async () => {
    const path = freshPath();
    const s = new FileStateStore(path);
    expect(await s.keys()).toEqual([]);
    expect(await s.delete('x')).toBe(false);
    await s.set('x', 'y');
    expect(JSON.parse(readFileSync(path, 'utf8')).entries).toEqual({ x: 'y' });
  });

  it('rejects a bad path argument', () => {
    expect(() => new FileStateStore('')).toThrow(RangeError);
    expect(() => new FileStateStore(3 as any)).toThrow(TypeError);
  });
});
