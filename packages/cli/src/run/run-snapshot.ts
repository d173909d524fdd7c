import type { ConsumerStats } from '@conveyor/core';
import type { QueueStats } from '../stats/queue-stats.js';
import type { DrainState } from './drain-estimate.js';

/** Per-second rates over the last view interval. */
export interface Rates {
  readonly received: number;
  readonly consumed: number;
  readonly failed: number;
  readonly bulks: number;
}

/** Everything a view shows at one tick. */
export interface RunSnapshot {
  readonly module: string;
  readonly phase: 'running' | 'paused' | 'draining' | 'stopped';
  readonly uptimeMs: number;
  readonly stats: ConsumerStats;
  /** The consumer's in-flight limit at this tick (adaptive unless `maxInFlight` was given). */
  readonly inFlightLimit: number;
  readonly maxPollers: number;
  readonly executor: 'threads' | 'inline';
  /** Most pool threads seen (the pool closes at shutdown, the last view still shows its size). */
  readonly poolThreads: number;
  readonly rates: Rates;
  /** Bulks handled so far; `undefined` when the consumer was not built with the context's metrics. */
  readonly bulks: number | undefined;
  /** Bulks handled by each pool thread so far (thread id → bulks), when known. */
  readonly bulksByThread: ReadonlyMap<number, number> | undefined;
  /** Mean handler time of the parcels of the last interval (ms), when known. */
  readonly handlerMs: number | undefined;
  readonly cleanupErrors: number;
  readonly releaseErrors: number;
  readonly threadDeaths: number;
  /** The last look at `--lag`'s queue. */
  readonly lag: QueueStats | undefined;
  readonly lagError: string | undefined;
  /** The lag queue's net drain rate, when its depth was read. */
  readonly drain?: DrainState | undefined;
}

/** Shows a running consumer: a live screen on a TTY, a line per interval elsewhere. */
export interface RunView {
  update(snapshot: RunSnapshot): void;
  /** An event worth a line of its own (poller died, draining...). */
  notice(level: 'info' | 'warn' | 'error', message: string): void;
  /** The last update; the view lets go of the terminal. */
  stop(snapshot: RunSnapshot): void;
}
