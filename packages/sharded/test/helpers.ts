import { silentLogger } from '@conveyor/core';

export { until, delay } from '@conveyor/conformance';

/** Worker options for tests: silent, and no idle pauses to wait through. */
export const quick = { logger: silentLogger, emptyPause: 0, emptyLimit: 1, acquireDelay: 20 } as const;
