// How a parcel crosses to a pool thread, and back into messages there.
// See docs/adr/0003-the-json-hop.md for why JSON is the default.
import type { Parcel } from '../bulk/parcel.js';
import type { PoolTask } from './pool-protocol.js';

/** How bulks cross into pool threads. */
export type BulkTransfer = 'json' | 'clone';

/** A parcel's task without its shared progress slot. */
type ParcelTask = Exclude<PoolTask, { kind: 'probe' }>;

/**
 * Encodes a parcel as one task: the bytes poller threads already encoded (when
 * every bulk has them), one JSON string, or structured clone when JSON cannot
 * encode it (BigInt, cycles) or `transfer` is 'clone'.
 */
export function encodeParcel<M>(
  parcel: Parcel<M>,
  transfer: BulkTransfer,
  payloadOf: ((firstMessage: M) => Uint8Array | undefined) | undefined,
): ParcelTask {
  if (payloadOf !== undefined) {
    const payloads: Uint8Array[] = [];
    let start = 0;
    for (const size of parcel.bulkSizes) {
      const payload = payloadOf(parcel.messages[start] as M);
      if (payload !== undefined) payloads.push(payload);
      start += size;
    }
    if (payloads.length === parcel.bulkSizes.length) return { kind: 'bytes', payloads };
  }
  if (transfer === 'json') {
    try {
      return { kind: 'json', payload: JSON.stringify(parcel.messages), bulkSizes: parcel.bulkSizes };
    } catch {
      // BigInt, cycles: structured cloning can carry what JSON cannot.
    }
  }
  return { kind: 'clone', messages: parcel.messages, bulkSizes: parcel.bulkSizes };
}

/** The buffers a task's `postMessage` should transfer rather than copy. */
export function transferListOf(task: ParcelTask): ArrayBuffer[] | undefined {
  return task.kind === 'bytes' ? task.payloads.map((payload) => payload.buffer as ArrayBuffer) : undefined;
}

const decoder = new TextDecoder();

/** The parcel a pool thread receives: its messages and bulk sizes. */
export function decodeParcel(task: ParcelTask): Parcel<unknown> {
  switch (task.kind) {
    case 'json':
      return { messages: JSON.parse(task.payload) as unknown[], bulkSizes: task.bulkSizes };
    case 'clone':
      return task;
    case 'bytes': {
      // One payload per bulk, as the poller thread cut them.
      const messages: unknown[] = [];
      const bulkSizes: number[] = [];
      for (const payload of task.payloads) {
        const bulk = JSON.parse(decoder.decode(payload)) as unknown[];
        for (const message of bulk) messages.push(message);
        bulkSizes.push(bulk.length);
      }
      return { messages, bulkSizes };
    }
  }
}
