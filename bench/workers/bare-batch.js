// The bare Piscina baseline: a batch of messages, structured-cloned or as one JSON string.
export default function handleBatch(batch) {
  const messages = typeof batch === 'string' ? JSON.parse(batch) : batch;
  let sum = 0;
  for (const message of messages) sum += message.id;
  return sum;
}
