import type { SourceDepth } from '@conveyor/core';
import { Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import { SourceDepthSampler } from './source-depth-sampler.js';

// A broker slower than this leaves the queue gauges out of the scrape.
const readTimeoutMs = 5_000;

/** Where the queue gauges are registered and what they are called. */
export interface QueueGaugeTarget {
  readonly registry: Registry;
  readonly prefix: string;
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * Gauges of the source's queue, read with `inspect()` at scrape time (one
 * broker call a scrape, none per message): `queue_waiting_messages`,
 * `queue_in_flight_messages`, `queue_dead_letter_messages` and
 * `queue_oldest_message_age_seconds`, each present only when the source tells it.
 */
export function addQueueGauges(target: QueueGaugeTarget, read: () => Promise<SourceDepth | undefined>): void {
  const sampler = new SourceDepthSampler(read, readTimeoutMs);
  const { labels } = target;
  const gauge = (name: string, help: string, value: (depth: SourceDepth) => number | undefined): void => {
    new Gauge({
      name: target.prefix + name,
      help,
      labelNames: Object.keys(labels),
      registers: [target.registry],
      async collect() {
        const depth = await sampler.sample();
        const current = depth === undefined ? undefined : value(depth);
        // No reading (the source cannot tell, or its broker did not answer): no series, rather than a stale one.
        if (current === undefined) this.remove({ ...labels });
        else this.set({ ...labels }, current);
      },
    });
  };
  gauge(
    'queue_waiting_messages',
    "Messages waiting in the source's queue (source.inspect(); approximate where the broker is)",
    (depth) => depth.waiting,
  );
  gauge('queue_in_flight_messages', "Messages delivered by the source's queue and not settled, all consumers", (depth) => depth.inFlight);
  gauge('queue_dead_letter_messages', "Messages in the source's dead letters", (depth) => depth.deadLetters);
  gauge('queue_oldest_message_age_seconds', 'Age of the oldest message waiting, where the source can tell', (depth) =>
    depth.oldestAgeMs === undefined ? undefined : depth.oldestAgeMs / 1000,
  );
}
