// A CommonJS TypeScript program using the installed packages: compiled with `module: node16`,
// `nodenext` and `commonjs` + `moduleResolution: node10` (the NestJS default); Node loads
// the ES module packages with require().
import { join } from 'node:path';
import { drainMemory, drainRedis } from './drain.js';
import { everyPackage } from './every-package.js';

async function main(): Promise<void> {
  const [url = 'redis://127.0.0.1:6379', key = 'conveyor:pack-install'] = process.argv.slice(2);
  const memory = await drainMemory(join(__dirname, 'handler.js'));
  const redis = await drainRedis(url, key);
  const loaded = Object.entries(everyPackage()).filter(([, value]) => typeof value === 'function');
  console.log(JSON.stringify({ memory, redis, packages: loaded.map(([name]) => name) }));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
