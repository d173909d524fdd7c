// Runs on the pool threads of each consumer process.
import type { Bulk } from '@conveyor/core';
import type { FileMessage } from '@conveyor/file';

export interface Job {
  readonly id: number;
  readonly text: string;
}

export default function handler(bulk: Bulk<FileMessage<Job>>): void {
  for (const message of bulk) {
    // Every 97th job fails on its first delivery: it goes back to the queue and comes again.
    if (message.body.id % 97 === 0 && message.receiveCount === 1) {
      bulk.fail(message, new Error(`job ${message.body.id} failed once`));
      continue;
    }
    let hash = 0;
    for (let round = 0; round < 200; round++) {
      for (let index = 0; index < message.body.text.length; index++) hash = (Math.imul(hash, 31) + message.body.text.charCodeAt(index)) | 0;
    }
  }
}
