/**
 * Recorded runs: what a client saw from a server, step after step, and what it had to conclude.
 * One format for two writers: the recorder of this package (the reference client against the
 * mock server over loopback, `vectors/src/record/`) and the client-certification suite, whose
 * failing cases `sealfold vectors freeze` turns into scenario vectors. A run becomes a vector only
 * when the reference's passive runner reaches the expected verdict at every step (so a frozen
 * vector verifies), and its id is `scenario/<prefix>-<name>`, fixed by the run's name.
 *
 * @module
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { E2EE_CODES } from '../../reference/src/errors/index.js';
import { runScenario, type ScenarioIn, type Step, type StepExpect } from './types/scenario.js';

/** The format tag and version of a recorded-run file. */
export const RECORDED_RUN_FORMAT = 'sealfold-recorded-run';
export const RECORDED_RUN_VERSION = 1;

/** What a step must lead to: a rejection code, or acceptance (with the fingerprint when known). */
export type ExpectedStep =
  | { readonly result: 'invalid'; readonly error: string }
  | ({ readonly result: 'valid' } & Partial<
      Omit<Extract<StepExpect, { result: 'valid' }>, 'result'>
    >);

export interface RecordedRun {
  readonly format: typeof RECORDED_RUN_FORMAT;
  readonly formatVersion: typeof RECORDED_RUN_VERSION;
  /** Lowercase slug; the vector id is `scenario/<prefix>-<name>`. */
  readonly name: string;
  readonly comment: string;
  /** Who produced the bytes the client was served, and who recorded them. */
  readonly producer: { readonly name: string; readonly version: string };
  /** Spec IDs the run evidences (each must exist). */
  readonly requirements: readonly string[];
  /** Flags of scenario.json's notes that the run exercises. */
  readonly flags: readonly string[];
  /** The reading actor: a test identity, never a real user's key. */
  readonly actor: { readonly userId: string; readonly privateKeyPemWire: string };
  readonly serverPublicKeyPemWire: string;
  readonly rootId: string;
  readonly steps: readonly Step[];
  /** Per step, what a conforming client concludes (the recording client's verdict, or the suite's expectation). */
  readonly expect: readonly ExpectedStep[];
  /** Optional: what the client under test did instead (kept out of the vector). */
  readonly observed?: readonly unknown[];
}

const served = {
  type: 'object',
  required: ['documentWire', 'signatureWire'],
  additionalProperties: false,
  properties: { documentWire: { type: 'string' }, signatureWire: { type: 'string' } },
};
const fingerprint = {
  type: 'object',
  required: ['counter', 'digest'],
  additionalProperties: false,
  properties: {
    counter: { type: 'integer' },
    digest: { type: 'string', pattern: '^[0-9a-f]{64}$' },
  },
};

/** JSON Schema (2020-12) of a recorded-run file; written to vectors/schemas/ by generate. */
export function recordedRunSchema(): Record<string, unknown> {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'recorded-run.schema.json',
    title: 'Sealfold recorded run (input of sealfold vectors freeze)',
    type: 'object',
    required: [
      'format',
      'formatVersion',
      'name',
      'comment',
      'producer',
      'requirements',
      'flags',
      'actor',
      'serverPublicKeyPemWire',
      'rootId',
      'steps',
      'expect',
    ],
    additionalProperties: false,
    properties: {
      format: { const: RECORDED_RUN_FORMAT },
      formatVersion: { const: RECORDED_RUN_VERSION },
      name: { type: 'string', pattern: '^[a-z0-9]+(?:-[a-z0-9]+)*$', maxLength: 80 },
      comment: { type: 'string' },
      producer: {
        type: 'object',
        required: ['name', 'version'],
        additionalProperties: false,
        properties: { name: { type: 'string' }, version: { type: 'string' } },
      },
      requirements: { type: 'array', items: { type: 'string', pattern: '^E2EE-[A-Z]+-\\d{3}$' } },
      flags: { type: 'array', items: { type: 'string' } },
      actor: {
        type: 'object',
        required: ['userId', 'privateKeyPemWire'],
        additionalProperties: false,
        properties: { userId: { type: 'string' }, privateKeyPemWire: { type: 'string' } },
      },
      serverPublicKeyPemWire: { type: 'string' },
      rootId: { type: 'string', minLength: 1 },
      steps: {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          required: ['comment', 'root', 'subfolders'],
          additionalProperties: false,
          properties: {
            comment: { type: 'string' },
            root: served,
            subfolders: { type: 'object', additionalProperties: served },
            serverPublicKeyPemWire: { type: 'string' },
            written: { const: true },
            bodies: {
              type: 'object',
              additionalProperties: {
                type: 'object',
                required: ['hex'],
                additionalProperties: false,
                properties: { hex: { type: 'string', pattern: '^(?:[0-9a-f]{2})*$' } },
              },
            },
          },
        },
      },
      expect: {
        type: 'array',
        items: {
          oneOf: [
            {
              type: 'object',
              required: ['result', 'error'],
              additionalProperties: false,
              properties: { result: { const: 'invalid' }, error: { enum: [...E2EE_CODES] } },
            },
            {
              type: 'object',
              required: ['result'],
              additionalProperties: false,
              properties: {
                result: { const: 'valid' },
                root: fingerprint,
                subfolders: { type: 'object', additionalProperties: fingerprint },
                files: {
                  type: 'object',
                  additionalProperties: {
                    type: 'object',
                    required: ['length', 'sha256'],
                    additionalProperties: false,
                    properties: {
                      length: { type: 'integer', minimum: 0 },
                      sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
                    },
                  },
                },
              },
            },
          ],
        },
      },
      observed: { type: 'array' },
    },
  };
}

