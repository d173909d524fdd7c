import { Piscina } from 'piscina';
import type { ResourceLimits } from 'node:worker_threads';
import { HandlerModuleError, PoolThreadError } from '../errors.js';
import type { Executor, Parcel, ParcelReports, ParcelResult } from './executor.js';
import type { PoolParcelResult, PoolProbeResult, PoolTask, PoolWorkerData } from './pool-protocol.js';
import type { WireError } from './wire-error.js';
import { fromWireError } from './wire-error.js';

export interface PoolExecutorOptions<M> {
  readonly handlerModule: URL;
  readonly handlerExport: string;
  readonly initializer: URL | undefined;
  readonly threads: number;
  readonly resourceLimits: ResourceLimits | undefined;
  readonly transfer: 'json' | 'clone';
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
      const task = this.#encode(parcel, progress);
      result = await (task.kind === 'bytes'
        ? this.#pool.run(task, { transferList: task.payloads.map((payload) => payload.buffer as ArrayBuffer) })
        : this.#pool.run(task));
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

  #encode(parcel: Parcel<M>, progress: Int32Array | undefined): PoolTask {
    const extra = progress === undefined ? {} : { progress };
    const payloadOf = this.#options.payloadOf;
    if (payloadOf !== undefined) {
      const payloads: Uint8Array[] = [];
      let start = 0;
      for (const size of parcel.bulkSizes) {
        const payload = payloadOf(parcel.messages[start] as M);
        if (payload !== undefined) payloads.push(payload);
        start += size;
      }
      if (payloads.length === parcel.bulkSizes.length) return { kind: 'bytes', payloads, ...extra };
    }
    if (this.#options.transfer === 'json') {
      try {
        return { kind: 'json', payload: JSON.stringify(parcel.messages), bulkSizes: parcel.bulkSizes, ...extra };
      } catch {
        // BigInt, cycles: structured cloning can carry what JSON cannot.
      }
    }
    return { kind: 'clone', messages: parcel.messages, bulkSizes: parcel.bulkSizes, ...extra };
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
