import { sleep } from '@conveyor/core/kit';
import type { GetHint, Source, SourceDepth } from '@conveyor/core';
import type { FileBatch, FileRow } from './claimed-batch.js';
import { FileQueueReader } from './file-queue-reader.js';
import type { FileSourceOptions, ResolvedFileSourceOptions } from './file-source-options.js';
import { resolveFileSourceOptions } from './file-source-options.js';
import { inspectQueueFolder } from './queue-folder-depth.js';

/** A row of the file queue as the `FileSource` delivers it; plain data, so it crosses to pool threads as JSON. */
export interface FileMessage<T> {
  /** `<batch>:<index>`: the row in its batch file. A failed row comes back in a new batch, with a new id. */
  readonly id: string;
  /** Key of the batch file the row is in. */
  readonly batch: string;
  /** Position of the row in its batch. */
  readonly index: number;
  /** The item given to `writer.add()`. */
  readonly body: T;
  /** Deliveries of this row so far, this one included. */
  readonly receiveCount: number;
  /** Identifies this delivery: cleanup or release of an older delivery is ignored. */
  readonly receipt: number;
}

// Per row: 0 = not out (never delivered, or its lease expired), -1 = settled, > 0 = receipt of the delivery out.
const notOut = 0;
const settled = -1;

interface Held<T> {
  readonly batch: FileBatch<T>;
  /** Next row never delivered. */
  next: number;
  readonly receipts: Float64Array;
  readonly redeliveries: Uint16Array | undefined;
}

interface Lease<T> {
  readonly held: Held<T>;
  readonly index: number;
  readonly receipt: number;
  readonly deadline: number;
}

/**
 * The file queue as a Conveyor source: `get()` claims the oldest available batch
 * files and hands out their rows in order; `cleanup()` and `release()` settle
 * rows, and a batch file is deleted once all its rows are settled (failed rows
 * written back first). `close()` gives back the rows not settled, in their turn.
 *
 * ```ts
 * const consumer = new Consumer(new FileSource<Job>({ directory: '/var/queue' }), { handlerModule: './handler.js', bulkSize: 64 });
 * ```
 */
export class FileSource<T = unknown> implements Source<FileMessage<T>> {
  readonly #options: ResolvedFileSourceOptions;
  readonly #reader: FileQueueReader<T>;
  readonly #held = new Map<string, Held<T>>();
  #fresh: Held<T>[] = [];
  #leases: Lease<T>[] = [];
  #leaseHead = 0;
  #expired: Array<{ held: Held<T>; index: number }> = [];
  #receipt = 0;
  #closed = false;

