import { ManualClock } from '@conveyor/core/kit';
import { MemoryLock, MemoryStorage } from '@conveyor/sharded';
import { runShardedScenarios } from '@conveyor/conformance';

// The memory drivers read time from a ManualClock: lock expiry, heartbeats, deferred and recurrent runs take no real time.
for (const serialized of [false, true]) {
  runShardedScenarios(serialized ? 'memory, serialized' : 'memory, values', async (options) => {
    const clock = new ManualClock();
    return {
      storage: new MemoryStorage({ serialized, clock }),
      lock: new MemoryLock({ clock, ...(options?.lockTimeout === undefined ? {} : { timeout: options.lockTimeout }) }),
      clock,
      advance: (ms) => clock.advance(ms),
      dispose: async () => {},
    };
  });
}
