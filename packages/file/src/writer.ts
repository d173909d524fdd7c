import { renameSync } from 'node:fs';
import { join } from 'node:path';
import { BatchFileWriter, syncDirectory } from './batch-file.js';
import { BatchKeyGenerator } from './batch-keys.js';
import { availName, loadingName } from './batch-name.js';
import { UnserializableItemError, WriterClosedError } from './errors.js';
import { countAvailBatches } from './folder.js';
import { currentOwner } from './process-identity.js';
import type { FileQueueWriterOptions, ResolvedFileQueueWriterOptions } from './writer-options.js';
import { resolveWriterOptions } from './writer-options.js';

interface Deferred {
  readonly promise: Promise<void>;
  readonly resolve: () => void;
}

/**
 * The enqueue side of the file queue. `add()` appends items (as JSON) to the
 * open batch `loading_<owner>_<key>.db` inside one SQLite transaction; the batch
 * is committed and renamed to `avail_<key>.db` (atomic, so readers never see it
 * half written) when it holds `maxEventsPerFile` rows, when `maxBatchAge` has
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
  readonly #owner = currentOwner();
  readonly #keys = new BatchKeyGenerator();
  #batch: BatchFileWriter | undefined;
  #batchKey = '';
  #ageTimer: NodeJS.Timeout | undefined;
  /** The open batch is older than `maxBatchAge` but could not be made available (queue full). */
  #aged = false;
  #active = true;
  #pollTimer: NodeJS.Timeout | undefined;
  #waiting: string[] = [];
  #waitingHead = 0;
  #waitingDeferred: Deferred | undefined;
  #readyWaiters: Array<() => void> = [];
  #dropped = 0;
  #droppedWhileFull = 0;
  #rowsWritten = 0;
  #batchesWritten = 0;
  #closed = false;
  readonly #onExit = (): void => {
    try {
      this.close();
    } catch (error) {
      this.#options.logger.error({ err: error, directory: this.#options.directory }, 'file queue: flushing on exit failed');
    }
  };

  constructor(options: FileQueueWriterOptions) {
    this.#options = resolveWriterOptions(options);
    this.#checkRoom();
    openWriters.add(this.#onExit);
    ensureExitHook();
  }

  /** The validated options, defaults applied. */
  get options(): ResolvedFileQueueWriterOptions {
    return this.#options;
  }

  /** False while `maxAvailFiles` batches wait in the folder: the producer should `await ready()`. */
  get active(): boolean {
    return this.#active;
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
    return (this.#batch?.rows ?? 0) + this.#waiting.length - this.#waitingHead;
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
    if (this.#waitingHead < this.#waiting.length || this.#blocked()) {
      if (this.#options.onFull === 'drop') {
        this.#drop();
        return undefined;
      }
      this.#waiting.push(body);
      this.#pollWhileFull();
      return (this.#waitingDeferred ??= deferred()).promise;
    }
    this.#append(body);
    return undefined;
  }

  /** Resolves when the writer is `active` (at once if it is), or rejects when `signal` aborts. */
  ready(signal?: AbortSignal): Promise<void> {
    if (this.#active || this.#closed) return Promise.resolve();
    if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        this.#readyWaiters = this.#readyWaiters.filter((waiter) => waiter !== done);
        reject(signal?.reason as Error);
      };
      const done = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      this.#readyWaiters.push(done);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#pollWhileFull();
    });
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
      clearTimeout(this.#ageTimer);
      clearTimeout(this.#pollTimer);
      this.#pollTimer = undefined;
      openWriters.delete(this.#onExit);
      this.#resolveReady();
    }
  }

  #blocked(): boolean {
    return this.#batch !== undefined && this.#batch.rows >= this.#options.maxEventsPerFile;
  }

  #append(body: string): void {
    const batch = this.#batch ?? this.#open();
    batch.insert(body);
    if (batch.rows >= this.#options.maxEventsPerFile) this.#roll(false);
  }

  #open(): BatchFileWriter {
    const key = this.#keys.next();
    this.#batchKey = key;
    const batch = new BatchFileWriter(join(this.#options.directory, loadingName(this.#owner, key)), this.#options.synchronous);
    this.#batch = batch;
    this.#aged = false;
    // Unref'd: a pending age flush must not keep a process alive; the exit hook flushes instead.
    this.#ageTimer = setTimeout(() => this.#onAge(), this.#options.maxBatchAge).unref();
    return batch;
  }

  #onAge(): void {
    this.#ageTimer = undefined;
    this.#aged = true;
    try {
      this.#roll(false);
    } catch (error) {
      this.#options.logger.error({ err: error, directory: this.#options.directory }, 'file queue: making an aged batch available failed');
    }
  }

  /** Commits the open batch and renames it available; unless `force`, only while there is room. */
  #roll(force: boolean): void {
    const batch = this.#batch;
    if (batch === undefined || (!force && !this.#active)) return;
    this.#batch = undefined;
    clearTimeout(this.#ageTimer);
    this.#ageTimer = undefined;
    this.#aged = false;
    batch.commit();
    renameSync(batch.path, join(this.#options.directory, availName(this.#batchKey)));
    if (this.#options.synchronous === 'full') syncDirectory(this.#options.directory);
    this.#rowsWritten += batch.rows;
    this.#batchesWritten++;
    this.#checkRoom();
  }

  #flushAll(): void {
    // Take the waiting items out first: a roll below may find room and drain them too.
    const waiting = this.#waiting.slice(this.#waitingHead);
    const waitingDeferred = this.#waitingDeferred;
    this.#waiting = [];
    this.#waitingHead = 0;
    this.#waitingDeferred = undefined;
    if (this.#blocked()) this.#roll(true);
    for (const body of waiting) {
      const batch = this.#batch ?? this.#open();
      batch.insert(body);
      if (batch.rows >= this.#options.maxEventsPerFile) this.#roll(true);
    }
    this.#roll(true);
    waitingDeferred?.resolve();
  }

  /** Counts the available batches (other writers add, readers take) and updates `active`. */
  #checkRoom(): void {
    if (this.#options.maxAvailFiles === Number.POSITIVE_INFINITY) return;
    const full = countAvailBatches(this.#options.directory) >= this.#options.maxAvailFiles;
    if (full && this.#active) {
      this.#active = false;
      this.#pollWhileFull();
    } else if (!full && !this.#active) {
      this.#becomeActive();
    }
  }

  #pollWhileFull(): void {
    if (this.#active || this.#closed) return;
    if (this.#pollTimer === undefined) {
      this.#pollTimer = setTimeout(() => {
        this.#pollTimer = undefined;
        try {
          this.#checkRoom();
        } catch (error) {
          this.#options.logger.error({ err: error, directory: this.#options.directory }, 'file queue: counting available batches failed');
        }
        this.#pollWhileFull();
      }, this.#options.pollInterval);
    }
    // Keep the process alive only while someone waits for room.
    if (this.#readyWaiters.length > 0 || this.#waitingHead < this.#waiting.length) this.#pollTimer.ref();
    else this.#pollTimer.unref();
  }

  #becomeActive(): void {
    this.#active = true;
    clearTimeout(this.#pollTimer);
    this.#pollTimer = undefined;
    if (this.#droppedWhileFull > 0) {
      this.#options.logger.warn(
        { directory: this.#options.directory, dropped: this.#droppedWhileFull, droppedTotal: this.#dropped },
        'file queue has room again; items were dropped while it was full',
      );
      this.#droppedWhileFull = 0;
    }
    // A batch that filled up or aged while the queue was full goes first.
    if (this.#blocked() || this.#aged) this.#roll(false);
    while (this.#active && this.#waitingHead < this.#waiting.length) {
      const batch = this.#batch ?? this.#open();
      batch.insert(this.#waiting[this.#waitingHead++] as string);
      if (batch.rows >= this.#options.maxEventsPerFile) this.#roll(false);
    }
    if (this.#waitingHead >= this.#waiting.length) this.#settleWaiting();
    if (this.#active) this.#resolveReady();
  }

  #settleWaiting(): void {
    this.#waiting = [];
    this.#waitingHead = 0;
    const waiting = this.#waitingDeferred;
    this.#waitingDeferred = undefined;
    waiting?.resolve();
  }

  #resolveReady(): void {
    const waiters = this.#readyWaiters;
    this.#readyWaiters = [];
    for (const resolve of waiters) resolve();
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

// One 'exit' listener for every open writer, however many there are: on a normal
// exit whatever was added becomes available before the process ends.
const openWriters = new Set<() => void>();
let exitHooked = false;

function ensureExitHook(): void {
  if (exitHooked) return;
  exitHooked = true;
  process.on('exit', () => {
    for (const closeOnExit of [...openWriters]) closeOnExit();
  });
}
