import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The modules of common/ that workflow code may import values from: contracts only (event types, ids,
 * rules, failure types, lake record shapes), pure and without Node APIs. Everything else in common/ is
 * Node-only (configuration, clients, tracing, files) and reaches workflows as types at most.
 */
const WORKFLOW_SAFE = [
  'bounded',
  'catalogue',
  'cause-chain',
  'event-types',
  'http-errors',
  'lake',
  'linkage',
  'resync',
  'rule-signals',
  'rules',
  'search-attributes',
  'workflow-ids',
];

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
              group: ['node:*', 'fs', 'path', 'http', 'https', 'axios', 'undici', 'crypto', '../activities/*/!(index)'],
              message: 'no Node APIs or I/O in workflow code',
            },
            { group: ['zod', '**/common/events'], allowTypeImports: true, message: 'zod stays out of workflow code' },
            {
              regex: `^\\.\\./common/(?!(${WORKFLOW_SAFE.join('|')})$)`,
              allowTypeImports: true,
              message: `workflow code imports values only from the workflow-safe contract modules of common/ (${WORKFLOW_SAFE.join(', ')}); types from anywhere`,
            },
          ],
        },
      ],
    },
  },
  {
    // The contract modules themselves stay workflow-safe: they import each other and @temporalio/common only.
    files: WORKFLOW_SAFE.map((m) => `common/${m}.ts`),
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: `^(?!@temporalio/common$|\\./(${WORKFLOW_SAFE.join('|')})$)`,
              allowTypeImports: true,
              message: 'a workflow-safe contract module imports only @temporalio/common and the other contract modules',
            },
          ],
        },
      ],
    },
  },
  {
    // The rule catalogue is a contract module too: its files import each other and the other contract modules.
    files: ['common/catalogue/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: `^(?!@temporalio/common$|\\./[\\w/-]+$|\\.\\./types$|(\\.\\./)+(${WORKFLOW_SAFE.join('|')})$)`,
              allowTypeImports: true,
              message:
                'the rule catalogue imports only @temporalio/common, its own files and the other contract modules',
            },
          ],
        },
      ],
    },
  },
);
