// What the core benchmarks give their baselines as task size: the Consumer's mean parcel.
import type { ConsumerMetrics } from '@conveyor/core';

/** Counts the Consumer's parcels (as its metrics hook), to give the baselines the same task size. */
export function parcelCounter(): ConsumerMetrics & { readonly meanParcel: () => number } {
  let parcels = 0;
  let messages = 0;
  return {
    received() {},
    settleError() {},
    settled(sample) {
      parcels++;
      messages += sample.consumed + sample.failed;
    },
    meanParcel: () => (parcels === 0 ? 1 : Math.max(1, Math.round(messages / parcels))),
  };
}
