// Type-checked lint rules for every TypeScript file: package sources, their tests, examples, benchmarks and integration tests.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // measure-sqlite-drivers.ts needs better-sqlite3, installed by hand when that comparison is re-run (see its header).
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '**/*.js',
      '**/*.mjs',
      '**/*.d.ts',
      'packages/file/scripts/**',
      'docs/api/**',
      '**/*.cjs',
    ],
  },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: { allowDefaultProject: ['*.ts'] }, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/only-throw-error': 'error',
    },
  },
  {
    // Tests implement async contracts with synchronous bodies (fakes, fixtures) and pass methods around as callbacks.
    files: ['**/test/**', 'test/**', '**/*.test.ts'],
    rules: { '@typescript-eslint/require-await': 'off', '@typescript-eslint/unbound-method': 'off' },
  },
  {
    // In-memory drivers implement the async Storage and Lock contracts with synchronous bodies;
    // `async` is what turns their throws into rejections, as the Redis drivers' are.
    files: ['packages/sharded/src/memory-lock.ts', 'packages/sharded/src/memory-storage.ts'],
    rules: { '@typescript-eslint/require-await': 'off' },
  },
);
