import { traceContextToText } from '@conveyor/core/kit';
import { BatchKeyGenerator } from './batch-key-generator.js';
import { UnserializableItemError } from './errors/unserializable-item-error.js';
import { WriterClosedError } from './errors/writer-closed-error.js';
import { closeOnExit } from './exit-flush.js';
import type { FileQueueWriterOptions, ResolvedFileQueueWriterOptions } from './file-queue-writer-options.js';
import { resolveFileQueueWriterOptions } from './file-queue-writer-options.js';
import { OpenBatch } from './open-batch.js';
import { currentOwner } from './process-identity.js';
import { Backpressure } from './writer-backpressure.js';

interface Deferred {
  readonly promise: Promise<void>;
  readonly resolve: () => void;
}

/** An item added while the queue was full: its JSON text and trace context, waiting for room. */
interface WaitingItem {
  readonly body: string;
  readonly traceContext: string | null;
}
/**
 * The enqueue side of the file queue. `add()` appends items (as JSON) to the
 * open batch `loading_<owner>_<key>.db` inside one SQLite transaction; the batch
 * is committed and renamed to `avail_<key>.db` (atomic, so readers never see it
 * half written) when it holds `maxRowsPerBatch` rows, when `maxBatchAge` has
 * passed since its first row, on `flush()` and on `close()`.
 *
 * What a crash loses: the rows of the open batch, added since the last batch
 * became available. `flush()` is the way to lose nothing. A normal exit (the
 * event loop empties, or `process.exit()`) flushes too; a kill signal does not.
 *
 * ```ts
 * const writer = new FileQueueWriter<{ id: number }>({ directory: '/var/queue' });
 * for (const item of items) await writer.add(item); // waits only while the queue is full
 * writer.close();
 * ```
 */
export class FileQueueWriter<T = unknown> {
  readonly #options: ResolvedFileQueueWriterOptions;
  readonly #batch: OpenBatch;
  readonly #backpressure: Backpressure;
  /** Items added while the queue was full (policy 'wait'), oldest first from `#waitingHead`. */
  #waiting: WaitingItem[] = [];
  #waitingHead = 0;
  #waitingDeferred: Deferred | undefined;
  #dropped = 0;
  #droppedWhileFull = 0;
  #rowsWritten = 0;
  #batchesWritten = 0;
  #closed = false;
  readonly #forgetOnExit: () => void;

