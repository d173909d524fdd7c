import { Piscina } from 'piscina';
import type { ResourceLimits } from 'node:worker_threads';
import type { ParcelReports } from '../bulk/bulk-report.js';
import type { Parcel } from '../bulk/parcel.js';
import type { TraceCarrier } from '../sources/trace-carrier.js';
import { HandlerModuleError } from '../errors/handler-module-error.js';
import { HandlerTimeoutError } from '../errors/handler-timeout-error.js';
import { PoolThreadError } from '../errors/pool-thread-error.js';
import { ShutdownError } from '../errors/shutdown-error.js';
import type { Admission, Executor, ParcelResult } from './executor.js';
import type { ProgressSlot } from './parcel-progress.js';
import { ProgressSlots } from './parcel-progress.js';
import type {
  HandlerSpec,
  PoolParcelResult,
  PoolProbeResult,
  PoolTask,
  PoolThreadNotice,
  PoolWorkerData,
  RecycleReason,
} from './pool-protocol.js';
import { wireVerdict } from './wire-check.js';
import type { WireError } from './wire-error.js';
import { fromWireError } from './wire-error.js';
import type { BulkPayloads, BulkTransfer, WireParcel } from './wire-format.js';
import { encodeParcel, encodeRefParcel, transferListOf } from './wire-format.js';
import { warmUpRoundTrips } from './warm-up.js';

export interface PoolExecutorOptions<M> {
  /** Where each pool thread finds the handler. */
  readonly handler: HandlerSpec;
  readonly initializer: URL | undefined;
  /** Most pool threads. */
  readonly threads: number;
  /** Fewest pool threads: the pool grows to `threads` under load and shrinks back after `idleTimeout` ms idle. */
  readonly minThreads: number;
  readonly idleTimeout: number;
  /** A thread is replaced after this many bulks (0: never). */
  readonly maxBulksPerThread: number;
  /** A thread is replaced once its heap is over this many MB after a parcel (0: never). */
  readonly maxThreadHeapMb: number;
  readonly resourceLimits: ResourceLimits | undefined;
  readonly transfer: BulkTransfer;
  /** Milliseconds one bulk may run before its thread is terminated (`HandlerTimeoutError`); 0: no limit. */
  readonly handlerTimeout: number;
  readonly onThreadDied: (error: unknown) => void;
  readonly onThreadCreated: (threadId: number) => void;
  /** A thread asked to be replaced (`maxBulksPerThread`, `maxThreadHeapMb`); it is, once idle. */
  readonly onThreadRecycled: (threadId: number, reason: RecycleReason) => void;
  readonly onPoolError: (error: unknown) => void;
  /** An uncaught error of work no running parcel started (reported, never blamed on a bulk). */
  readonly onLateUncaught: (error: unknown, threadId: number) => void;
  /** The source vouches its messages are plain JSON data (`Source.plainJsonMessages`): the wire check is skipped. */
  readonly plainJsonMessages?: boolean;
  /** With poller threads: messages are refs, and their bulks cross as the bytes their threads encode. */
  readonly pollerPayloads?: BulkPayloads<M> | undefined;
}

/** Runs handlers on a Piscina pool of worker threads, one parcel of bulks per task. */
export class PoolExecutor<M> implements Executor<M> {
  readonly #pool: Piscina<PoolTask, unknown>;
  readonly #options: PoolExecutorOptions<M>;
  readonly #slots = new ProgressSlots();
  /** Threads this executor terminated because a bulk outran `handlerTimeout`. */
  readonly #timedOut = new Set<number>();
  /** Slots pool threads set when they ask to be replaced (see `RecycleRule`). */
  readonly #recycleTable = new Int32Array(new SharedArrayBuffer(4 * 1024));
  #started = false;
  #destroying = false;
  /** Parcels running now, and who waits for none to be. */
  #runs = 0;
  #idle: (() => void)[] = [];

