import { statSync } from 'node:fs';
import { FileQueueWriter } from '@conveyor/file';
import { CliError } from '../cli-error.js';
import type { FileLocation } from '../source-url.js';
import type { Sender } from './sender.js';

/** Adds each parsed line as an item of a file queue (waits while the queue is full). */
export function openFileSender(location: FileLocation): Promise<Sender> {
  let isDirectory = false;
  try {
    isDirectory = statSync(location.directory).isDirectory();
  } catch {
    // Reported below.
  }
  if (!isDirectory)
    return Promise.reject(
      new CliError(
        'CLI_QUEUE_NOT_FOUND',
        `No file queue folder at ${location.directory}; create it (mkdir -p ${location.directory}) or fix the path`,
      ),
    );
  const writer = new FileQueueWriter<unknown>({ directory: location.directory });
  return Promise.resolve({
    batchSize: 1000,
    async send(lines) {
      for (const line of lines) {
        const waiting = writer.add(line.value);
        if (waiting !== undefined) await waiting;
      }
    },
    close() {
      // Makes the open batch available: nothing sent stays behind in a loading_ file.
      writer.close();
      return Promise.resolve();
    },
  });
}
