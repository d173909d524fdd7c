// Piscina task of the transferred-bytes baseline: one batch as UTF-8 JSON bytes.
const decoder = new TextDecoder();

export default function handleBytes(bytes) {
  const batch = JSON.parse(decoder.decode(bytes));
  let sum = 0;
  for (const message of batch) sum += message.id;
  return batch.length + (sum < 0 ? 1 : 0);
}