  constructor(options: PoolExecutorOptions<M>) {
    this.#options = options;
    const table = this.#recycleTable;
    const recycle = { maxBulks: options.maxBulksPerThread, maxHeapMb: options.maxThreadHeapMb, table: table.buffer };
    const workerData: PoolWorkerData = {
      handler: options.handler,
      initializer: options.initializer?.href,
      recycle,
      timedBulks: options.handlerTimeout > 0,
    };
    this.#pool = new Piscina<PoolTask, unknown>({
      filename: new URL('./pool-worker.js', import.meta.url).href,
      minThreads: options.minThreads,
      maxThreads: options.threads,
      idleTimeout: options.minThreads < options.threads ? options.idleTimeout : Number.POSITIVE_INFINITY,
      // The least busy thread that has not asked to be replaced: a retiring thread gets no new task.
      loadBalancer: (_task, workers) => {
        for (const worker of workers) {
          if (worker.currentUsage === 0 && !worker.terminating && Atomics.load(table, worker.id % table.length) === 0) return worker;
        }
        return null;
      },
      concurrentTasksPerWorker: 1,
      recordTiming: false,
      workerData,
      ...(options.resourceLimits === undefined ? {} : { resourceLimits: options.resourceLimits }),
    });
    this.#pool.on('error', (error: unknown) => options.onPoolError(error));
    this.#pool.on('workerCreate', (worker: { threadId?: number }) => {
      // Threads created after start() replace threads that died.
      if (this.#started) options.onThreadCreated(worker.threadId ?? -1);
    });
    this.#pool.on('message', (message: unknown) => {
      const notice = message as Partial<PoolThreadNotice> | null;
      if (notice?.conveyorUncaught !== undefined) options.onLateUncaught(fromWireError(notice.conveyorUncaught), notice.threadId ?? -1);
    });
  }

  /** Number of live pool threads. */
  get threads(): number {
    return this.#pool.threads.length;
  }

  /**
   * Resolves when every thread the pool keeps (`minThreads`) has loaded the
   * handler: one probe each, at once (the balancer gives a task only to an idle
   * thread). A cold thread would otherwise load its module on the first parcel,
   * so the first messages would wait and the start-up cost would land in the
   * first seconds of work.
   */
  async start(): Promise<void> {
    const probes = Array.from({ length: Math.max(1, this.#options.minThreads) }, () => this.#pool.run({ kind: 'probe' }));
    for (const probe of (await Promise.all(probes)) as PoolProbeResult[]) {
      if (probe.error !== undefined) throw new HandlerModuleError(probe.error.message, { cause: fromWireError(probe.error) });
    }
    // Warm the round trip as well: piscina's messaging on both sides and the reports coming back.
    for (let round = 0; round < warmUpRoundTrips; round++) {
      const results = await Promise.all(probes.map(() => this.#pool.run({ kind: 'warm-up' } satisfies PoolTask)));
      for (const result of results as PoolParcelResult[]) fromWireReports(result.reports);
    }
    this.#started = true;
  }

  admit(messages: readonly M[]): Admission<M> {
    // Poller threads checked their messages before encoding them; a source may vouch for its own.
    if (this.#options.pollerPayloads !== undefined) return { admitted: messages, rejected: [], structured: false };
    if (this.#options.plainJsonMessages === true && this.#options.transfer === 'json')
      return { admitted: messages, rejected: [], structured: false };
    let structured = this.#options.transfer === 'structured';
    let rejected: Array<{ messages: M[]; error: unknown }> | undefined;
    let admitted: M[] | undefined;
    for (let index = 0; index < messages.length; index++) {
      const message = messages[index] as M;
      const verdict = wireVerdict(message);
      if (verdict === 'json') {
        admitted?.push(message);
      } else if (verdict === 'structured') {
        structured = true;
        admitted?.push(message);
      } else {
        admitted ??= messages.slice(0, index);
        (rejected ??= []).push({ messages: [message], error: verdict });
      }
    }
    return { admitted: admitted ?? messages, rejected: rejected ?? [], structured };
  }

  async run(parcel: Parcel<M>, structured: boolean, traceContext?: TraceCarrier): Promise<ParcelResult> {
    this.#runs++;
    const slot = this.#slots.take();
    const timer = this.#options.handlerTimeout > 0 ? this.#watchTimeout(slot) : undefined;
    try {
      const pollerPayloads = this.#options.pollerPayloads;
      let wire: WireParcel;
      if (pollerPayloads === undefined) wire = encodeParcel(parcel, structured);
      else {
        try {
          wire = await encodeRefParcel(parcel, pollerPayloads);
        } catch {
          // Their poller thread no longer holds them (it died): settling the refs does nothing there, and
          // its source delivers the messages again. Not taken, so nothing is charged.
          return { outcome: { reports: parcel.bulkSizes.map(() => ({ taken: 0, marked: [] })) }, busyMs: 0 };
        }
      }
      const task: PoolTask = {
        kind: 'parcel',
        wire,
        progress: slot.buffer,
        ...(traceContext === undefined ? {} : { traceContext }),
        ...(parcel.after === undefined ? {} : { after: parcel.after }),
      };
      const transferList = transferListOf(wire);
      const result = (await (transferList === undefined
        ? this.#pool.run(task)
        : this.#pool.run(task, { transferList }))) as PoolParcelResult;
      if (result.recycle !== undefined) this.#recycle(result.threadId, result.recycle);
      return { outcome: { reports: fromWireReports(result.reports) }, busyMs: result.busyMs, threadId: result.threadId };
    } catch (cause) {
      return { outcome: { lost: this.#lostBecause(cause, slot), progress: slot.read() }, busyMs: 0 };
    } finally {
      timer?.stop();
      this.#slots.give(slot);
      if (--this.#runs === 0) for (const resolve of this.#idle.splice(0)) resolve();
    }
  }

  async close(): Promise<void> {
    // Tasks still running finish first; then the threads go (docs/adr/0014-pool-thread-lifecycle.md). Not piscina's close():
    // it leaves a 30 s timer that keeps the pool, and through its hooks this consumer
    // and its source, in memory for 30 s after shutdown (a leak for anyone who
    // starts consumers repeatedly, and a slower heap for the process meanwhile).
    while (this.#runs > 0) await new Promise<void>((resolve) => this.#idle.push(resolve));
    await this.#pool.destroy();
  }

  async destroy(): Promise<void> {
    this.#destroying = true;
    await this.#pool.destroy();
  }

  /** Replaces a thread that asked for it; it is idle (the balancer gives it no more work). */
  #recycle(threadId: number, reason: RecycleReason): void {
    const worker = this.#pool.threads.find((thread) => thread.threadId === threadId);
    const slot = threadId % this.#recycleTable.length;
    if (worker === undefined) return void Atomics.store(this.#recycleTable, slot, 0);
    this.#options.onThreadRecycled(threadId, reason);
    void worker.terminate().finally(() => Atomics.store(this.#recycleTable, slot, 0));
  }

  /** Why a task was lost: shutdown, a timeout this executor enforced, or the thread died. */
  #lostBecause(cause: unknown, slot: ProgressSlot): unknown {
    if (this.#destroying) return new ShutdownError();
    const threadId = slot.threadId;
    if (this.#timedOut.delete(threadId)) return new HandlerTimeoutError(this.#options.handlerTimeout);
    this.#options.onThreadDied(cause);
    return new PoolThreadError(cause);
  }

  /** Checks a running parcel's current bulk against `handlerTimeout`; terminates its thread past it. */
  #watchTimeout(slot: ProgressSlot): { stop(): void } {
    const timeoutMs = this.#options.handlerTimeout;
    let timer: NodeJS.Timeout | undefined;
    const check = (): void => {
      const { startedAt } = slot.running;
      const threadId = slot.threadId;
      const left = startedAt === 0 ? timeoutMs : startedAt + timeoutMs - Date.now();
      if (left > 0 || threadId === 0) {
        timer = setTimeout(check, Math.max(left, 1));
        return;
      }
      const worker = this.#pool.threads.find((thread) => thread.threadId === threadId);
      if (worker === undefined) return;
      this.#timedOut.add(threadId);
      void worker.terminate();
    };
    timer = setTimeout(check, timeoutMs);
    return { stop: () => clearTimeout(timer) };
  }
}

function fromWireReports(wireReports: PoolParcelResult['reports']): ParcelReports {
  if (wireReports === null) return undefined;
  const errors = new Map<WireError, Error>();
  const convert = (wire: WireError): Error => {
    let error = errors.get(wire);
    if (error === undefined) errors.set(wire, (error = fromWireError(wire)));
    return error;
  };
  return wireReports.map((report) => {
    if (report === null) return undefined;
    return {
      taken: report.taken,
      marked: report.marked.map(([index, wire]) => [index, convert(wire)] as const),
      ...(report.thrown === undefined ? {} : { thrown: { error: convert(report.thrown.error) } }),
      ...(report.uncaught === undefined ? {} : { uncaught: { error: convert(report.uncaught.error) } }),
      ...(report.unit === true ? { unit: true as const } : {}),
    };
  });
}
