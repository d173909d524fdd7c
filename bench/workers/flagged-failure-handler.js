// The ordered-lanes benchmark's handler: takes every message; one flagged `fail`
// fails on its first delivery (bulk.fail, so its neighbours are consumed).
export default function flaggedFailureHandler(bulk) {
  let sum = 0;
  for (const message of bulk) {
    if (message.body.fail === true && message.receiveCount === 1) bulk.fail(message, new Error('flagged to fail once'));
    else sum += message.body.seq;
  }
  return sum > -1 ? undefined : sum;
}
