// Type-checked lint rules for the package sources (tests and scripts are checked by tsc and vitest).
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/*.js', '**/*.mjs', 'examples/**', 'bench/**', 'test/**', '**/test/**', '**/scripts/**', 'vitest.config.ts'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/only-throw-error': 'error',
    },
  },
  {
    // In-memory drivers implement the async Storage and Lock contracts with synchronous bodies;
    // `async` is what turns their throws into rejections, as the Redis drivers' are.
    files: ['packages/sharded/src/memory-lock.ts', 'packages/sharded/src/memory-storage.ts'],
    rules: { '@typescript-eslint/require-await': 'off' },
  },
);
