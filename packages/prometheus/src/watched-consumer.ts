import type { ConsumerStats, SourceDepth } from '@conveyor/core';

/**
 * What `watch()` reads at scrape time: anything with a Consumer's `stats`
 * snapshot and, for the queue gauges, its `inspectSource()`.
 */
export interface WatchedConsumer {
  readonly stats: ConsumerStats;
  /** The source's queue depth (`source.inspect()`), undefined when the source cannot tell. */
  inspectSource?(): Promise<SourceDepth | undefined>;
}
