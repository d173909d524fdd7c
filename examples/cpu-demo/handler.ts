// Runs on the pool threads: each message costs about 0.2 ms of CPU.
import type { Bulk, MemoryMessage } from '@conveyor/core';
import { countPrimes } from './work.ts';

export interface DemoJob {
  readonly id: number;
  readonly span: number;
}

export default function primeHandler(bulk: Bulk<MemoryMessage<DemoJob>>): void {
  for (const message of bulk) countPrimes(message.body.id * 7, message.body.span);
}
