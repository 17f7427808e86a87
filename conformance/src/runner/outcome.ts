/**
 * From what a check did to its result (E2EE-CONF-003, E2EE-CONF-004).
 *
 * @module
 */
import type { Level, Replay, ResultStatus } from '../core/results.js';
import { CheckFailure, CheckSkipped, CheckUnsupported } from '../server/check.js';

/** How a check's promise ended. */
export type Outcome =
  { kind: 'completed' } | { kind: 'threw'; error: unknown } | { kind: 'timeout'; afterMs: number };

export interface Classified {
  status: ResultStatus;
  reason?: string;
  message?: string;
  expected?: unknown;
  actual?: unknown;
  replay?: Replay;
}

/** True for SHOULD and SHOULD NOT: their violations warn unless `--strict`. */
function isShould(level: Level): boolean {
  return level === 'SHOULD' || level === 'SHOULD NOT';
}

/** One line from an error, whatever was thrown. */
function describe(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`.split('\n')[0]!;
  return String(e).split('\n')[0]!;
}

/** Maps an outcome to a result status and its explanation. */
export function classify(level: Level, outcome: Outcome, strict: boolean): Classified {
  // E2EE-CONF-003 (MUST, suite): the mapping from outcome to result.
  if (outcome.kind === 'completed') return { status: 'PASS' };
  if (outcome.kind === 'timeout') {
    // E2EE-CONF-004 (MUST, suite): a test out of time is TIMEOUT, not FAIL.
    return { status: 'TIMEOUT', message: `no result within ${outcome.afterMs} ms` };
  }
  const e = outcome.error;
  if (e instanceof CheckFailure) {
    const status: ResultStatus = isShould(level) && !strict ? 'WARN' : 'FAIL';
    return {
      status,
      message: e.message,
      ...('expected' in e.details ? { expected: e.details.expected } : {}),
      ...('actual' in e.details ? { actual: e.details.actual } : {}),
      ...(e.details.replay ? { replay: e.details.replay } : {}),
    };
  }
  if (e instanceof CheckSkipped) return { status: 'SKIP', reason: e.message };
  if (e instanceof CheckUnsupported) {
    return { status: 'UNSUPPORTED', reason: e.message, message: e.message };
  }
  return { status: 'ERROR', reason: 'harness or network error', message: describe(e) };
}
