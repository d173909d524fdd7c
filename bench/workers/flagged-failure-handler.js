// The ordered-lanes benchmark's handler: takes every message; one flagged `fail`
// fails on its first delivery (bulk.fail, so its neighbours are consumed). With
// CONVEYOR_BENCH_WORK_BYTES set (the benchmark calibrates it), each message also
// costs that many bytes of SHA-256: native work, the same in every thread.
import { createHash } from 'node:crypto';

const workBytes = Number(process.env.CONVEYOR_BENCH_WORK_BYTES ?? 0);
const block = Buffer.alloc(Math.max(workBytes, 1) + 64, 7);

export default function flaggedFailureHandler(bulk) {
  let sum = 0;
  for (const message of bulk) {
    if (message.body.fail === true && message.receiveCount === 1) bulk.fail(message, new Error('flagged to fail once'));
    else sum += message.body.seq;
    if (workBytes > 0)
      sum += createHash('sha256')
        .update(block.subarray(message.body.seq % 64, (message.body.seq % 64) + workBytes))
        .digest()[0];
  }
  return sum > -1 ? undefined : sum;
}
