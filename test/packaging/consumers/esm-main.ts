// An ES module TypeScript program using the installed packages (`"type": "module"`, `module: nodenext`).
import { drainMemory, drainRedis } from './drain.js';
import { everyPackage } from './every-package.js';

const [url = 'redis://127.0.0.1:6379', key = 'conveyor:pack-install'] = process.argv.slice(2);
const memory = await drainMemory(new URL('./handler.js', import.meta.url));
const redis = await drainRedis(url, key);
const loaded = Object.entries(everyPackage()).filter(([, value]) => typeof value === 'function');
console.log(JSON.stringify({ memory, redis, packages: loaded.map(([name]) => name) }));
