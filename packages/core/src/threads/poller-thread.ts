import { Worker } from 'node:worker_threads';
import { PollerThreadError } from '../errors/poller-thread-error.js';
import type { GetHint, Source } from '../sources/source.js';
import { messageRef } from './message-refs.js';
import type { FromPollerThread, PollerThreadData, ToPollerThread } from './poller-thread-protocol.js';
import { fromWireError, toWireError } from './wire-error.js';
import type { EncodedPayload } from './wire-format.js';

/** A bulk's bytes as its poller thread encoded them, and how many messages they hold. */
export interface BulkPayload extends EncodedPayload {
  readonly count: number;
}

type Pending = { resolve: (message: FromPollerThread) => void; reject: (error: unknown) => void };

/**
 * The main thread's side of one poller thread: a Source of message refs. Its
 * get() asks the thread for a bulk; the JSON bytes of each bulk are kept for
 * the pool (`takePayload`). A thread that dies fails what it was asked, and
 * the next get() starts a new one.
 */
export class PollerThread implements Source<number> {
  readonly #data: PollerThreadData;
  readonly #payloads: Map<number, BulkPayload>;
  #worker: Worker | undefined;
  #ready: Promise<void> | undefined;
  readonly #pending = new Map<number, Pending>();
  #nextRequest = 1;

  /** `payloads` is shared by all poller threads: first ref of a bulk → its bytes. */
  constructor(data: PollerThreadData, payloads: Map<number, BulkPayload>) {
    this.#data = data;
    this.#payloads = payloads;
  }

  /** Starts the thread (if not running) and resolves once its source is built. */
  ensureStarted(): Promise<void> {
    return (this.#ready ??= this.#spawn());
  }

  async get(signal: AbortSignal, hint: GetHint): Promise<number[]> {
    await this.ensureStarted();
    const requestId = this.#nextRequest++;
    const onAbort = (): void => this.#post({ type: 'abort', requestId });
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const reply = await this.#request({ type: 'get', requestId, maxMessages: hint.maxMessages });
      if (reply.type !== 'got') throw new Error('unexpected reply');
      const refs: number[] = [];
      for (const bulk of reply.bulks) {
        const first = messageRef(this.#data.poller, bulk.bulkId, 0);
        this.#payloads.set(first, { bytes: bulk.payload, format: bulk.format, count: bulk.count });
        for (let index = 0; index < bulk.count; index++) refs.push(first + index);
      }
      return refs;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** The bytes of these held messages alone, encoded by the thread (its bulks' bytes went to the pool whole). */
  async encode(refs: readonly number[]): Promise<EncodedPayload> {
    const reply = await this.#request({ type: 'encode', requestId: this.#nextRequest++, refs });
    if (reply.type !== 'encoded') throw new Error('unexpected reply');
    return { bytes: reply.payload, format: reply.format };
  }

  /** Main gave up settling these refs: the thread stops holding their messages (its source delivers them again). */
  forget(refs: readonly number[]): void {
    this.#post({ type: 'forget', refs });
  }

  async cleanup(refs: number[]): Promise<void> {
    await this.#request({ type: 'settle', requestId: this.#nextRequest++, kind: 'cleanup', refs });
  }

  async release(refs: number[], error: unknown): Promise<void> {
    await this.#request({ type: 'settle', requestId: this.#nextRequest++, kind: 'release', refs, error: toWireError(error) });
  }

  async close(): Promise<void> {
    const worker = this.#worker;
    if (worker === undefined) return;
    try {
      await this.#request({ type: 'close', requestId: this.#nextRequest++ });
    } finally {
      this.#worker = undefined;
      this.#ready = undefined;
      await worker.terminate();
    }
  }

  #spawn(): Promise<void> {
    const worker = new Worker(new URL('./poller-thread-worker.js', import.meta.url), { workerData: this.#data });
    this.#worker = worker;
    return new Promise<void>((resolve, reject) => {
      worker.on('message', (message: FromPollerThread) => {
        if (message.type === 'ready') return resolve();
        if (message.type === 'loadError')
          return reject(new PollerThreadError(message.error.message, { cause: fromWireError(message.error) }));
        const pending = this.#pending.get(message.requestId);
        if (pending === undefined) return;
        this.#pending.delete(message.requestId);
        if (message.type === 'failed') pending.reject(fromWireError(message.error));
        else pending.resolve(message);
      });
      const onDeath = (cause: unknown): void => {
        if (this.#worker !== worker) return;
        this.#worker = undefined;
        this.#ready = undefined;
        const error = new PollerThreadError(
          `Poller thread ${this.#data.poller} died: ${cause instanceof Error ? cause.message : String(cause)}`,
          { cause },
        );
        reject(error);
        for (const pending of this.#pending.values()) pending.reject(error);
        this.#pending.clear();
      };
      worker.on('error', onDeath);
      worker.on('exit', (code) => onDeath(new Error(`exit code ${code}`)));
    });
  }

  #request(message: ToPollerThread & { requestId: number }): Promise<FromPollerThread> {
    if (this.#worker === undefined) return Promise.reject(new PollerThreadError(`Poller thread ${this.#data.poller} is not running`));
    return new Promise((resolve, reject) => {
      this.#pending.set(message.requestId, { resolve, reject });
      this.#post(message);
    });
  }

  #post(message: ToPollerThread): void {
    this.#worker?.postMessage(message);
  }
}
