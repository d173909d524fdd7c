import type { Consumer, ConsumerMetrics, Logger } from '@conveyor/core';

/**
 * What `conveyor run` hands to a consumer factory. Pass `metrics` and
 * `logger` to the Consumer you build, so the live view can show bulks and
 * handler time and `--metrics-port` can export counts:
 *
 * ```ts
 * export default ({ metrics, logger }: RunContext) =>
 *   new Consumer(source, { handlerModule: new URL('./handler.js', import.meta.url), metrics, logger });
 * ```
 */
export interface RunContext {
  /** Feeds the live view and, with `--metrics-port`, the Prometheus endpoint. */
  readonly metrics: ConsumerMetrics;
  /** Prints warnings and errors above the live view instead of through it. */
  readonly logger: Logger;
  /** Aborted when `conveyor run` starts draining (first SIGINT/SIGTERM). */
  readonly signal: AbortSignal;
  /** The arguments after the module path (`conveyor run consumer.js -- --flag`). */
  readonly args: readonly string[];
}

/** What a consumer module exports: a configured Consumer, or a function (maybe async) returning one. */
export type ConsumerFactory = (context: RunContext) => Consumer<unknown> | Promise<Consumer<unknown>>;
