import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.tools/**', '.data/**', 'coverage/**', 'jest.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no Node APIs, no I/O. Its modules are shared by
    // every run of a worker thread and frozen (worker/workflow-bundle.ts): zod, whose schemas write into
    // themselves, is imported for types only.
    files: ['workflows/**/*.ts', 'test/fixtures/*workflows.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'fs', 'path', 'http', 'https', 'axios', 'crypto', '../activities/*/!(index)'],
              message: 'no Node APIs or I/O in workflow code',
            },
            { group: ['zod', '**/common/events'], allowTypeImports: true, message: 'zod stays out of workflow code' },
          ],
        },
      ],
    },
  },
);
