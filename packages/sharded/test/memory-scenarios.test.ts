import { MemoryLock, MemoryStorage } from '@conveyor/sharded';
import { runShardedScenarios } from '@conveyor/conformance';

for (const serialized of [false, true]) {
  runShardedScenarios(serialized ? 'memory, serialized' : 'memory, values', async (options) => ({
    storage: new MemoryStorage({ serialized }),
    lock: new MemoryLock(options?.lockTimeout === undefined ? {} : { timeout: options.lockTimeout }),
    dispose: async () => {},
  }));
}
