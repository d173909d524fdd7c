import { sleep } from '@conveyor/core/kit';
import type { DeliveredMessage } from '@conveyor/core/kit';
import type { GetHint, Source, SourceDepth } from '@conveyor/core';
import type { BatchRow, ClaimedBatch } from './claimed-batch.js';
import { FileQueueReader } from './file-queue-reader.js';
import type { FileSourceOptions, ResolvedFileSourceOptions } from './file-source-options.js';
import { resolveFileSourceOptions } from './file-source-options.js';
import { inspectQueueFolder } from './queue-folder-depth.js';

/** What settles one delivery of a row: where the row is, and which delivery this is. */
export interface FileReceipt {
  /** Key of the claimed batch file the row is in. */
  readonly batch: string;
  /** Position of the row in that batch file. */
  readonly index: number;
  /** Numbers this delivery: a cleanup or release of an older delivery of the row is ignored. */
  readonly delivery: number;
}

/**
 * A row of the file queue as the `FileSource` delivers it: the kit's
 * `DeliveredMessage`, plain data, so it crosses to pool threads as JSON.
 */
export interface FileMessage<T> extends DeliveredMessage<T, FileReceipt> {
  /**
   * The message's identity, stable across deliveries: `<batch key>:<index>` of the
   * batch it was first written to, kept when it is written again (failed, given back).
   */
  readonly id: string;
}

// Per row: 0 = not out (never delivered, or its lease expired), -1 = settled, > 0 = the delivery out.
const notOut = 0;
const settled = -1;

/** A claimed batch as this source delivers it. */
interface Claim<T> {
  readonly batch: ClaimedBatch<T>;
  /** Next row never delivered. */
  next: number;
  readonly deliveries: Float64Array;
  readonly redeliveries: Uint16Array | undefined;
}

/** A delivery's visibility: it expires at `deadline` unless settled before. */
interface Lease<T> {
  readonly claim: Claim<T>;
  readonly index: number;
  readonly delivery: number;
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
  readonly #claims = new Map<string, Claim<T>>();
  /** Claims with rows never delivered, oldest first. */
  #fresh: Claim<T>[] = [];
  #leases: Lease<T>[] = [];
  #leaseHead = 0;
  #expired: Array<{ claim: Claim<T>; index: number }> = [];
  #delivery = 0;
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
    for (const claim of this.#claims.values()) for (const delivery of claim.deliveries) if (delivery > 0) count++;
    return count;
  }

  /**
   * Up to `min(maxMessagesPerGet, hint.maxMessages)` rows: rows whose visibility
   * expired first, then the rest of the batches claimed, then new batches claimed
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

  /** The folder's depth (all readers' view): rows waiting, rows claimed, dead letters. */
  inspect(): SourceDepth {
    const depth = inspectQueueFolder(this.#options.reader.directory);
    return { waiting: depth.waiting, inFlight: depth.inFlight, deadLetters: depth.deadLetters };
  }

  /** Gives back every row not settled (keeping its turn) and stops. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#claims.clear();
    this.#fresh = [];
    this.#expired = [];
    this.#leases = [];
    this.#reader.close();
  }

  #take(max: number): FileMessage<T>[] {
    const messages: FileMessage<T>[] = [];
    if (this.#options.visibilityTimeout !== Number.POSITIVE_INFINITY) this.#expireLeases(messages, max);
    while (messages.length < max) {
      const claim = this.#fresh[0] ?? this.#claim();
      if (claim === undefined) break;
      const end = Math.min(claim.batch.size, claim.next + max - messages.length);
      for (let index = claim.next; index < end; index++) messages.push(this.#deliver(claim, index));
      claim.next = end;
      if (end === claim.batch.size) this.#fresh.shift();
    }
    return messages;
  }

  #claim(): Claim<T> | undefined {
    const batch = this.#reader.claim();
    if (batch === undefined) return undefined;
    const claim: Claim<T> = {
      batch,
      next: 0,
      deliveries: new Float64Array(batch.size),
      redeliveries: this.#options.visibilityTimeout === Number.POSITIVE_INFINITY ? undefined : new Uint16Array(batch.size),
    };
    this.#claims.set(batch.key, claim);
    this.#fresh.push(claim);
    return claim;
  }

  #deliver(claim: Claim<T>, index: number): FileMessage<T> {
    const delivery = ++this.#delivery;
    claim.deliveries[index] = delivery;
    const row = claim.batch.rows[index] as BatchRow<T>;
    const timeout = this.#options.visibilityTimeout;
    if (timeout !== Number.POSITIVE_INFINITY) {
      this.#leases.push({ claim, index, delivery, deadline: this.#options.reader.clock.now() + timeout });
    }
    return {
      id: row.id,
      body: row.body,
      receiveCount: row.receiveCount + (claim.redeliveries?.[index] ?? 0),
      receipt: { batch: claim.batch.key, index, delivery },
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
      if (lease.claim.deliveries[lease.index] === lease.delivery && this.#claims.get(lease.claim.batch.key) === lease.claim) {
        lease.claim.deliveries[lease.index] = notOut;
        this.#expired.push({ claim: lease.claim, index: lease.index });
      }
    }
    if (this.#leaseHead > 1024 && this.#leaseHead * 2 > this.#leases.length) {
      this.#leases = this.#leases.slice(this.#leaseHead);
      this.#leaseHead = 0;
    }
    while (messages.length < max && this.#expired.length > 0) {
      const { claim, index } = this.#expired.shift() as { claim: Claim<T>; index: number };
      if (claim.deliveries[index] !== notOut || this.#claims.get(claim.batch.key) !== claim) continue;
      const redeliveries = claim.redeliveries as Uint16Array;
      redeliveries[index] = (redeliveries[index] ?? 0) + 1;
      messages.push(this.#deliver(claim, index));
    }
  }

  #settle(messages: FileMessage<T>[], apply: (batch: ClaimedBatch<T>, rows: BatchRow<T>[]) => void): void {
    // Messages of one bulk nearly always share a batch: group consecutive runs.
    let current: Claim<T> | undefined;
    let rows: BatchRow<T>[] = [];
    const flush = (): void => {
      if (current === undefined || rows.length === 0) return;
      apply(current.batch, rows);
      if (current.batch.done) this.#claims.delete(current.batch.key);
      rows = [];
    };
    for (const { receipt } of messages) {
      const claim = this.#claims.get(receipt.batch);
      // Unknown batch (settled, given back at close) or an older delivery: nothing to do.
      if (claim === undefined || claim.deliveries[receipt.index] !== receipt.delivery) continue;
      if (claim !== current) {
        flush();
        current = claim;
      }
      claim.deliveries[receipt.index] = settled;
      rows.push(claim.batch.rows[receipt.index] as BatchRow<T>);
    }
    flush();
  }
}
