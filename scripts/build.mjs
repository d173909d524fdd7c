// Builds every workspace package that has sources (packages/*/src/index.ts), in dependency
// order: tsc -b follows the project references of each package's tsconfig.json.
import { existsSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const packages = readdirSync('packages')
  .filter((name) => existsSync(`packages/${name}/src/index.ts`) && existsSync(`packages/${name}/tsconfig.json`))
  .map((name) => `packages/${name}`);
const result = spawnSync('tsc', ['-b', ...packages], { stdio: 'inherit', shell: false });
process.exit(result.status ?? 1);
