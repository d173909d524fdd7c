// Baselines of the core benchmark: the same messages, the same task size and the same
// trivial work as the Consumer, moved from the main thread to the pool threads and
// acknowledged by hand — a bare Piscina loop (JSON string, or transferred bytes) and a
// SharedArrayBuffer ring per thread (the fastest hop this machine allows).
import { Worker } from 'node:worker_threads';
import { Piscina } from 'piscina';
// The Consumer's own chunking, so the ring encodes exactly as it does.
import { stringifyInChunks } from '../packages/core/dist/threads/json-chunks.js';
import { settleHeap } from './memory-consumer-drain.ts';

/** The messages every side moves, built before the clock starts: the Consumer's shape. */
export interface Envelope {
  readonly id: number;
  readonly body: string;
  readonly receiveCount: number;
  readonly receipt: number;
}

export function envelopes(count: number, bodyBytes = 32): Envelope[] {
  const body = 'x'.repeat(bodyBytes);
  return Array.from({ length: count }, (_, id) => ({ id, body, receiveCount: 1, receipt: id }));
}

/** Batches of `taskSize` (views, not copies, where a side allows). */
function batches(messages: readonly Envelope[], taskSize: number): Envelope[][] {
  const out: Envelope[][] = [];
  for (let start = 0; start < messages.length; start += taskSize) out.push(messages.slice(start, start + taskSize));
  return out;
}

/** A bare Piscina loop at `taskSize` messages a task, two tasks per thread queued. Messages/s. */
export async function bareLoop(messages: readonly Envelope[], taskSize: number, threads: number, wire: 'json' | 'bytes'): Promise<number> {
  const pool = new Piscina({
    filename: new URL(wire === 'json' ? './workers/bare-batch.js' : './workers/bytes-batch.js', import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: Number.POSITIVE_INFINITY,
  });
  await Promise.all(Array.from({ length: threads }, () => pool.run(wire === 'json' ? '[]' : new TextEncoder().encode('[]'))));
  const work = batches(messages, taskSize);
  const encoder = new TextEncoder();
  await settleHeap();
  const started = performance.now();
  let next = 0;
  let acked = 0;
  const lane = async (): Promise<void> => {
    while (next < work.length) {
      const batch = work[next++] as Envelope[];
      if (wire === 'json') await pool.run(JSON.stringify(batch));
      else {
        const bytes = encoder.encode(JSON.stringify(batch));
        await pool.run(bytes, { transferList: [bytes.buffer] });
      }
      acked += batch.length;
    }
  };
  await Promise.all(Array.from({ length: threads * 2 }, lane));
  const seconds = (performance.now() - started) / 1000;
  await pool.destroy();
  if (acked !== messages.length) throw new Error('bare loop lost messages');
  return messages.length / seconds;
}

/** One SharedArrayBuffer ring per thread, batches of `taskSize` as UTF-8 JSON (one record per chunk). Messages/s. */
export async function sabRing(messages: readonly Envelope[], taskSize: number, threads: number): Promise<number> {
  const ringBytes = 8 * 1024 * 1024;
  const rings = Array.from({ length: threads }, () => {
    const ring = new SharedArrayBuffer(ringBytes);
    const control = new SharedArrayBuffer(16);
    const worker = new Worker(new URL('./workers/ring-reader.js', import.meta.url), { workerData: { ring, control } });
    return { bytes: new Uint8Array(ring), view: new DataView(ring), state: new Int32Array(control), worker };
  });
  await new Promise((resolve) => setTimeout(resolve, 100)); // let the readers start
  const work = batches(messages, taskSize);
  const encoder = new TextEncoder();
  await settleHeap();
  const started = performance.now();
  for (let index = 0; index < work.length; index++) {
    const ring = rings[index % threads] as (typeof rings)[number];
    // In chunks under V8's large-object size, as the Consumer encodes: one JSON.stringify past 128 KB
    // costs about 4x a message, and the limit of this machine is not that of one call.
    const payload = stringifyInChunks(work[index] as Envelope[]);
    for (const text of typeof payload === 'string' ? [payload] : payload) {
      // Room for the length, the UTF-8 bytes at most, and a wrap marker after them.
      const needed = 4 + text.length * 3 + 4;
      for (;;) {
        const read = Atomics.load(ring.state, 1);
        const write = Atomics.load(ring.state, 0);
        let at = -1;
        if (write >= read) {
          if (write + needed <= ringBytes) at = write;
          else if (needed < read) {
            ring.view.setUint32(write, 0); // the reader wraps here
            at = 0;
          }
        } else if (write + needed < read) at = write;
        if (at < 0) {
          await Atomics.waitAsync(ring.state, 1, read, 50).value;
          continue;
        }
        const { written } = encoder.encodeInto(text, ring.bytes.subarray(at + 4));
        ring.view.setUint32(at, written);
        Atomics.store(ring.state, 0, at + 4 + written);
        Atomics.notify(ring.state, 0);
        break;
      }
    }
  }
  // Wait until every message was acknowledged.
  for (;;) {
    const acked = rings.reduce((sum, ring) => sum + Atomics.load(ring.state, 2), 0);
    if (acked >= messages.length) break;
    await new Promise((resolve) => setImmediate(resolve));
  }
  const seconds = (performance.now() - started) / 1000;
  for (const ring of rings) {
    Atomics.store(ring.state, 3, 1);
    Atomics.notify(ring.state, 0);
  }
  await Promise.all(rings.map((ring) => new Promise((resolve) => ring.worker.once('exit', resolve))));
  return messages.length / seconds;
}
