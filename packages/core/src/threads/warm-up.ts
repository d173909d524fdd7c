// What a new pool thread runs before its first real parcel (docs/adr/0014-pool-thread-lifecycle.md): synthetic parcels shaped
// like a source's deliveries, so the per-parcel path is compiled before it counts.
import type { PoolTask } from './pool-protocol.js';
import { ProgressSlot } from './parcel-progress.js';
import { encodeParcel } from './wire-format.js';

/** Synthetic parcels a new thread runs by itself at start-up: enough calls for the JIT's first optimising tiers. */
const warmUpParcels = 100;
const warmUpBulkSize = 64;
const warmUpBulks = 4;

/** The reason a warm-up handler marks one message of each bulk failed with (its reports are walked too). */
export const warmUpMark = new Error('warm-up');

/**
 * The warm-up tasks: JSON parcels of small deliveries, as a source's would
 * cross, every other one with bodies that are JSON text (they cross beside the
 * JSON, see text-bodies.ts), so both decoding paths are compiled.
 */
export function warmUpTasks(count = warmUpParcels): Extract<PoolTask, { kind: 'parcel' }>[] {
  const bulkSizes = Array.from({ length: warmUpBulks }, () => warmUpBulkSize);
  const parcel = (body: (index: number) => unknown) => ({
    messages: Array.from({ length: warmUpBulkSize * warmUpBulks }, (_, index) => ({
      id: `warm-up-${index}`,
      body: body(index),
      receiveCount: 1,
    })),
    bulkSizes,
  });
  const objects = encodeParcel(
    parcel((index) => ({ index, text: 'x'.repeat(32) })),
    false,
  );
  const texts = encodeParcel(
    parcel((index) => JSON.stringify({ index, text: 'x'.repeat(32) })),
    false,
  );
  const progress = new ProgressSlot().buffer;
  // A wire is only read when decoded (each decode builds messages of its own): the tasks share two.
  return Array.from({ length: count }, (_, task) => ({ kind: 'parcel' as const, wire: task % 2 === 0 ? objects : texts, progress }));
}

/** Round trips of a synthetic parcel, main to each kept thread and back, after the probes: piscina's messaging and the result path warm too. */
export const warmUpRoundTrips = 40;
