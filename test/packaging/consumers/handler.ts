// The pool threads' handler: takes every message (a negative one would fail).
import type { Bulk, MemoryMessage } from '@conveyor/core';

export default function handler(bulk: Bulk<MemoryMessage<{ n: number }>>): void {
  for (const message of bulk) if (message.body.n < 0) throw new RangeError(`negative: ${message.body.n}`);
}
