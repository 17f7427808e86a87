/**
 * Generation and serialisation of the vector set: every type's file as
 * `vectors/<family>/<type>.json` (two-space JSON and a final newline), its blobs, and
 * `vectors/SHA256SUMS` over every file of the set. Same seed and same inputs, same bytes.
 *
 * @module
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createContext, DEFAULT_SEED, VECTORS_DIR } from './context.js';
import { sha256hex } from './repr.js';
import { VECTOR_TYPES } from './registry.js';

/** One generated file: its path relative to vectors/ and its bytes. */
export interface GeneratedFile {
  readonly path: string;
  readonly bytes: Uint8Array;
}

/** The serialisation of every vector file. */
export function serialise(value: unknown): Uint8Array {
  return new Uint8Array(Buffer.from(JSON.stringify(value, null, 2) + '\n', 'utf8'));
}

/** Generates the whole set in memory (vector files, blobs, then SHA256SUMS last). */
export async function generateAll(
  seed = DEFAULT_SEED,
  vectorsDir = VECTORS_DIR,
): Promise<GeneratedFile[]> {
  const ctx = createContext(seed, vectorsDir);
  const out: GeneratedFile[] = [];
  for (const t of VECTOR_TYPES) {
    const file = await t.generate(ctx);
    out.push({ path: `${t.family}/${t.type}.json`, bytes: serialise(file) });
    for (const [p, bytes] of t.blobs ?? []) out.push({ path: `${t.family}/${p}`, bytes });
  }
  out.push({ path: 'SHA256SUMS', bytes: checksums(out, vectorsDir) });
  return out;
}

/** `sha256  path` lines (sha256sum format) over the generated files and the committed inputs. */
function checksums(files: readonly GeneratedFile[], vectorsDir: string): Uint8Array {
  const lines = files.map((f) => `${sha256hex(f.bytes)}  ${f.path}`);
  for (const schema of schemaFiles(vectorsDir)) {
    lines.push(`${sha256hex(readFileSync(join(vectorsDir, schema)))}  ${schema}`);
  }
  lines.sort((a, b) => (a.slice(66) < b.slice(66) ? -1 : 1));
  return new Uint8Array(Buffer.from(lines.join('\n') + '\n'));
}

function schemaFiles(vectorsDir: string): string[] {
  const names = [
    'schemas/envelope.schema.json',
    ...VECTOR_TYPES.map((t) => `schemas/${t.type}.schema.json`),
  ];
  return names.filter((n) => existsSync(join(vectorsDir, n)));
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
