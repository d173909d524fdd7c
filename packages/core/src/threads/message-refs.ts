/**
 * With poller threads, messages stay in the thread that received them; the main
 * thread handles plain numbers that say where each message is: its index in a
 * bulk, the bulk's id in the poller thread, and the poller. 21 + 6 + 26 bits fit
 * a safe integer, so refs cost no allocation.
 */
export const maxRefBulkSize = 2 ** 21;
export const maxRefPollers = 64;
const bulkIdSpace = 2 ** 26;

export function nextBulkId(previous: number): number {
  // Wraps after 67 M bulks: by then the bulk that held an id has long been settled.
  return (previous + 1) % bulkIdSpace;
}

export function messageRef(poller: number, bulkId: number, index: number): number {
  return (bulkId * maxRefPollers + poller) * maxRefBulkSize + index;
}

export function refPoller(ref: number): number {
  return Math.floor(ref / maxRefBulkSize) % maxRefPollers;
}

export function refBulkId(ref: number): number {
  return Math.floor(ref / maxRefBulkSize / maxRefPollers);
}

export function refIndex(ref: number): number {
  return ref % maxRefBulkSize;
}
