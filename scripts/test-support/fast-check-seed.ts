/**
 * Vitest setup: every fast-check property of the test suite starts from one pinned seed, so that
 * a run is repeatable and a failure replays exactly. fast-check puts the seed and the path of
 * the counterexample into every failure message ("seed: N, path: …"); the seed is also printed
 * once per run when it was overridden. `SEALFOLD_FC_SEED=<integer>` explores other cases.
 */
import fc from 'fast-check';

/** The seed of the published suite: the date the suite pinned it. */
export const DEFAULT_FC_SEED = 20261203;

/** The seed in use: `SEALFOLD_FC_SEED`, or the default. */
export function fastCheckSeed(env: string | undefined = process.env.SEALFOLD_FC_SEED): number {
  if (env === undefined || env === '') return DEFAULT_FC_SEED;
  const seed = Number(env);
  if (!Number.isSafeInteger(seed)) {
    throw new Error(`SEALFOLD_FC_SEED must be an integer, not ${JSON.stringify(env)}`);
  }
  return seed;
}

const seed = fastCheckSeed();
if (seed !== DEFAULT_FC_SEED && process.env.VITEST_POOL_ID === '1') {
  console.warn(`fast-check seed ${seed} (SEALFOLD_FC_SEED)`);
}
fc.configureGlobal({ ...fc.readConfigureGlobal(), seed });
