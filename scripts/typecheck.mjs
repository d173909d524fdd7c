// Type-checks everything that is not a package source (those are checked by the build):
// each package's tests and scripts, the integration tests, the examples and the benchmarks.
import { existsSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const projects = [
  ...readdirSync('packages').flatMap((name) =>
    ['test', 'scripts'].map((folder) => `packages/${name}/${folder}/tsconfig.json`).filter((path) => existsSync(path)),
  ),
  'test/tsconfig.json',
  'examples/tsconfig.json',
  'bench/tsconfig.json',
];
for (const project of projects) {
  const result = spawnSync('tsc', ['-p', project], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
