// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/', 'data/', 'dist/', 'coverage/', 'drizzle/', 'fixtures/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: false },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  // The layering of DESIGN.md, enforced: arrows point down the stack only.
  ...[
    ['src/engine/**', ['**/quiz/**', '**/http/**', '**/model/**', '**/cli/**', '**/schemas/**']],
    ['src/db/**', ['**/engine/**', '**/quiz/**', '**/http/**', '**/model/**', '**/cli/**']],
    ['src/model/**', ['**/quiz/**', '**/engine/**', '**/http/**', '**/cli/**', '**/db/**']],
    ['src/sources/**', ['**/quiz/**', '**/engine/**', '**/http/**', '**/model/**', '**/cli/**', '**/db/**']],
    ['src/accounts/**', ['**/quiz/**', '**/engine/**', '**/http/**', '**/model/**', '**/cli/**']],
    ['src/quiz/**', ['**/http/**', '**/cli/**']],
    ['src/http/**', ['**/cli/**']],
    ['src/export/**', ['**/db/**', '**/engine/**', '**/quiz/**', '**/http/**', '**/model/**', '**/cli/**']],
    ['schemas/**', ['**/src/**']],
  ].map(([files, group]) => ({
    files: [/** @type {string} */ (files)],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [{ group: /** @type {string[]} */ (group), message: 'Layering: see shared/DESIGN.md.' }] },
      ],
    },
  })),
  {
    files: ['bin/**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
