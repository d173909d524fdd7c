import type { Settlement } from '../bulk/bulk-report.js';
import type { DeliveredMessage } from '../kit/delivered-message.js';
import { Dispatcher } from '../pipeline/dispatcher.js';
import type { FlightGate } from '../pipeline/flight-gate.js';
import { FlightWindow } from '../pipeline/flight-window.js';
import { KeyBuckets } from '../pipeline/key-buckets.js';
import { LaneQueue } from '../pipeline/lane-queue.js';
import { Settler } from '../pipeline/settler.js';
import type { ConsumerParts } from './assemble.js';
import type { ConsumerMetrics } from './consumer-metrics.js';
import type { ResolvedConsumerOptions } from './consumer-options.js';
import { maxParcelMessages } from './consumer-options.js';
import type { ConsumerReports } from './consumer-reports.js';

/** How much deeper the adaptive in-flight limit may grow when ordered lanes hold messages behind their keys. */
const laneDepth = 2;

/** What the dispatcher of a started consumer is built from. */
export interface DispatcherParts<M> {
  readonly parts: ConsumerParts<M>;
  readonly options: ResolvedConsumerOptions<M>;
  readonly gate: FlightGate;
  readonly metrics: ConsumerMetrics | undefined;
  readonly reports: ConsumerReports<M>;
  readonly onSettled: (settlement: Settlement<M>) => void;
  /** Aborted when shutdown stops waiting (parcels waiting for rate-limit tokens go on). */
  readonly hurry: AbortSignal;
}

/**
 * The dispatcher with its settler and, when messages have an ordering key (the
 * option, or the source's own), its ordered lanes.
 */
export function buildDispatcher<M>({ parts, options, gate, metrics, reports, onSettled, hurry }: DispatcherParts<M>): Dispatcher<M> {
  const settler = new Settler(parts.settleSource, options.settleAttempts, reports.settler, options.logger);
  const keyOf =
    options.orderingKey === false ? undefined : (options.orderingKey ?? parts.settleSource.orderingKey?.bind(parts.settleSource));
  if (options.keyRateLimit !== undefined && keyOf === undefined) {
    // A source object without keys was refused at construction; a source module is only known now.
    options.logger.error(
      { keyRateLimit: options.keyRateLimit },
      '`keyRateLimit` paces nothing: the source module has no orderingKey() and the consumer no `orderingKey` option',
    );
  }
  const lanes =
    keyOf === undefined || options.pollerThreads
      ? undefined
      : {
          keyOf,
          clock: options.clock,
          queue: new LaneQueue<M>({
            idOf: (message) => (message as Partial<DeliveredMessage>).id,
            holdTimeout: options.orderingHoldTimeout,
            clock: options.clock,
            onHoldExpired: reports.onHoldExpired,
            keyBuckets: options.keyRateLimit === undefined ? undefined : new KeyBuckets(options.keyRateLimit, options.clock),
            // A metrics adapter reports how long parcels waited: then each lane keeps its messages' arrival times.
            timed: options.metrics !== undefined,
          }),
        };
  const inline = options.executor !== 'threads';
  return new Dispatcher({
    lanes,
    executor: parts.executor,
    settler,
    gate,
    // With lanes, messages waiting behind their key hold room without being runnable: the
    // window may grow twice as deep (chains of a key in one parcel need little more; 4 times
    // measured no faster, within the noise, and keeps more messages alive).
    window:
      options.maxInFlight > options.inFlightFloor
        ? new FlightWindow(gate, options.inFlightFloor, options.maxInFlight * (lanes === undefined ? 1 : laneDepth), options.clock)
        : undefined,
    bulkSize: options.bulkSize,
    maxHandlers: options.maxHandlers,
    // Inline with a rate limit, one bulk a parcel: the tokens pace bulk by bulk.
    maxParcelMessages: inline && options.rateLimiter !== undefined ? 0 : Math.max(maxParcelMessages, options.bulkSize),
    crossesThreads: !inline,
    // Inline, bulks share a parcel only while they run back to back (a handler that awaits keeps one
    // bulk a parcel: shutdown can then give back every bulk not started).
    packsNow: inline ? () => parts.executor.synchronousHandler === true : undefined,
    onSettled,
    metrics,
    rateLimiter: options.rateLimiter,
    signal: hurry,
  });
}
