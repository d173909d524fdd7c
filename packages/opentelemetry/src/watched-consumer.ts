import type { ConsumerStats } from '@conveyor/core';

/** What `watch()` reads when metrics are collected: anything with a Consumer's `stats` snapshot. */
export interface WatchedConsumer {
  readonly stats: ConsumerStats;
}
