// What the Redis list benchmarks send and how their pool threads handle it: ~110-byte JSON
// bodies and a handler that touches every message and does nothing else.
import type { Bulk } from '@conveyor/core';
import type { RedisListMessage } from '@conveyor/redis';

/** A ~110-byte JSON body. */
export function body(index: number): string {
  return JSON.stringify({
    id: index,
    kind: 'bench',
    payload: 'abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmno',
    at: 1_732_700_000_000 + index,
  });
}

/** The pool threads' handler (this module is the benchmarks' handlerModule). */
export default function benchHandler(bulk: Bulk<RedisListMessage>): void {
  let length = 0;
  for (const message of bulk) length += message.body.length;
  if (length < 0) throw new Error('unreachable');
}

/** This module, as the Consumer's `handlerModule`. */
export const benchHandlerModule = new URL(import.meta.url);
