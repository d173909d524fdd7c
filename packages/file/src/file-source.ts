import { isUncharged, sleep } from '@conveyor/core/kit';
import type { GetHint, Source, SourceDepth, SourceDescription, TraceCarrier } from '@conveyor/core';
import { FileQueueReader } from './file-queue-reader.js';
import type { FileMessage } from './file-message.js';
import type { FileSourceOptions, ResolvedFileSourceOptions } from './file-source-options.js';
import { resolveFileSourceOptions } from './file-source-options.js';
import { inspectQueueFolder } from './queue-folder-depth.js';
import { RowDeliveries } from './row-deliveries.js';

/**
 * The file queue as a Conveyor source: `get()` claims the oldest available batch
 * files and hands out their rows in order; `cleanup()` and `release()` settle
 * rows, and a batch file is deleted once all its rows are settled (the failed
 * ones written to a retry batch or the dead letters first). `close()` gives back
 * the rows not settled, in their turn.
 *
 * ```ts
 * const consumer = new Consumer(new FileSource<Job>({ directory: '/var/queue' }), { handlerModule: './handler.js', bulkSize: 64 });
 * ```
 */
export class FileSource<T = unknown> implements Source<FileMessage<T>> {
  readonly #options: ResolvedFileSourceOptions;
  readonly #reader: FileQueueReader<T>;
  readonly #deliveries: RowDeliveries<T>;
  #closed = false;

  constructor(options: FileSourceOptions) {
    this.#options = resolveFileSourceOptions(options);
    this.#reader = new FileQueueReader<T>(this.#options.reader);
    this.#deliveries = new RowDeliveries<T>(this.#options.visibilityTimeout, this.#options.reader.clock);
  }

  /** The validated options, defaults applied. */
  get options(): ResolvedFileSourceOptions {
    return this.#options;
  }

  /** The reader underneath: listen to its `corrupt`, `recovered` and `deadLetter` events. */
  get reader(): FileQueueReader<T> {
    return this.#reader;
  }

  /** Rows delivered and not settled yet. */
  get inFlight(): number {
    return this.#deliveries.inFlight;
  }

  /**
   * Up to `min(maxMessagesPerGet, hint.maxMessages)` rows: rows to deliver again
   * first (given back uncharged, or whose visibility expired), then the rest of
   * the batches claimed, then new batches claimed oldest first. Waits up to
   * `waitTime` on an empty folder, looking every `pollInterval`; `[]` when the signal aborts.
   */
  async get(signal: AbortSignal, hint?: GetHint): Promise<FileMessage<T>[]> {
    const max = Math.max(1, Math.min(this.#options.maxMessagesPerGet, hint?.maxMessages ?? Number.POSITIVE_INFINITY));
    const clock = this.#options.reader.clock;
    const deadline = clock.now() + this.#options.waitTime;
    for (;;) {
      if (this.#closed || signal.aborted) return [];
      const messages = this.#deliveries.take(max, () => this.#reader.claim());
      if (messages.length > 0) return messages;
      const left = deadline - clock.now();
      if (left <= 0) return [];
      await sleep(Math.min(this.#options.pollInterval, left), signal, clock);
    }
  }

  /** Marks rows consumed; a batch file is deleted once all its rows are settled. */
  cleanup(consumed: FileMessage<T>[]): void {
    this.#deliveries.settle(consumed, (batch, rows) => batch.consume(rows));
  }

  /**
   * Settles failed rows. When `isUncharged(error)` (the handler never received
   * them) they are delivered again at once, by this source, first in line, with
   * the same receive count. Otherwise the failure counts: they are written, when
   * their batch is settled, to a retry batch due after `retryBackoff`, or to the
   * dead letters after `maxReceiveCount` receives.
   */
  release(failed: FileMessage<T>[], error: unknown): void {
    if (isUncharged(error)) this.#deliveries.giveBack(failed);
    else this.#deliveries.settle(failed, (batch, rows) => batch.fail(rows, error));
  }

  /**
   * The consumer gave up settling these (`cleanup` or `release` kept throwing):
   * they are delivered again, first in line, as if given back uncharged — by
   * default a delivery never lapses, so they would otherwise stay out, their
   * batch unfinished, until the source closes.
   */
  forget(messages: FileMessage<T>[]): void {
    this.#deliveries.giveBack(messages);
  }

  /** How long a delivery stays invisible unless renewed: `visibilityTimeout` (undefined when it never lapses). */
  leaseDuration(): number | undefined {
    const timeout = this.#options.visibilityTimeout;
    return timeout === Number.POSITIVE_INFINITY ? undefined : timeout;
  }

  /** Renews the visibility of these deliveries (the consumer's lease keeper calls it for every message it holds). */
  extend(messages: FileMessage<T>[]): void {
    this.#deliveries.extend(messages);
  }

  /** The trace context the message was written with (`FileQueueWriter`'s `traceContext`), if any. */
  traceContext(message: FileMessage<T>): TraceCarrier | undefined {
    return this.#deliveries.traceContextOf(message);
  }

  /** `{ system: 'sqlite', destination: <queue folder> }` (the file queue is SQLite batch files). */
  describe(): SourceDescription {
    return { system: 'sqlite', destination: this.#options.reader.directory };
  }

  /** The folder's depth (all readers' view): rows waiting (retry batches included), rows claimed, dead letters. */
  inspect(): SourceDepth {
    const depth = inspectQueueFolder(this.#options.reader.directory);
    return { waiting: depth.waiting, inFlight: depth.inFlight, deadLetters: depth.deadLetters, oldestAgeMs: depth.oldestAgeMs };
  }

  /** Gives back every row not settled (keeping its turn, not counted) and stops. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#deliveries.clear();
    this.#reader.close();
  }
}
