import type { ConsumerStats } from '@conveyor/core';

/** What `watch()` reads at scrape time: anything with a Consumer's `stats` snapshot. */
export interface WatchedConsumer {
  readonly stats: ConsumerStats;
}
