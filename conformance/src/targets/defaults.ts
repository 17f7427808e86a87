/**
 * Defaults shared by every target kind (the same values as the defaults of
 * spec/schemas/conformance-target.schema.json).
 *
 * @module
 */
import type { PreparedTarget } from '../runner/run.js';

export const DEFAULT_ISOLATION: PreparedTarget['isolation'] = {
  rootFolder: '/sealfold-conformance/${runId}',
  cleanup: 'on-success',
  allowKeyReset: false,
};

/** A live server by default gets at most 5 requests per second, one test at a time. */
export const DEFAULT_LIMITS: PreparedTarget['limits'] = {
  maxRps: 5,
  parallelism: 1,
  testTimeoutMs: 60_000,
};

export const DEFAULT_BUDGET: PreparedTarget['budget'] = {
  numRuns: 5,
  maxCommands: 12,
  wallClockMs: 60_000,
};
