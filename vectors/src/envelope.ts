/**
 * The vector file envelope of conformance-design §3.4 (Wycheproof's `notes`/`flags`/`result`,
 * x509-limbo's stable string ids, MLS's representation rules) and a builder that numbers tests.
 *
 * @module
 */
import type { E2eeCode } from '../../reference/src/errors/index.js';

/** Version of the envelope format; bumps on a format change. */
export const SCHEMA_VERSION = 1;
/** SemVer of the test set: removing or renaming an id is a major change. */
export const SUITE_VERSION = '1.0.0';

/** Where a vector family lives under `vectors/`. */
export type Family = 'primitives' | 'chains' | 'scenarios';

/** What Wycheproof calls bugType: the kind of bug a flagged test would expose. */
export type BugType =
  | 'BASIC'
  | 'AUTH_BYPASS'
  | 'MALFORMED_INPUT'
  | 'CAN_OF_WORMS'
  | 'LEGACY'
  | 'TOLERANCE'
  | 'POLICY'
  | 'ROLLBACK'
  | 'CONFUSED_DEPUTY';

/** A flag definition: every flag used by a test is defined once in `notes`. */
export interface Note {
  readonly bugType: BugType;
  readonly description: string;
  readonly requirements: readonly string[];
}

/** The expected result of one test. */
export type Expect =
  | ({ readonly result: 'valid' } & Record<string, unknown>)
  | { readonly result: 'invalid'; readonly error: E2eeCode }
  | ({ readonly result: 'acceptable' } & Record<string, unknown>);

/** One test. `in` holds the inputs, `expect` the verdict and, for valid ones, the outputs. */
export interface Vector {
  readonly id: string;
  readonly tcId: number;
  readonly comment: string;
  readonly flags: readonly string[];
  readonly requirements: readonly string[];
  readonly in: Record<string, unknown>;
  readonly expect: Expect;
}

/** A group of tests sharing parameters (always well-formed). */
export interface TestGroup {
  readonly params: Record<string, unknown>;
  readonly tests: Vector[];
}

/** Who generated a file. `commit` is a content hash of the generator sources (see README). */
export interface Source {
  readonly generator: string;
  readonly version: string;
  readonly commit: string;
}

/** One vector file. */
export interface VectorFile {
  readonly schema: string;
  readonly schemaVersion: number;
  readonly suiteVersion: string;
  readonly type: string;
  readonly source: Source;
  readonly header: readonly string[];
  readonly notes: Record<string, Note>;
  numberOfTests: number;
  readonly testGroups: TestGroup[];
}

/** A test before numbering: the builder assigns `id` from the slug and `tcId` in order. */
export type VectorDraft = Omit<Vector, 'id' | 'tcId' | 'flags'> & {
  readonly slug: string;
  readonly flags?: readonly string[];
};

/** Builds one file: groups in order, tcIds 1..n, ids `<type>/<slug>`. */
export class VectorFileBuilder {
  readonly file: VectorFile;
  private tcId = 0;

  constructor(
    type: string,
    source: Source,
    header: readonly string[],
    notes: Record<string, Note>,
  ) {
    this.file = {
      schema: `${type}.schema.json`,
      schemaVersion: SCHEMA_VERSION,
      suiteVersion: SUITE_VERSION,
      type,
      source,
      header,
      notes,
      numberOfTests: 0,
      testGroups: [],
    };
  }

  /** Starts a group; the following `add` calls go into it. */
  group(params: Record<string, unknown>): this {
    this.file.testGroups.push({ params, tests: [] });
    return this;
  }

  /** Adds a test to the current group. */
  add(d: VectorDraft): this {
    const g = this.file.testGroups.at(-1);
    if (g === undefined) throw new Error('add() before group()');
    const { slug, flags, ...rest } = d;
    // A flag's note names what the flagged behaviour evidences: the test cites those IDs too.
    const requirements = new Set(rest.requirements);
    for (const f of flags ?? [])
      for (const r of this.file.notes[f]?.requirements ?? []) requirements.add(r);
    g.tests.push({
      id: `${this.file.type}/${slug}`,
      tcId: ++this.tcId,
      comment: rest.comment,
      flags: flags ?? [],
      requirements: [...requirements],
      in: rest.in,
      expect: rest.expect,
    });
    this.file.numberOfTests = this.tcId;
    return this;
  }
}
