// What a new pool thread runs before its first real parcel (docs/adr/0014-pool-thread-lifecycle.md): synthetic parcels shaped
// like a source's deliveries, so the per-parcel path is compiled before it counts.
import type { PoolTask } from './pool-protocol.js';
import { ProgressSlot } from './parcel-progress.js';

/** Synthetic parcels a new thread runs by itself at start-up: enough calls for the JIT's first optimising tiers. */
const warmUpParcels = 100;
const warmUpBulkSize = 64;
const warmUpBulks = 4;

/** The reason a warm-up handler marks one message of each bulk failed with (its reports are walked too). */
export const warmUpMark = new Error('warm-up');

/** The warm-up tasks: JSON parcels of small deliveries, as a source's would cross. */
export function warmUpTasks(count = warmUpParcels): Extract<PoolTask, { kind: 'parcel' }>[] {
  const messages = Array.from({ length: warmUpBulkSize * warmUpBulks }, (_, index) => ({
    id: `warm-up-${index}`,
    body: { index, text: 'x'.repeat(32) },
    receiveCount: 1,
  }));
  const payload = JSON.stringify(messages);
  const bulkSizes = new Int32Array(warmUpBulks).fill(warmUpBulkSize);
  const progress = new ProgressSlot().buffer;
  return Array.from({ length: count }, () => ({
    kind: 'parcel' as const,
    wire: { kind: 'json' as const, payload, bulkSizes },
    progress,
  }));
}

/** Round trips of a synthetic parcel, main to each kept thread and back, after the probes: piscina's messaging and the result path warm too. */
export const warmUpRoundTrips = 40;
