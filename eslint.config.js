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
const packagePatterns = [
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
];
const boundaries = ['error', { patterns: packagePatterns }];

/**
 * Module boundaries inside the reference: a `_` file or folder of `reference/src/<module>/` is
 * private to that module folder; what several modules share lives in `reference/src/_internal/`.
 * An import string alone does not say which folder it leaves, so the rule is given per depth: a
 * file `depth` folders below `reference/src` climbs `depth` times `../` to reach it, and from
 * there may name `_internal/` or another module's non-`_` files only (its own module's `_`
 * files are reached with fewer `../`).
 */
const REFERENCE_SRC_DEPTHS = [1, 2, 3];
const referenceModuleBoundaries = REFERENCE_SRC_DEPTHS.map((depth) => ({
  files: [`reference/src/${'*/'.repeat(depth)}*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          ...packagePatterns,
          {
            regex: String.raw`^(?:\.\./){${depth}}(?!_internal/)(?:[^./][^/]*/)*_`,
            message:
              'A `_` file or folder is private to its module folder in reference/src; move what modules share into reference/src/_internal/ or export it from the module index.',
          },
        ],
      },
    ],
  },
}));

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
  ...referenceModuleBoundaries,
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
