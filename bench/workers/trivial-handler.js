// The Consumer's handler in the benchmark: takes every message, does nothing with it.
export default function trivialHandler(bulk) {
  let sum = 0;
  for (const message of bulk) sum += message.id;
  return sum > -1 ? undefined : sum;
}
