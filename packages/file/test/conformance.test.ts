import { FileQueueWriter, FileSource, listDeadLetters } from '@conveyor/file';
import type { FileMessage } from '@conveyor/file';
import { runSourceConformance } from '@conveyor/conformance';
import { quiet, tempQueue } from './helpers.js';

runSourceConformance<FileMessage<string>>(
  'FileSource',
  async () => {
    const { directory, remove } = tempQueue();
    // The suite runs in real time: a short retry backoff (the default one is proven in retry.test.ts on a ManualClock).
    const source = new FileSource<string>({
      directory,
      waitTime: 100,
      pollInterval: 10,
      visibilityTimeout: 300,
      retryBackoff: { baseMs: 20, capMs: 200 },
      ...quiet,
    });
    return {
      source,
      send: async (bodies) => {
        const writer = new FileQueueWriter<string>({ directory, ...quiet });
        for (const body of bodies) void writer.add(body);
        writer.close();
      },
      bodyOf: (message) => message.body,
      dispose: async () => remove(),
      deadLetterCount: async () => listDeadLetters(directory).length,
    };
  },
  { redeliveryAfterMs: 300, ordered: true, minRetryDelayMs: 10 },
);
