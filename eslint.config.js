// Lint configuration: typescript-eslint's recommended rules; formatting is prettier's job.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Package boundaries (reference, server-mock, conformance, cli, bench, vectors). A file or folder
 * whose name starts with `_` is internal to its package: no other package imports it. Other
 * packages use the reference through its public module entries,
 * `reference/src/<module>/index.ts` (what `sealfold/<module>` exports). The one exception is
 * `reference/src/_internal/package-files.ts`, which locates the package's run-time files (spec
 * schemas, vectors) in a checkout and in an installed package alike, for every part. Test
 * support files (`<package>/test/**`) are shared between the packages' tests.
 */
const PACKAGES = 'reference|server-mock|conformance|cli|bench|vectors';
const boundaries = [
  'error',
  {
    patterns: [
      {
        regex: String.raw`^(?:\.\./)+(?:${PACKAGES})/(?!test/)(?:[^/]+/)*_(?!internal/package-files\.js$)`,
        message:
          "A `_` file or folder is internal to its package; use the reference's public module entry (reference/src/<module>/index.ts).",
      },
      {
        regex: String.raw`^(?:\.\./)+reference/src/(?!_internal/package-files\.js$)[^/]+/(?!index\.js$)`,
        message:
          "Outside the reference, import a module's public entry (reference/src/<module>/index.ts), not its files.",
      },
    ],
  },
];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'docs/api/', 'coverage/', '.tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        { selector: 'TSEnumDeclaration', message: 'Use an `as const` object, not an enum.' },
      ],
    },
  },
  {
    files: ['**/*.ts', '**/*.js'],
    rules: { 'no-restricted-imports': boundaries },
  },
  {
    // Tests read untyped JSON fixtures.
    files: ['**/test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // vectors/src: every vector file carries a hash of these sources, so switching their imports
    // to the public entries (bytes, primitives) is left to the next regeneration of the set.
    files: ['vectors/src/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
);
