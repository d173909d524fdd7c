import type { ExitCode } from '../exit-codes.js';
import { exitCodes } from '../exit-codes.js';
import { openSender } from '../send/open-sender.js';
import { readJsonLines } from '../send/read-json-lines.js';
import { SendProgress } from '../send/send-progress.js';
import { parseSourceUrl } from '../source-url.js';

/** Options of `conveyor send`. */
export interface SendCommandOptions {
  /** Show the progress bar on a terminal. */
  readonly progress: boolean;
}

/**
 * `conveyor send <source-url>`: reads JSON lines from stdin and puts one
 * message per line into the queue, in order; prints a summary line.
 */
export async function sendCommand(url: string, options: SendCommandOptions): Promise<ExitCode> {
  const location = parseSourceUrl(url);
  const sender = await openSender(location);
  if (process.stdin.isTTY === true) process.stderr.write('conveyor: reading JSON lines from the terminal; end with Ctrl-D\n');
  const progress = new SendProgress(location.display, options.progress);
  try {
    for await (const batch of readJsonLines(process.stdin, sender.batchSize, (bytes) => progress.read(bytes))) {
      await sender.send(batch);
      progress.sent(batch.length);
    }
  } finally {
    progress.stop();
    await sender.close();
  }
  process.stdout.write(`sent ${progress.messages} messages to ${location.display} in ${progress.seconds.toFixed(2)} s\n`);
  return exitCodes.ok;
}
