/**
 * Vector coverage for `sealfold spec check`: which requirements the test vectors under
 * `vectors/<family>/*.json` cite (each test's `requirements`), and whether every MUST / MUST NOT of
 * the chapters whose behaviour is observable from bytes is cited by at least one vector. A MUST
 * that no byte-level vector can show (randomness, storage, transactions, what a client must not
 * send, …) is listed with the reason in `vectors/uncovered.json`; the check fails when a MUST is
 * neither cited nor listed, or listed although a vector cites it.
 *
 * @module
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Requirement } from './registry.js';

/** Areas whose MUSTs must be cited by vectors or explained (issue 11). */
export const VECTOR_AREAS = ['KEY', 'CERT', 'REC', 'META', 'FILE', 'SHARE'] as const;
const FAMILIES = ['primitives', 'chains', 'scenarios'];

export interface VectorCoverage {
  /** Vectors citing each requirement. */
  readonly perRequirement: Map<string, number>;
  readonly problems: string[];
  readonly counts: {
    vectors: number;
    areaMusts: number;
    areaMustsCited: number;
    notObservable: number;
  };
}

/** Counts vector citations and checks the coverage of the vector areas' MUSTs. */
export function vectorCoverage(root: string, requirements: readonly Requirement[]): VectorCoverage {
  const perRequirement = new Map<string, number>();
  const problems: string[] = [];
  const known = new Set(requirements.map((r) => r.id));
  let vectors = 0;
  for (const family of FAMILIES) {
    const dir = join(root, 'vectors', family);
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir)
      .filter((n) => n.endsWith('.json'))
      .sort()) {
      const file = JSON.parse(readFileSync(join(dir, f), 'utf8')) as {
        testGroups: { tests: { id: string; requirements: string[] }[] }[];
      };
      for (const t of file.testGroups.flatMap((g) => g.tests)) {
        vectors++;
        for (const id of new Set(t.requirements)) {
          if (!known.has(id))
            problems.push(`vectors/${family}/${f}: ${t.id} cites unknown requirement ${id}`);
          perRequirement.set(id, (perRequirement.get(id) ?? 0) + 1);
        }
      }
    }
  }
  const uncoveredPath = join(root, 'vectors', 'uncovered.json');
  const uncovered = existsSync(uncoveredPath)
    ? (JSON.parse(readFileSync(uncoveredPath, 'utf8')) as { requirements: Record<string, string> })
        .requirements
    : {};
  const areaMusts = requirements.filter(
    (r) =>
      !r.withdrawn &&
      (r.level === 'MUST' || r.level === 'MUST NOT') &&
      (VECTOR_AREAS as readonly string[]).includes(r.id.split('-')[1]!),
  );
  if (vectors > 0) {
    for (const r of areaMusts) {
      const cited = perRequirement.has(r.id);
      if (!cited && uncovered[r.id] === undefined)
        problems.push(
          `${r.anchor}: ${r.level} requirement is cited by no vector and not listed in vectors/uncovered.json`,
        );
      if (cited && uncovered[r.id] !== undefined)
        problems.push(
          `vectors/uncovered.json: ${r.id} is cited by ${perRequirement.get(r.id)} vector(s); remove it from the list`,
        );
    }
    for (const id of Object.keys(uncovered)) {
      if (!areaMusts.some((r) => r.id === id))
        problems.push(
          `vectors/uncovered.json: ${id} is not a live MUST of ${VECTOR_AREAS.join(', ')}`,
        );
    }
  }
  return {
    perRequirement,
    problems,
    counts: {
      vectors,
      areaMusts: areaMusts.length,
      areaMustsCited: areaMusts.filter((r) => perRequirement.has(r.id)).length,
      notObservable: Object.keys(uncovered).length,
    },
  };
}
