import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { FileQueueWriter, FileSource } from '@conveyor/file';
import { quiet, useTempQueues } from './helpers.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

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
    // Collect in a turn of its own: deref() keeps its target alive until the turn ends.
    const alive = async (): Promise<number> => {
      await new Promise((resolve) => setTimeout(resolve, 10));
      gc();
      await new Promise((resolve) => setTimeout(resolve, 0));
      return bodies.filter((body) => body.deref() !== undefined).length;
    };
    let left = await alive();
    for (let attempt = 0; attempt < 5 && left > 0; attempt++) left = await alive();
    // Settled rows are released once their batch is done, not a visibility timeout later.
    expect(left).toBe(0);
    source.close();
  });
});
