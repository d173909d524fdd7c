/** Redis Cluster's number of hash slots. */
export const slotCount = 16384;

/**
 * The Redis Cluster slot of a key: CRC16 (XMODEM) of its hash tag (what is
 * between the first `{` and the next `}`, when not empty), else of the whole
 * key, modulo 16384 — what `CLUSTER KEYSLOT` answers.
 */
export function keySlot(key: string): number {
  const bytes = Buffer.from(key);
  let start = 0;
  let end = bytes.length;
  const open = bytes.indexOf(0x7b);
  if (open >= 0) {
    const close = bytes.indexOf(0x7d, open + 1);
    if (close > open + 1) {
      start = open + 1;
      end = close;
    }
  }
  let crc = 0;
  for (let index = start; index < end; index++) {
    crc ^= (bytes[index] as number) << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % slotCount;
}

/** Whether `key` has a hash tag: a non-empty `{...}` (the first `{` and the next `}`). */
export function hasHashTag(key: string): boolean {
  const open = key.indexOf('{');
  if (open < 0) return false;
  const close = key.indexOf('}', open + 1);
  return close > open + 1;
}
