// ESLint flat config: type-aware rules for the project's own conventions
// (CONTRIBUTING.md). Formatting is Prettier's job (eslint-config-prettier
// switches off the stylistic rules that would fight it).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import comments from '@eslint-community/eslint-plugin-eslint-comments/configs';

/** Lower folders of src/ must not import from higher ones. */
const layering = {
  'src/validate.ts': [
    'random',
    'linalg',
    'spectral',
    'layers',
    'optimizers',
    'callbacks',
    'plots',
    'io',
    'backend',
    'kan',
    'initializers',
  ],
  'src/random/**': [
    'linalg',
    'spectral',
    'layers',
    'optimizers',
    'callbacks',
    'plots',
    'io',
    'backend',
    'kan',
    'initializers',
  ],
  'src/linalg/**': ['spectral', 'layers', 'optimizers', 'callbacks', 'plots', 'io', 'backend', 'kan', 'initializers'],
  'src/spectral/**': ['layers', 'optimizers', 'callbacks', 'plots', 'backend', 'kan', 'initializers'],
  'src/io/**': ['linalg', 'spectral', 'layers', 'optimizers', 'callbacks', 'plots', 'backend', 'kan', 'initializers'],
};

const upward = Object.entries(layering).map(([files, higher]) => ({
  files: [files],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: higher.map(dir => ({
          group: [`../${dir}`, `../${dir}/*`, `../../${dir}`, `../../${dir}/*`, `./${dir}`, `./${dir}/*`],
          message: `a lower folder of src/ must not import from src/${dir}`,
        })),
      },
    ],
  },
}));

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'docs/api/**',
      'demo-out/**',
      'node_modules/**',
      '.tmp/**',
      'coverage/**',
      '**/*.js',
      '**/*.mjs',
      '**/*.cjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  comments.recommended,
  {
    languageOptions: {
      parserOptions: {projectService: {allowDefaultProject: ['tsup.config.ts']}, tsconfigRootDir: import.meta.dirname},
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_', varsIgnorePattern: '^_'}],
      '@eslint-community/eslint-comments/require-description': ['error', {ignore: []}],
      '@eslint-community/eslint-comments/no-unused-disable': 'error',
      eqeqeq: ['error', 'smart'],
      'prefer-const': 'error',
      'no-var': 'error',
    },
  },
  {
    // Tests and scripts may use `any` for tfjs internals; the library may not.
    files: ['src/**/*.ts'],
    rules: {'@typescript-eslint/no-explicit-any': 'error'},
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts', 'examples/**/*.ts', 'data/**/*.ts'],
    rules: {'@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-non-null-assertion': 'off'},
  },
  {
    // A layer's call path must stay asynchronous-friendly: dataSync blocks the
    // GPU pipeline. Allowed only with an inline `-- reason`.
    files: ['src/layers/**/*.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        {
          property: 'dataSync',
          message: 'no dataSync in src/layers call paths; disable inline with a reason if it is not a hot path',
        },
        {
          property: 'arraySync',
          message: 'no arraySync in src/layers call paths; disable inline with a reason if it is not a hot path',
        },
      ],
    },
  },
  ...upward,
  prettier,
);
