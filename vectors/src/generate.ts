/**
 * Generation and serialisation of the vector set: every type's file as
 * `vectors/<family>/<type>.json` (two-space JSON and a final newline), its blobs, the schemas,
 * the id ledger, and `vectors/SHA256SUMS` over all of them (a release of the set is identified
 * by the hash of that file). Same seed and same inputs, same bytes.
 *
 * @module
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createContext, DEFAULT_SEED, VECTORS_DIR } from './context.js';
import type { VectorFile } from './envelope.js';
import { ID_LEDGER, ledgerText, readLedger } from './lint.js';
import { sha256hex } from './repr.js';
import { VECTOR_TYPES } from './registry.js';
import { envelopeSchema, typeSchema } from './schemas.js';

/** One generated file: its path relative to vectors/ and its bytes. */
export interface GeneratedFile {
  readonly path: string;
  readonly bytes: Uint8Array;
}

/** The serialisation of every JSON file of the set. */
export function serialise(value: unknown): Uint8Array {
  return new Uint8Array(Buffer.from(JSON.stringify(value, null, 2) + '\n', 'utf8'));
}

/** Generates the whole set in memory; SHA256SUMS comes last. */
export async function generateAll(
  seed = DEFAULT_SEED,
  vectorsDir = VECTORS_DIR,
): Promise<GeneratedFile[]> {
  const ctx = createContext(seed, vectorsDir);
  const out: GeneratedFile[] = [
    { path: 'schemas/envelope.schema.json', bytes: serialise(envelopeSchema()) },
  ];
  const files: VectorFile[] = [];
  for (const t of VECTOR_TYPES) {
    const file = await t.generate(ctx);
    files.push(file);
    out.push({ path: `schemas/${t.type}.schema.json`, bytes: serialise(typeSchema(t)) });
    out.push({ path: `${t.family}/${t.type}.json`, bytes: serialise(file) });
    for (const [p, bytes] of t.blobs ?? []) out.push({ path: `${t.family}/${p}`, bytes });
    for (const [p, bytes] of t.files ?? []) out.push({ path: p, bytes });
  }
  out.push({
    path: ID_LEDGER,
    bytes: new Uint8Array(Buffer.from(ledgerText(files, readLedger(vectorsDir)))),
  });
  const lines = out
    .map((f) => `${sha256hex(f.bytes)}  ${f.path}`)
    .sort((a, b) => (a.slice(66) < b.slice(66) ? -1 : 1));
  out.push({ path: 'SHA256SUMS', bytes: new Uint8Array(Buffer.from(lines.join('\n') + '\n')) });
  return out;
}

/** Writes the generated set under `vectorsDir`. */
export function writeAll(files: readonly GeneratedFile[], vectorsDir = VECTORS_DIR): void {
  for (const f of files) {
    const p = join(vectorsDir, f.path);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, f.bytes);
  }
}

/** Paths whose committed bytes differ from `files` (missing files count as different). */
export function diffAgainstDisk(
  files: readonly GeneratedFile[],
  vectorsDir = VECTORS_DIR,
): string[] {
  return files
    .filter((f) => {
      const p = join(vectorsDir, f.path);
      return !existsSync(p) || !Buffer.from(readFileSync(p)).equals(Buffer.from(f.bytes));
    })
    .map((f) => f.path);
}
