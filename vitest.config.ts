import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  resolve: {
    // Spec examples import the reference as `sealfold/<module>` (same mapping as tsconfig paths
    // and package.json exports).
    alias: [{ find: /^sealfold\/([a-z0-9-]+)$/, replacement: `${root}reference/src/$1/index.ts` }],
  },
  test: {
    include: ['**/test/**/*.test.ts'],
    exclude: ['node_modules/**', '.tmp/**'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ['default', './scripts/summary-reporter.ts'],
  },
});
