// Builds every workspace package that has sources (packages/*/src/index.ts), in dependency
// order: tsc -b follows the project references of each package's tsconfig.json. Then each
// package's declarations get their CommonJS twins (scripts/commonjs-types.mjs).
import { existsSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { writeCommonJsTypes } from './commonjs-types.mjs';

const packages = readdirSync('packages')
  .filter((name) => existsSync(`packages/${name}/src/index.ts`) && existsSync(`packages/${name}/tsconfig.json`))
  .map((name) => `packages/${name}`);
const result = spawnSync('tsc', ['-b', ...packages], { stdio: 'inherit', shell: false });
if (result.status !== 0) process.exit(result.status ?? 1);
for (const folder of packages) writeCommonJsTypes(`${folder}/dist`);