  constructor(options: FileSourceOptions) {
    this.#options = resolveFileSourceOptions(options);
    this.#reader = new FileQueueReader<T>(this.#options.reader);
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
    let count = 0;
    for (const held of this.#held.values()) for (const receipt of held.receipts) if (receipt > 0) count++;
    return count;
  }

  /**
   * Up to `min(maxMessagesPerGet, hint.maxMessages)` rows: rows whose visibility
   * expired first, then the rest of the batches held, then new batches claimed
   * oldest first. Waits up to `waitTime` on an empty folder; `[]` when the signal aborts.
   */
  async get(signal: AbortSignal, hint?: GetHint): Promise<FileMessage<T>[]> {
    const max = Math.max(1, Math.min(this.#options.maxMessagesPerGet, hint?.maxMessages ?? Number.POSITIVE_INFINITY));
    const clock = this.#options.reader.clock;
    const deadline = clock.now() + this.#options.waitTime;
    for (;;) {
      if (this.#closed || signal.aborted) return [];
      const messages = this.#take(max);
      if (messages.length > 0) return messages;
      const left = deadline - clock.now();
      if (left <= 0) return [];
      await sleep(Math.min(this.#options.pollInterval, left), signal, clock);
    }
  }

  /** Marks rows consumed; a batch file is deleted once all its rows are settled. */
  cleanup(consumed: FileMessage<T>[]): void {
    this.#settle(consumed, (batch, rows) => batch.consume(rows));
  }

  /** Marks rows failed: they are written back (or to `dead/`) when their batch is settled. */
  release(failed: FileMessage<T>[], error: unknown): void {
    this.#settle(failed, (batch, rows) => batch.fail(rows, error));
  }

  /** Gives back every row not settled (keeping its turn) and stops. Idempotent. */
  /** The folder's depth (all readers' view): rows waiting, rows claimed, dead letters. */
  inspect(): SourceDepth {
    const depth = inspectQueueFolder(this.#options.reader.directory);
    return { waiting: depth.waiting, inFlight: depth.inFlight, deadLetters: depth.deadLetters };
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#held.clear();
    this.#fresh = [];
    this.#expired = [];
    this.#leases = [];
    this.#reader.close();
  }

  #take(max: number): FileMessage<T>[] {
    const messages: FileMessage<T>[] = [];
    if (this.#options.visibilityTimeout !== Number.POSITIVE_INFINITY) this.#expireLeases(messages, max);
    while (messages.length < max) {
      const held = this.#fresh[0] ?? this.#claim();
      if (held === undefined) break;
      const end = Math.min(held.batch.size, held.next + max - messages.length);
      for (let index = held.next; index < end; index++) messages.push(this.#deliver(held, index));
      held.next = end;
      if (end === held.batch.size) this.#fresh.shift();
    }
    return messages;
  }

  #claim(): Held<T> | undefined {
    const batch = this.#reader.claim();
    if (batch === undefined) return undefined;
    const held: Held<T> = {
      batch,
      next: 0,
      receipts: new Float64Array(batch.size),
      redeliveries: this.#options.visibilityTimeout === Number.POSITIVE_INFINITY ? undefined : new Uint16Array(batch.size),
    };
    this.#held.set(batch.key, held);
    this.#fresh.push(held);
    return held;
  }

  #deliver(held: Held<T>, index: number): FileMessage<T> {
    const receipt = ++this.#receipt;
    held.receipts[index] = receipt;
    const row = held.batch.rows[index] as FileRow<T>;
    const timeout = this.#options.visibilityTimeout;
    if (timeout !== Number.POSITIVE_INFINITY)
      this.#leases.push({ held, index, receipt, deadline: this.#options.reader.clock.now() + timeout });
    return {
      id: `${held.batch.key}:${index}`,
      batch: held.batch.key,
      index,
      body: row.body,
      receiveCount: row.receiveCount + (held.redeliveries?.[index] ?? 0),
      receipt,
    };
  }

  /** Rows out longer than `visibilityTimeout` are delivered again, before fresh ones. */
  #expireLeases(messages: FileMessage<T>[], max: number): void {
    const now = this.#options.reader.clock.now();
    // Leases are in deadline order (the timeout is constant).
    while (this.#leaseHead < this.#leases.length) {
      const lease = this.#leases[this.#leaseHead] as Lease<T>;
      if (lease.deadline > now) break;
      this.#leaseHead++;
      if (lease.held.receipts[lease.index] === lease.receipt && this.#held.get(lease.held.batch.key) === lease.held) {
        lease.held.receipts[lease.index] = notOut;
        this.#expired.push({ held: lease.held, index: lease.index });
      }
    }
    if (this.#leaseHead > 1024 && this.#leaseHead * 2 > this.#leases.length) {
      this.#leases = this.#leases.slice(this.#leaseHead);
      this.#leaseHead = 0;
    }
    while (messages.length < max && this.#expired.length > 0) {
      const { held, index } = this.#expired.shift() as { held: Held<T>; index: number };
      if (held.receipts[index] !== notOut || this.#held.get(held.batch.key) !== held) continue;
      const redeliveries = held.redeliveries as Uint16Array;
      redeliveries[index] = (redeliveries[index] ?? 0) + 1;
      messages.push(this.#deliver(held, index));
    }
  }

  #settle(messages: FileMessage<T>[], apply: (batch: FileBatch<T>, rows: FileRow<T>[]) => void): void {
    // Messages of one bulk nearly always share a batch: group consecutive runs.
    let current: Held<T> | undefined;
    let rows: FileRow<T>[] = [];
    const flush = (): void => {
      if (current === undefined || rows.length === 0) return;
      apply(current.batch, rows);
      if (current.batch.done) this.#held.delete(current.batch.key);
      rows = [];
    };
    for (const message of messages) {
      const held = this.#held.get(message.batch);
      // Unknown batch (settled, given back at close) or an older delivery: nothing to do.
      if (held === undefined || held.receipts[message.index] !== message.receipt) continue;
      if (held !== current) {
        flush();
        current = held;
      }
      held.receipts[message.index] = settled;
      rows.push(held.batch.rows[message.index] as FileRow<T>);
    }
    flush();
  }
}
