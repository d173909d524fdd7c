import { describe, expect, it } from 'vitest';
import { stillReachable } from '@conveyor/conformance';
import { FileQueueWriter, FileSource } from '@conveyor/file';
import { quiet, useTempQueues } from './helpers.js';

describe('FileSource with a visibility timeout', () => {
  const queue = useTempQueues();

  it('keeps no settled row in memory while the deliveries’ visibility deadlines are still ahead', async () => {
    const directory = queue();
    const writer = new FileQueueWriter<{ n: number }>({ directory, maxRowsPerBatch: 100, ...quiet });
    for (let n = 0; n < 500; n++) void writer.add({ n });
    writer.close();
    // A minute of visibility: every delivery's deadline is still ahead when the test looks.
    const source = new FileSource<{ n: number }>({ directory, waitTime: 0, visibilityTimeout: 60_000, ...quiet });
    const signal = new AbortController().signal;
    const bodies: WeakRef<object>[] = [];
    let consumed = 0;
    // In a function of its own, so no reference to the messages outlives it.
    const drainOnce = async (): Promise<number> => {
      const messages = await source.get(signal, { maxMessages: 100 });
      for (const message of messages) bodies.push(new WeakRef(message.body));
      source.cleanup(messages);
      return messages.length;
    };
    for (let count = await drainOnce(); count > 0; count = await drainOnce()) consumed += count;
    expect(consumed).toBe(500);
    // Settled rows are released once their batch is done, not a visibility timeout later.
    expect(await stillReachable(bodies)).toBe(0);
    source.close();
  });
});
