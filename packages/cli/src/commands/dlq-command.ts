import type { ExitCode } from '../exit-codes.js';
import { exitCodes } from '../exit-codes.js';
import { formatDeadLetters } from '../dlq/format-dead-letters.js';
import { openDeadLetterTool } from '../dlq/open-dead-letter-tool.js';
import { parseSourceUrl } from '../source-url.js';

/** Options of `conveyor dlq`. */
export interface DlqCommandOptions {
  /** Send them back to the queue instead of listing them. */
  readonly redrive: boolean;
  /** Most dead letters to list (default 20) or to send back (default all). */
  readonly limit: number | undefined;
  /** Print one JSON object. */
  readonly json: boolean;
}

/** Dead letters listed when `--limit` is not given. */
export const defaultListLimit = 20;

/**
 * `conveyor dlq <source-url>`: lists the oldest dead letters of a queue with
 * their last error, receive count and age; with `--redrive`, sends them (all,
 * or `--limit` of them, the oldest first) back to the queue.
 */
export async function dlqCommand(url: string, options: DlqCommandOptions): Promise<ExitCode> {
  const location = parseSourceUrl(url);
  const tool = await openDeadLetterTool(location);
  try {
    if (options.redrive) {
      const moved = await tool.redrive(options.limit);
      const left = await tool.count();
      if (options.json)
        process.stdout.write(`${JSON.stringify({ source: location.display, deadLetters: tool.where, redriven: moved, left })}\n`);
      else
        process.stdout.write(
          `sent ${moved} dead letter${moved === 1 ? '' : 's'} from ${tool.where} back to ${location.display}` +
            `${left === undefined ? '' : `; ${left} left`}\n`,
        );
      return exitCodes.ok;
    }
    const limit = options.limit ?? defaultListLimit;
    const [count, letters, notes] = await Promise.all([tool.count(), tool.list(limit), tool.notes?.() ?? Promise.resolve([])]);
    if (options.json)
      process.stdout.write(`${JSON.stringify({ source: location.display, deadLetters: tool.where, count, letters, notes })}\n`);
    else process.stdout.write(`${formatDeadLetters({ source: location.display, where: tool.where, count, letters, notes })}\n`);
    return exitCodes.ok;
  } finally {
    await tool.close();
  }
}
