import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

/** Timeouts are budgets in seconds: a hang costs this much, and a slow test shows up. */
const seconds = (s: number) => s * 1000;

/**
 * The slow project: tests that start subprocesses (the CLI binary, `sealfold serve`, a nested
 * vitest, npm), SoftHSM, the OpenSSL CLI, the benchmark, and whole conformance runs. `npm test`
 * runs both projects; `npx vitest run --project fast` runs the quick ones alone.
 */
const SLOW = [
  'bench/test/**/*.test.ts',
  'cli/test/contract.test.ts',
  'cli/test/key.test.ts',
  'cli/test/recovery-key-api-hsm.test.ts',
  'cli/test/serve-operator.test.ts',
  'conformance/test/client/recorded-run.test.ts',
  'conformance/test/client/log-profile.test.ts',
  'conformance/test/faults.test.ts',
  'conformance/test/model/model-run.test.ts',
  'conformance/test/runner/embedded-cli.test.ts',
  'conformance/test/runner/live-cli.test.ts',
  'reference/test/certs/csr.test.ts',
  'reference/test/certs/verify.test.ts',
  'reference/test/client/flows.test.ts',
  'reference/test/fixtures-absent.test.ts',
  'reference/test/signature/fixture-android.test.ts',
  'reference/test/signature/openssl.test.ts',
  'scripts/test/package.test.ts',
  'scripts/test/readme.test.ts',
  'server-mock/test/ca/issue.test.ts',
  'server-mock/test/ca/recovery-token.test.ts',
  'server-mock/test/ca/softhsm.test.ts',
  'server-mock/test/log-tree/hsm-key.test.ts',
  'server-mock/test/e2ee/model-based.test.ts',
  'server-mock/test/operator/data-dir.test.ts',
  'server-mock/test/operator/signals.test.ts',
  'server-mock/test/serve.test.ts',
  'vectors/test/independent.test.ts',
  'vectors/test/vectors.test.ts',
];

const EXCLUDE = ['node_modules/**', '.tmp/**'];

export default defineConfig({
  resolve: {
    // Spec examples import the reference as `sealfold/<module>` (same mapping as tsconfig paths
    // and package.json exports).
    alias: [{ find: /^sealfold\/([a-z0-9-]+)$/, replacement: `${root}reference/src/$1/index.ts` }],
  },
  test: {
    reporters: ['default', './scripts/summary-reporter.ts'],
    // The pinned fast-check seed, logged with every property failure (SEALFOLD_FC_SEED overrides).
    setupFiles: ['./scripts/test-support/fast-check-seed.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'fast',
          include: ['**/test/**/*.test.ts'],
          exclude: [...EXCLUDE, ...SLOW],
          testTimeout: seconds(60),
          hookTimeout: seconds(60),
        },
      },
      {
        extends: true,
        test: {
          name: 'slow',
          include: SLOW,
          exclude: EXCLUDE,
          testTimeout: seconds(300),
          hookTimeout: seconds(120),
        },
      },
    ],
  },
});
