import { slotCount, keySlot } from './key-slot.js';

/** Most partitions a queue may have. */
export const maxPartitions = 1024;

/**
 * The hash tags of a queue's `count` partitions, stable for a given `name` and
 * `count` (producers and consumers in any process compute the same ones).
 * Partition `i`'s tag hashes to a slot in the `i`-th of `count` equal slices of
 * the slot space: `redis-cli --cluster create` gives each master one slice in
 * that order, so with `count` a multiple of the number of masters the
 * partitions spread evenly over them. The tag is `<name>#<i>`, or
 * `<name>#<i>~<n>` with the first `n` that lands in the slice. Why:
 * docs/adr/0013-redis-cluster-partitions.md.
 */
export function partitionTags(name: string, count: number): string[] {
  const tags: string[] = [];
  for (let index = 0; index < count; index++) {
    const base = `${name}#${index}`;
    let tag = base;
    for (let attempt = 1; count > 1 && Math.floor((keySlot(`{${tag}}`) * count) / slotCount) !== index; attempt++) {
      tag = `${base}~${attempt}`;
    }
    tags.push(tag);
  }
  return tags;
}

/**
 * The partition of a partitioning key (a sharded thread, a producer's message
 * key): FNV-1a (32 bits) of its UTF-8 bytes, modulo `count`. Stable across
 * processes and versions: changing it would split a key's messages.
 */
export function partitionOf(key: string, count: number): number {
  if (count <= 1) return 0;
  let hash = 0x811c9dc5;
  const bytes = Buffer.from(key);
  for (const byte of bytes) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % count;
}
