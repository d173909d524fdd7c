// The fastest hop this machine allows, as a baseline: the main thread writes
// batches (length-prefixed UTF-8 JSON) into a SharedArrayBuffer ring; this
// thread waits on the ring, decodes each batch, walks its messages and counts
// them as acknowledged in shared memory. No message port, no task objects.
import { workerData } from 'node:worker_threads';

const { ring, control } = workerData; // control: Int32Array [writeOffset, readOffset, acked, closed]
const bytes = new Uint8Array(ring);
const state = new Int32Array(control);
const decoder = new TextDecoder();
const view = new DataView(ring);

for (;;) {
  let read = Atomics.load(state, 1);
  while (Atomics.load(state, 0) === read) {
    if (Atomics.load(state, 3) === 1) process.exit(0);
    Atomics.wait(state, 0, read, 50);
  }
  const write = Atomics.load(state, 0);
  let acked = 0;
  while (read !== write) {
    const length = view.getUint32(read);
    if (length === 0) {
      read = 0; // wrapped
      continue;
    }
    const batch = JSON.parse(decoder.decode(bytes.subarray(read + 4, read + 4 + length)));
    let sum = 0;
    for (const message of batch) sum += message.id;
    if (sum < 0) throw new Error('unreachable');
    acked += batch.length;
    read += 4 + length;
  }
  Atomics.store(state, 1, read);
  Atomics.add(state, 2, acked);
  Atomics.notify(state, 1);
}