let validator: ReturnType<Ajv2020['compile']> | undefined;

/** Parses and validates a recorded-run file; throws an Error listing what is wrong. */
export function parseRecordedRun(text: string): RecordedRun {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new Error(`not JSON: ${(e as Error).message}`, { cause: e });
  }
  validator ??= new Ajv2020({ strict: false, allErrors: true }).compile(recordedRunSchema());
  if (!validator(value))
    throw new Error(
      (validator.errors ?? [])
        .slice(0, 5)
        .map((e) => `${e.instancePath || '/'} ${e.message}`)
        .join('; '),
    );
  const run = value as RecordedRun;
  if (run.expect.length !== run.steps.length)
    throw new Error(`${run.steps.length} steps but ${run.expect.length} expectations`);
  return run;
}

/** The scenario input of a run. */
export function scenarioInOf(run: RecordedRun): ScenarioIn {
  return {
    userId: run.actor.userId,
    privateKeyPemWire: run.actor.privateKeyPemWire,
    serverPublicKeyPemWire: run.serverPublicKeyPemWire,
    rootId: run.rootId,
    steps: [...run.steps],
  };
}

/** True when the reference's `got` satisfies the expectation `want` (missing fields are free). */
function satisfies(want: ExpectedStep, got: StepExpect): boolean {
  if (want.result !== got.result) return false;
  if (want.result === 'invalid') return got.result === 'invalid' && got.error === want.error;
  for (const [k, v] of Object.entries(want))
    if (!isDeepStrictEqual(v, (got as Record<string, unknown>)[k])) return false;
  return true;
}

/**
 * Runs `run` through the reference's passive client. Returns the full expectation per step (the
 * fingerprints the run left out filled in), or throws when the reference disagrees with a step:
 * such a run cannot be a vector (the recording is wrong, or the reference has a bug to report).
 */
export async function checkAgainstReference(run: RecordedRun): Promise<StepExpect[]> {
  const got = await runScenario(scenarioInOf(run));
  got.forEach((g, i) => {
    const want = run.expect[i]!;
    if (!satisfies(want, g))
      throw new Error(
        `step ${i} (${run.steps[i]!.comment}): expected ${JSON.stringify(want)}, the reference reached ${JSON.stringify(g)}`,
      );
  });
  return got;
}

/** Where `sealfold vectors freeze` puts frozen runs, relative to vectors/. */
export const FROZEN_DIR = 'frozen';
/** Producer directories: `producers/<producer>/<version>/<name>.json`, relative to vectors/. */
export const PRODUCERS_DIR = 'producers';
/** The producer directory the generator writes its own recorded runs to. */
export const OWN_PRODUCER = 'sealfold-reference';

/** A committed run and the id prefix its vector gets. */
export interface CommittedRun {
  readonly path: string;
  readonly prefix: string;
  readonly run: RecordedRun;
}

/**
 * Every committed run that is an input of the set: frozen certification cases (`frozen-<name>`)
 * and other producers' contributions (`<producer>-<name>`), in path order. The generator's own
 * producer directory is skipped: it is regenerated, not read.
 */
export function committedRuns(vectorsDir: string): CommittedRun[] {
  const out: CommittedRun[] = [];
  const jsonIn = (dir: string) =>
    existsSync(dir)
      ? readdirSync(dir)
          .filter((f) => f.endsWith('.json'))
          .sort()
      : [];
  const load = (rel: string, prefix: string) => {
    try {
      out.push({
        path: rel,
        prefix,
        run: parseRecordedRun(readFileSync(join(vectorsDir, rel), 'utf8')),
      });
    } catch (e) {
      throw new Error(`${rel}: ${(e as Error).message}`, { cause: e });
    }
  };
  for (const f of jsonIn(join(vectorsDir, FROZEN_DIR))) load(`${FROZEN_DIR}/${f}`, 'frozen');
  const producers = join(vectorsDir, PRODUCERS_DIR);
  if (existsSync(producers))
    for (const p of readdirSync(producers).sort()) {
      if (p === OWN_PRODUCER || !statSync(join(producers, p)).isDirectory()) continue;
      for (const v of readdirSync(join(producers, p)).sort())
        for (const f of jsonIn(join(producers, p, v))) load(`${PRODUCERS_DIR}/${p}/${v}/${f}`, p);
    }
  return out;
}
