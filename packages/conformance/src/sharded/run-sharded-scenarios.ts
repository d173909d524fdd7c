/**
 * The scenarios of the original sharded queue (sharding, priorities, hooks and
 * claiming the next thread, deferred, recurrent, de-duplication), ported, plus
 * what this implementation adds (exact limits, fenced settles, failure counting,
 * charged and uncharged failures and dead letters, fair choice, locks with owners
 * and heartbeats, bad input). One suite, run for every storage/lock driver pair;
 * each pair says how its time passes (`Drivers.advance`).
 */
import { afterEach, describe } from 'vitest';
import { routingScenarios } from './routing-scenarios.js';
import type { DriverOptions, Drivers, OpenDrivers } from './scenario-kit.js';
import { schedulingScenarios } from './scheduling-scenarios.js';
import { settlingScenarios } from './settling-scenarios.js';
import { workerScenarios } from './worker-scenarios.js';

export type { Drivers, DriverOptions };

export function runShardedScenarios(name: string, openDrivers: OpenDrivers): void {
  describe(`sharded queue scenarios: ${name}`, () => {
    const opened: Drivers[] = [];
    const open = async (options?: DriverOptions): Promise<Drivers> => {
      const drivers = await openDrivers(options);
      opened.push(drivers);
      return drivers;
    };
    afterEach(async () => {
      for (const drivers of opened.splice(0)) await drivers.dispose();
    });
    routingScenarios(open);
    schedulingScenarios(open);
    settlingScenarios(open);
    workerScenarios(open);
  });
}
