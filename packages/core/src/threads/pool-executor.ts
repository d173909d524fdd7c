import { Piscina } from 'piscina';
import type { ResourceLimits } from 'node:worker_threads';
import type { ParcelReports } from '../bulk/bulk-report.js';
import type { Parcel } from '../bulk/parcel.js';
import { HandlerModuleError } from '../errors/handler-module-error.js';
import { PoolThreadError } from '../errors/pool-thread-error.js';
import type { Executor, ParcelResult } from './executor.js';
import type { PoolParcelResult, PoolProbeResult, PoolTask, PoolWorkerData } from './pool-protocol.js';
import type { WireError } from './wire-error.js';
import { fromWireError } from './wire-error.js';
import type { BulkTransfer } from './wire-format.js';
import { encodeParcel, transferListOf } from './wire-format.js';

export interface PoolExecutorOptions<M> {
  readonly handlerModule: URL;
  readonly handlerExport: string;
  readonly initializer: URL | undefined;
  readonly threads: number;
  readonly resourceLimits: ResourceLimits | undefined;
  readonly transfer: BulkTransfer;
  readonly onThreadDied: (error: unknown) => void;
  readonly onThreadCreated: (threadId: number) => void;
  readonly onPoolError: (error: unknown) => void;
  /** Bytes a poller thread already encoded for the bulk that starts with this message; such bulks cross without re-encoding. */
  readonly payloadOf?: ((firstMessage: M) => Uint8Array | undefined) | undefined;
}

/** Runs handlers on a Piscina pool of worker threads, one parcel of bulks per task. */
export class PoolExecutor<M> implements Executor<M> {
  readonly #pool: Piscina<PoolTask, unknown>;
  readonly #options: PoolExecutorOptions<M>;
  #started = false;

  constructor(options: PoolExecutorOptions<M>) {
    this.#options = options;
    const workerData: PoolWorkerData = {
      handlerModule: options.handlerModule.href,
      handlerExport: options.handlerExport,
      initializer: options.initializer?.href,
    };
    this.#pool = new Piscina<PoolTask, unknown>({
      filename: new URL('./pool-worker.js', import.meta.url).href,
      minThreads: options.threads,
      maxThreads: options.threads,
      idleTimeout: Number.POSITIVE_INFINITY,
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
  }

  /** Number of live pool threads. */
  get threads(): number {
    return this.#pool.threads.length;
  }

  async start(): Promise<void> {
    const probe = (await this.#pool.run({ kind: 'probe' })) as PoolProbeResult;
    if (probe.error !== undefined) {
      throw new HandlerModuleError(probe.error.message, { cause: fromWireError(probe.error) });
    }
    this.#started = true;
  }

  async run(parcel: Parcel<M>): Promise<ParcelResult> {
    let result: unknown;
    // Shared progress only pays off when a parcel holds several bulks.
    const progress = parcel.bulkSizes.length > 1 ? new Int32Array(new SharedArrayBuffer(4)) : undefined;
    try {
      const encoded = encodeParcel(parcel, this.#options.transfer, this.#options.payloadOf);
      const task: PoolTask = progress === undefined ? encoded : { ...encoded, progress };
      const transferList = transferListOf(encoded);
      result = await (transferList === undefined ? this.#pool.run(task) : this.#pool.run(task, { transferList }));
    } catch (error) {
      // The worker catches every handler error, so a rejection means the thread itself failed.
      this.#options.onThreadDied(error);
      throw new PoolThreadError(error, progress === undefined ? 0 : Atomics.load(progress, 0));
    }
    const { reports, busyMs, threadId } = result as PoolParcelResult;
    return { reports: fromWireReports(reports), busyMs, threadId };
  }

  async close(): Promise<void> {
    await this.#pool.close();
  }

  async destroy(): Promise<void> {
    await this.#pool.destroy();
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
    const marked = report.marked.map(([index, wire]) => [index, convert(wire)] as const);
    return report.thrown === undefined
      ? { taken: report.taken, marked }
      : { taken: report.taken, thrown: { error: convert(report.thrown.error) }, marked };
  });
}
