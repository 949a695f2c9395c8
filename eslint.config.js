// The dependency direction of docs/design.md ("Packages and dependency direction"), enforced here rather
// than hoped for.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const deepImport = {
  group: ['@cpamp/*/src', '@cpamp/*/src/**', '**/packages/*/src/**', '../../*/src/**'],
  message: "Import another package through its public entry ('@cpamp/<name>'), never its src/.",
};

/** @param {string[]} forbidden package names this layer must not import */
const boundary = (forbidden, extra = []) => ({
  'no-restricted-imports': [
    'error',
    {
      paths: forbidden.map((name) => ({
        name,
        message: `${name} is outside this package's allowed dependencies (see docs/design.md, "Packages and dependency direction").`,
      })),
      patterns: [deepImport, ...extra],
    },
  ],
});

const allCpamp = ['@cpamp/sdk-cpa', '@cpamp/store', '@cpamp/collector', '@cpamp/server', '@cpamp/panel', '@cpamp/testkit'];

export default tseslint.config(
  {
    ignores: ['**/dist/**', '**/node_modules/**', 'bench/results/**', 'packages/panel/dist/**', 'coverage/**', 'test-artifacts/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['packages/*/src/**/*.ts'],
    ignores: ['packages/*/src/**/*.test.ts'],
    rules: { 'no-console': 'error' },
  },
  {
    files: ['packages/sdk-cpa/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: boundary(allCpamp),
  },
  {
    // The panel speaks HTTP only: no @cpamp/* imports.
    files: ['packages/panel/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: boundary(allCpamp),
  },
  {
    files: ['packages/store/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: boundary(allCpamp),
  },
  {
    files: ['packages/collector/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: boundary(
      allCpamp.filter((n) => n !== '@cpamp/sdk-cpa' && n !== '@cpamp/store'),
      [{ group: ['@cpamp/store'], allowTypeImports: true, message: 'collector may only import types from @cpamp/store.' }],
    ),
  },
  {
    // ioredis lives only in the RESP transports.
    files: ['packages/collector/src/**/*.ts'],
    ignores: ['packages/collector/src/transports/resp-*.ts', '**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'ioredis', message: 'ioredis is used only by the RESP transports (src/transports/resp-*.ts).' },
            ...['@cpamp/server', '@cpamp/panel', '@cpamp/testkit'].map((name) => ({
              name,
              message: `${name} is outside the collector's allowed dependencies.`,
            })),
          ],
          patterns: [
            deepImport,
            { group: ['@cpamp/store'], allowTypeImports: true, message: 'collector may only import types from @cpamp/store.' },
          ],
        },
      ],
    },
  },
  {
    files: ['packages/server/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: boundary(['@cpamp/panel']),
  },
  {
    files: ['packages/testkit/src/**/*.ts'],
    rules: boundary(['@cpamp/store', '@cpamp/collector', '@cpamp/server', '@cpamp/panel']),
  },
);
