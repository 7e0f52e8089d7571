import { fileURLToPath } from 'node:url';
import js from '@eslint/js';
import prettierConfig from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      'proto/gen/**',
      '.stack/**',
      '.gpu/**',
      '.tools/**',
      'bench/results/**',
      'loadtest/reports/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-console': 'error',
    },
  },
  {
    // Type-aware rules that catch real bugs: a promise nobody awaits loses its rejection, an async
    // callback where a void one is expected runs unawaited, a switch over a union misses a new member.
    files: ['services/**/*.ts', 'bench/**/*.ts', 'loadtest/**/*.ts', 'deploy/**/*.ts', 'test/**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: fileURLToPath(new URL('.', import.meta.url)) },
    },
    rules: {
      // node:test runs describe/it/test itself and reports their failures; their promises need no await.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  {
    // Scripts that print reports to the terminal.
    files: ['bench/**', 'loadtest/**', 'test/run.mjs', 'deploy/**'],
    rules: { 'no-console': 'off' },
  },
  // Last: turns off any rule that would fight Prettier over layout.
  prettierConfig,
);
