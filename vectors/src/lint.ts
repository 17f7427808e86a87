/**
 * `sealfold vectors lint`: every vector file against its JSON Schema (ajv), then the rules of
 * conformance-design §3.4 that a schema cannot say: ids unique across the set and never removed
 * (the ledger `vectors/ids.txt` lists every id ever published), tcIds 1..n in order,
 * numberOfTests, every flag defined in `notes`, an `acceptable` test carries a flag, requirement
 * IDs exist in the spec, blobs match their hashes, and SHA256SUMS matches the files.
 *
 * @module
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { Vector, VectorFile } from './envelope.js';
import { VECTORS_DIR } from './context.js';
import { sha256hex } from './repr.js';
import { VECTOR_TYPES } from './registry.js';
import { blobProblem } from './blobs.js';
import { FROZEN_DIR, OWN_PRODUCER, parseRecordedRun, PRODUCERS_DIR } from './recorded-run.js';

/** The id ledger: one published id per line, sorted. */
export const ID_LEDGER = 'ids.txt';

/** Reads the ledger (empty when absent). */
export function readLedger(vectorsDir = VECTORS_DIR): string[] {
  const p = join(vectorsDir, ID_LEDGER);
  return existsSync(p)
    ? readFileSync(p, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
    : [];
}

/** The ledger text for the ids of `files` plus every id already published. */
export function ledgerText(files: readonly VectorFile[], previous: readonly string[]): string {
  const ids = new Set(previous);
  for (const f of files) for (const g of f.testGroups) for (const t of g.tests) ids.add(t.id);
  return [...ids].sort().join('\n') + '\n';
}

function knownRequirements(vectorsDir: string): Set<string> {
  const reg = JSON.parse(
    readFileSync(join(vectorsDir, '..', 'spec', 'requirements.json'), 'utf8'),
  ) as { requirements: { id: string }[] };
  return new Set(reg.requirements.map((r) => r.id));
}

export interface LintReport {
  readonly files: number;
  readonly tests: number;
  readonly problems: string[];
}

/** Lints the committed set under `vectorsDir`. */
export function lintAll(vectorsDir = VECTORS_DIR): LintReport {
  const problems: string[] = [];
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addSchema(
    JSON.parse(readFileSync(join(vectorsDir, 'schemas', 'envelope.schema.json'), 'utf8')) as object,
  );
  const known = knownRequirements(vectorsDir);
  const ids = new Map<string, string>();
  let tests = 0;
  for (const t of VECTOR_TYPES) {
    const rel = `${t.family}/${t.type}.json`;
    const path = join(vectorsDir, rel);
    if (!existsSync(path)) {
      problems.push(`${rel}: missing`);
      continue;
    }
    const file = JSON.parse(readFileSync(path, 'utf8')) as VectorFile;
    const schema = JSON.parse(
      readFileSync(join(vectorsDir, 'schemas', `${t.type}.schema.json`), 'utf8'),
    ) as { $id: string };
    const validate = ajv.getSchema(schema.$id) ?? ajv.compile(schema);
    if (!validate(file)) {
      for (const e of (validate.errors ?? []).slice(0, 5))
        problems.push(`${rel}: schema: ${e.instancePath} ${e.message}`);
      continue;
    }
    let tc = 0;
    const used = new Set<string>();
    for (const g of file.testGroups) {
      for (const test of g.tests as Vector[]) {
        tests++;
        if (test.tcId !== ++tc)
          problems.push(`${rel}: ${test.id}: tcId ${test.tcId}, expected ${tc}`);
        const other = ids.get(test.id);
        if (other !== undefined) problems.push(`${rel}: id ${test.id} also in ${other}`);
        ids.set(test.id, rel);
        for (const f of test.flags) {
          used.add(f);
          if (file.notes[f] === undefined)
            problems.push(`${rel}: ${test.id}: flag ${f} has no note`);
        }
        if (test.expect.result === 'acceptable' && test.flags.length === 0)
          problems.push(`${rel}: ${test.id}: acceptable without a flag`);
        for (const r of test.requirements)
          if (!known.has(r)) problems.push(`${rel}: ${test.id}: unknown requirement ${r}`);
        for (const field of Object.values(test.in)) {
          const blob = field as Record<string, unknown> | null;
          if (blob !== null && typeof blob === 'object' && typeof blob.blob === 'string') {
            const problem = blobProblem(blob, join(vectorsDir, t.family));
            if (problem !== undefined) problems.push(`${rel}: ${test.id}: ${problem}`);
          }
        }
      }
    }
    if (file.numberOfTests !== tc)
      problems.push(`${rel}: numberOfTests ${file.numberOfTests}, counted ${tc}`);
    for (const [flag, note] of Object.entries(file.notes)) {
      if (!used.has(flag)) problems.push(`${rel}: note ${flag} is used by no test`);
      for (const r of note.requirements)
        if (!known.has(r)) problems.push(`${rel}: note ${flag}: unknown requirement ${r}`);
    }
  }
  problems.push(...runProblems(vectorsDir, ids));
  // Stability: a published id never disappears.
  const ledger = new Set(readLedger(vectorsDir));
  for (const id of ledger)
    if (!ids.has(id))
      problems.push(`id ${id} is in ${ID_LEDGER} but in no vector file (ids are never removed)`);
  for (const id of ids.keys())
    if (!ledger.has(id))
      problems.push(`id ${id} is not in ${ID_LEDGER} (run sealfold vectors generate)`);
  // Checksums.
  const sums = join(vectorsDir, 'SHA256SUMS');
  if (!existsSync(sums)) problems.push('SHA256SUMS missing');
  else {
    for (const line of readFileSync(sums, 'utf8')
      .split('\n')
      .filter((l) => l !== '')) {
      const [hash, rel] = [line.slice(0, 64), line.slice(66)];
      const p = join(vectorsDir, rel);
      if (!existsSync(p) || sha256hex(readFileSync(p)) !== hash)
        problems.push(`SHA256SUMS: ${rel} does not match`);
    }
  }
  return { files: VECTOR_TYPES.length, tests, problems };
}

/** The vector id a committed run file becomes (spec/19 §5, §7). */
export function runVectorId(rel: string, name: string): string {
  const parts = rel.split('/');
  if (parts[0] === FROZEN_DIR) return `scenario/frozen-${name}`;
  return parts[1] === OWN_PRODUCER ? `scenario/recorded-${name}` : `scenario/${parts[1]}-${name}`;
}

/**
 * E2EE-CONF-503: every file under frozen/ and producers/<producer>/<version>/ is a valid recorded
 * run whose name is its file name, and appears as its scenario vector.
 */
function runProblems(vectorsDir: string, ids: ReadonlyMap<string, string>): string[] {
  const problems: string[] = [];
  const files: string[] = [];
  const collect = (rel: string, depth: number): void => {
    const abs = join(vectorsDir, rel);
    if (!existsSync(abs)) return;
    for (const e of readdirSync(abs).sort()) {
      const r = `${rel}/${e}`;
      if (statSync(join(vectorsDir, r)).isDirectory()) {
        if (depth > 0) collect(r, depth - 1);
        else problems.push(`${r}: a directory where recorded runs belong`);
      } else if (depth === 0) files.push(r);
      else problems.push(`${r}: expected producers/<producer>/<version>/<name>.json`);
    }
  };
  collect(FROZEN_DIR, 0);
  collect(PRODUCERS_DIR, 2);
  for (const rel of files) {
    if (!rel.endsWith('.json')) {
      problems.push(`${rel}: not a .json recorded run`);
      continue;
    }
    try {
      const run = parseRecordedRun(readFileSync(join(vectorsDir, rel), 'utf8'));
      if (`${run.name}.json` !== rel.split('/').pop())
        problems.push(`${rel}: its name is ${run.name}; the file must be ${run.name}.json`);
      const id = runVectorId(rel, run.name);
      if (!ids.has(id)) problems.push(`${rel}: no vector ${id} (run sealfold vectors generate)`);
    } catch (e) {
      problems.push(`${rel}: not a valid recorded run: ${(e as Error).message}`);
    }
  }
  return problems;
}