  constructor(options: FileQueueWriterOptions) {
    const resolved = resolveFileQueueWriterOptions(options);
    this.#options = resolved;
    const { directory, synchronous, maxBatchAge, maxAvailFiles, pollInterval, logger, clock } = resolved;
    const keys = new BatchKeyGenerator(clock);
    this.#batch = new OpenBatch({ directory, owner: currentOwner(), keys, synchronous, maxBatchAge, clock }, () => this.#onAged());
    this.#backpressure = new Backpressure({
      directory,
      maxAvailFiles,
      pollInterval,
      logger,
      clock,
      onRoom: () => this.#onRoom(),
      itemsWaiting: () => this.#waitingHead < this.#waiting.length,
    });
    this.#backpressure.check();
    this.#forgetOnExit = closeOnExit(() => {
      try {
        this.close();
      } catch (error) {
        logger.error({ err: error, directory }, 'file queue: flushing on exit failed');
      }
    });
  }

  /** The validated options, defaults applied. */
  get options(): ResolvedFileQueueWriterOptions {
    return this.#options;
  }

  /** False while `maxAvailFiles` batches wait in the folder: the producer should `await ready()`. */
  get active(): boolean {
    return this.#backpressure.active;
  }

  /** Items dropped because the queue was full (policy 'drop'). */
  get dropped(): number {
    return this.#dropped;
  }

  /** Rows in batches this writer made available. */
  get rowsWritten(): number {
    return this.#rowsWritten;
  }

  /** Batch files this writer made available. */
  get batchesWritten(): number {
    return this.#batchesWritten;
  }

  /** Items added and not yet in an available batch (the open batch and those waiting for room). */
  get pending(): number {
    return this.#batch.rows + this.#waiting.length - this.#waitingHead;
  }

  /**
   * Adds one item (stored as JSON). Returns `undefined` when the item went into
   * the open batch. When the queue is full, with `onFull: 'wait'` it returns a
   * promise that resolves once the item is in a batch; with 'drop' the item is
   * dropped and counted in `dropped`. Throws `UnserializableItemError` for an
   * item JSON cannot encode and `WriterClosedError` after `close()`.
   */
  add(item: T): Promise<void> | undefined {
    if (this.#closed) throw new WriterClosedError();
    const body = encode(item);
    const traceContext = this.#options.traceContext === undefined ? null : traceContextToText(this.#options.traceContext());
    if (this.#waitingHead < this.#waiting.length || this.#blocked()) {
      if (this.#options.onFull === 'drop') {
        this.#drop();
        return undefined;
      }
      this.#waiting.push({ body, traceContext });
      this.#backpressure.pollWhileFull();
      return (this.#waitingDeferred ??= deferred()).promise;
    }
    this.#append(body, traceContext, false);
    return undefined;
  }

  /** Resolves when the writer is `active` (at once if it is), or rejects when `signal` aborts. */
  ready(signal?: AbortSignal): Promise<void> {
    return this.#backpressure.ready(signal);
  }

  /**
   * Makes every item added so far durable and available, now: the open batch
   * and the items waiting for room (a flush may exceed `maxAvailFiles`).
   */
  flush(): void {
    if (this.#closed) throw new WriterClosedError();
    this.#flushAll();
  }

  /** Flushes, then stops the writer. Idempotent. */
  close(): void {
    if (this.#closed) return;
    try {
      this.#flushAll();
    } finally {
      this.#closed = true;
      this.#batch.close();
      this.#backpressure.stop();
      this.#forgetOnExit();
    }
  }

  /** The open batch is full: new items wait (or are dropped) until it can roll. */
  #blocked(): boolean {
    return this.#batch.rows >= this.#options.maxRowsPerBatch;
  }

  #append(body: string, traceContext: string | null, force: boolean): void {
    if (this.#batch.append(body, traceContext) >= this.#options.maxRowsPerBatch) this.#roll(force);
  }

  #onAged(): void {
    try {
      this.#roll(false);
    } catch (error) {
      this.#options.logger.error({ err: error, directory: this.#options.directory }, 'file queue: making an aged batch available failed');
    }
  }

  /** Makes the open batch available; unless `force`, only while there is room. */
  #roll(force: boolean): void {
    if (this.#batch.rows === 0 || (!force && !this.#backpressure.active)) return;
    this.#rowsWritten += this.#batch.roll();
    this.#batchesWritten++;
    this.#backpressure.check();
  }

  #flushAll(): void {
    // Take the waiting items out first: a roll below may find room and drain them too.
    const waiting = this.#waiting.slice(this.#waitingHead);
    const waitingDeferred = this.#waitingDeferred;
    this.#waiting = [];
    this.#waitingHead = 0;
    this.#waitingDeferred = undefined;
    if (this.#blocked()) this.#roll(true);
    for (const { body, traceContext } of waiting) this.#append(body, traceContext, true);
    this.#roll(true);
    waitingDeferred?.resolve();
  }

  /** The folder has room again: the held-back batch goes first, then the items that waited. */
  #onRoom(): void {
    if (this.#droppedWhileFull > 0) {
      this.#options.logger.warn(
        { directory: this.#options.directory, dropped: this.#droppedWhileFull, droppedTotal: this.#dropped },
        'file queue has room again; items were dropped while it was full',
      );
      this.#droppedWhileFull = 0;
    }
    if (this.#blocked() || this.#batch.aged) this.#roll(false);
    while (this.#backpressure.active && this.#waitingHead < this.#waiting.length) {
      const { body, traceContext } = this.#waiting[this.#waitingHead++] as WaitingItem;
      this.#append(body, traceContext, false);
    }
    if (this.#waitingHead >= this.#waiting.length) this.#settleWaiting();
  }

  #settleWaiting(): void {
    this.#waiting = [];
    this.#waitingHead = 0;
    const waiting = this.#waitingDeferred;
    this.#waitingDeferred = undefined;
    waiting?.resolve();
  }

  #drop(): void {
    this.#dropped++;
    if (this.#droppedWhileFull++ === 0) {
      this.#options.logger.warn(
        { directory: this.#options.directory, maxAvailFiles: this.#options.maxAvailFiles },
        "file queue full: dropping items (onFull: 'drop'); they are counted in writer.dropped",
      );
    }
  }
}

function encode(item: unknown): string {
  let body: string | undefined;
  try {
    body = JSON.stringify(item);
  } catch (error) {
    throw new UnserializableItemError({ cause: error });
  }
  if (body === undefined) throw new UnserializableItemError();
  return body;
}

function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((settle) => (resolve = settle));
  return { promise, resolve };
}
